import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import t from 'tap';
import { expireHolds } from '../src/ledger/holds.js';
import { verifyLedger } from '../src/ledger/verify.js';
import { createTestDatabase, engines, fundedAccount, type Harness, isProblem, refused, setup } from './helpers/harness.js';

// Holds through the API (DESIGN §3, two-phase): available drops at once, a hold resolves at most
// once, capture less releases the rest, expiry is checked against the database's clock even when
// no sweeper ran, the sweeper expires each hold once however many run, verify proves held.

const TABLES = ['ledger_holds', 'ledger_hold_events', 'ledger_entries', 'ledger_postings'] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function account(h: Harness, id: string) {
  const res = await h.request('GET', `/v1/accounts/${id}`);
  return res.body as { balance: string; held: string; available: string };
}

async function market(h: Harness, id: string, slots = 1) {
  const res = await h.request('POST', '/v1/accounts', { body: { id, unit: 'POINTS', type: 'market', allowNegative: true, slots } });
  if (res.status !== 201) throw new Error(`market ${id}: ${res.status} ${JSON.stringify(res.body)}`);
}

const hold = (h: Harness, body: Record<string, unknown>, key?: string) =>
  h.request('POST', '/v1/holds', { body: { unit: 'POINTS', ttlSeconds: 600, ...body }, ...(key ? { headers: { 'idempotency-key': key } } : {}) });

for (const engine of engines) {
  t.test(`holds on ${engine}`, async (t) => {
    // No sweeper in this app: expiry must hold by the clock alone. One test below starts its own.
    const h = await setup(t, engine, { poolSize: 20, env: { HOLD_SWEEP_MS: '0' } });

    t.test('a hold lowers available at once; capture less posts the entry and releases the rest', async (t) => {
      await fundedAccount(h, { id: 'member:cap:points', points: '10' });
      await market(h, 'market:cap');
      const placed = await hold(h, { accountId: 'member:cap:points', amount: '8', reference: 'basket-1', reason: '兑换预扣' });
      t.equal(placed.status, 201);
      t.equal(placed.body.status, 'open');
      t.equal(placed.body.amount, '8.00');
      t.equal(placed.body.reference, 'basket-1');
      t.same(placed.body.events.map((e: any) => e.kind), ['created']);
      // The create answer is built without reading the hold back: it must be what a read gives.
      t.same((await h.request('GET', `/v1/holds/${placed.body.id}`)).body, placed.body, 'GET answers the new hold as its creation did');
      t.match(await account(h, 'member:cap:points'), { balance: '10.00', held: '8.00', available: '2.00' });
      // What is held cannot be spent elsewhere.
      const spend = await h.request('POST', '/v1/entries', {
        body: { reason: 'x', postings: [
          { accountId: 'member:cap:points', unit: 'POINTS', direction: 'debit', amount: '3' },
          { accountId: 'market:cap', unit: 'POINTS', direction: 'credit', amount: '3' },
        ] },
      });
      isProblem(t, spend, 422, 'insufficient_points', 'a debit beyond available');
      t.equal(spend.body.available, '2.00');

      const captured = await h.request('POST', `/v1/holds/${placed.body.id}/capture`, {
        body: { amount: '3', credits: [{ accountId: 'market:cap' }], reason: '购买毛巾' },
      });
      t.equal(captured.status, 200, 'captured');
      t.equal(captured.body.hold.status, 'captured');
      t.equal(captured.body.hold.capturedAmount, '3.00');
      t.equal(captured.body.hold.captureEntryId, captured.body.entry.id);
      t.equal(captured.body.entry.kind, 'capture');
      t.same(
        captured.body.entry.postings.map((p: any) => [p.accountId, p.direction, p.amount]),
        [['member:cap:points', 'debit', '3.00'], ['market:cap', 'credit', '3.00']],
      );
      t.same(captured.body.hold.events.map((e: any) => [e.kind, e.amount, e.released]), [['created', '8.00', '0.00'], ['captured', '3.00', '8.00']]);
      const after = await account(h, 'member:cap:points');
      t.equal(after.balance, '7.00', 'the balance lost what was captured');
      t.equal(after.held, '0.00', 'the rest of the hold is released');
      t.equal(after.available, '7.00');
      t.equal((await account(h, 'market:cap')).balance, '3.00');
      const read = await h.request('GET', `/v1/holds/${placed.body.id}`);
      t.same(read.body, captured.body.hold, 'GET answers the hold as the capture did');
      // The capture's answer is built from what the database function answered, not read back.
      t.same((await h.request('GET', `/v1/entries/${captured.body.entry.id}`)).body, captured.body.entry, 'GET answers the entry as the capture did');
      await h.assertLedger(t);
    });

    t.test('void releases the whole hold and posts nothing; capture all; codes for each refusal', async (t) => {
      await fundedAccount(h, { id: 'member:codes:points', points: '10' });
      await market(h, 'market:codes');
      await market(h, 'market:slotted', 4);
      const a = await hold(h, { accountId: 'member:codes:points', amount: '4' });
      const entries = await h.count('ledger_entries');
      const voided = await h.request('POST', `/v1/holds/${a.body.id}/void`, { body: { reason: 'basket abandoned' } });
      t.equal(voided.status, 200);
      t.equal(voided.body.status, 'voided');
      t.same((await h.request('GET', `/v1/holds/${a.body.id}`)).body, voided.body, 'GET answers the hold as the void did');
      t.equal(await h.count('ledger_entries'), entries, 'a void posts no entry');
      t.equal((await account(h, 'member:codes:points')).available, '10.00');

      const b = await hold(h, { accountId: 'member:codes:points', amount: '6' });
      await refused(t, h, TABLES, () => h.request('POST', `/v1/holds/${b.body.id}/capture`, { body: { amount: '6.01', credits: [{ accountId: 'market:codes' }] } }), 422, 'hold_exceeded');
      const all = await h.request('POST', `/v1/holds/${b.body.id}/capture`, { body: { credits: [{ accountId: 'market:codes' }] } });
      t.equal(all.body.hold.capturedAmount, '6.00', 'no amount: all of it');
      await refused(t, h, TABLES, () => h.request('POST', `/v1/holds/${b.body.id}/capture`, { body: { credits: [{ accountId: 'market:codes' }] } }), 409, 'hold_already_captured');
      await refused(t, h, TABLES, () => h.request('POST', `/v1/holds/${b.body.id}/void`), 409, 'hold_already_captured', 'void after capture');
      await refused(t, h, TABLES, () => h.request('POST', `/v1/holds/${a.body.id}/void`), 409, 'hold_already_voided');
      await refused(t, h, TABLES, () => h.request('POST', `/v1/holds/${a.body.id}/capture`, { body: { credits: [{ accountId: 'market:codes' }] } }), 409, 'hold_already_voided', 'capture after void');
      await refused(t, h, TABLES, () => h.request('POST', '/v1/holds/00000000-0000-4000-8000-000000000000/void'), 404, 'hold_not_found');
      isProblem(t, await h.request('GET', '/v1/holds/00000000-0000-4000-8000-000000000000'), 404, 'hold_not_found');

      const over = await refused(t, h, TABLES, () => hold(h, { accountId: 'member:codes:points', amount: '4.01' }), 422, 'insufficient_points', 'a hold beyond available');
      t.equal(over.body.available, '4.00');
      t.equal(over.body.requested, '4.01');
      await refused(t, h, TABLES, () => hold(h, { accountId: 'market:slotted', amount: '1' }), 422, 'account_not_holdable');
      await refused(t, h, TABLES, () => hold(h, { accountId: 'member:nobody:points', amount: '1' }), 404, 'account_not_found');
      await refused(t, h, TABLES, () => hold(h, { accountId: 'member:codes:points', amount: '1', unit: 'HOURS' }), 422, 'unit_mismatch');
      await refused(t, h, TABLES, () => hold(h, { accountId: 'member:codes:points', amount: '1', ttlSeconds: undefined, expiresAt: new Date(Date.now() - 1000).toISOString() }), 422, 'hold_expiry_invalid');
      await refused(t, h, TABLES, () => hold(h, { accountId: 'member:codes:points', amount: '1', expiresAt: new Date(Date.now() + 60_000).toISOString() }), 400, 'validation_failed', 'both expiresAt and ttlSeconds');
      await refused(t, h, TABLES, () => hold(h, { accountId: 'member:codes:points', amount: '0' }), 400, 'amount_not_positive');
      const c = await hold(h, { accountId: 'member:codes:points', amount: '2' });
      await refused(t, h, TABLES, () => h.request('POST', `/v1/holds/${c.body.id}/capture`, { body: { amount: '2', credits: [{ accountId: 'market:codes', amount: '1' }, { accountId: 'market:slotted', amount: '0.5' }] } }), 400, 'unbalanced_entry');
      // Several credits: the capture splits, a slotted account may be credited.
      const split = await h.request('POST', `/v1/holds/${c.body.id}/capture`, { body: { credits: [{ accountId: 'market:codes', amount: '1.5' }, { accountId: 'market:slotted', amount: '0.5' }] } });
      t.equal(split.status, 200);
      t.equal(split.body.hold.capturedAmount, '2.00');
      t.same((await h.request('GET', `/v1/holds/${c.body.id}`)).body, split.body.hold, 'a split capture: the hold as GET reads it');
      t.same((await h.request('GET', `/v1/entries/${split.body.entry.id}`)).body, split.body.entry, 'a split capture: the entry as GET reads it');
      t.same(split.body.entry.postings.map((p: any) => [p.accountId, p.direction, p.amount, p.balanceAfter]), [
        ['member:codes:points', 'debit', '2.00', '2.00'], ['market:codes', 'credit', '1.50', '7.50'], ['market:slotted', 'credit', '0.50', null],
      ]);
      // An auditor may read holds, not make them.
      const auditor = await h.keyFor('auditor');
      t.equal((await h.request('GET', `/v1/holds/${c.body.id}`, { key: auditor })).status, 200);
      isProblem(t, await h.request('POST', '/v1/holds', { key: auditor, body: { accountId: 'member:codes:points', unit: 'POINTS', amount: '1', ttlSeconds: 60 } }), 403, 'forbidden');
      await h.assertLedger(t);
    });

    t.test('idempotency keys: a retried capture answers the first result again', async (t) => {
      await fundedAccount(h, { id: 'member:idem:points', points: '10' });
      await market(h, 'market:idem');
      const first = await hold(h, { accountId: 'member:idem:points', amount: '5' }, 'hold-key-1');
      const again = await hold(h, { accountId: 'member:idem:points', amount: '5' }, 'hold-key-1');
      t.equal(again.headers['idempotent-replayed'], 'true');
      t.equal(again.body.id, first.body.id, 'one hold');
      t.equal((await account(h, 'member:idem:points')).held, '5.00', 'held once');
      isProblem(t, await hold(h, { accountId: 'member:idem:points', amount: '4' }, 'hold-key-1'), 409, 'idempotency_conflict');
      const body = { amount: '2', credits: [{ accountId: 'market:idem' }] };
      const cap = await h.request('POST', `/v1/holds/${first.body.id}/capture`, { body, headers: { 'idempotency-key': 'cap-key-1' } });
      const cap2 = await h.request('POST', `/v1/holds/${first.body.id}/capture`, { body, headers: { 'idempotency-key': 'cap-key-1' } });
      t.equal(cap2.status, 200);
      t.equal(cap2.headers['idempotent-replayed'], 'true');
      t.equal(cap2.body.entry.id, cap.body.entry.id, 'one capture entry');
      t.equal((await account(h, 'member:idem:points')).balance, '8.00', 'debited once');
      await h.assertLedger(t);
    });

    t.test('64 concurrent holds of 1 against an account that covers 10: exactly 10 succeed', async (t) => {
      await fundedAccount(h, { id: 'member:race:points', points: '10' });
      const results = await Promise.all(Array.from({ length: 64 }, () => hold(h, { accountId: 'member:race:points', amount: '1' })));
      const ok = results.filter((r) => r.status === 201);
      const no = results.filter((r) => r.status === 422);
      t.equal(ok.length, 10, '10 holds succeed');
      t.equal(no.length, 54, '54 are refused');
      t.ok(no.every((r) => r.body.code === 'insufficient_points' && r.body.available === '0.00' && r.body.requested === '1.00'), 'each refusal is insufficient_points with available and requested');
      t.match(await account(h, 'member:race:points'), { balance: '10.00', held: '10.00', available: '0.00' });
      t.equal(Number((await sql<{ n: string }>`SELECT count(*)::text AS n FROM ledger_holds WHERE account_id = 'member:race:points'`.execute(h.database.db)).rows[0]!.n), 10, '10 hold rows');
      await h.assertLedger(t);
    });

    t.test('20 concurrent captures and voids of one hold: exactly one wins, the others get its code', async (t) => {
      await fundedAccount(h, { id: 'member:duel:points', points: '10' });
      await market(h, 'market:duel');
      for (let round = 0; round < 3; round++) {
        const placed = await hold(h, { accountId: 'member:duel:points', amount: '2' });
        const calls = Array.from({ length: 20 }, (_, i) =>
          i % 2 === 0
            ? h.request('POST', `/v1/holds/${placed.body.id}/capture`, { body: { credits: [{ accountId: 'market:duel' }] } })
            : h.request('POST', `/v1/holds/${placed.body.id}/void`),
        );
        const results = await Promise.all(calls);
        const won = results.filter((r) => r.status === 200);
        t.equal(won.length, 1, `round ${round}: exactly one wins`);
        const status = won[0]!.body.hold?.status ?? won[0]!.body.status;
        const code = status === 'captured' ? 'hold_already_captured' : 'hold_already_voided';
        t.ok(results.filter((r) => r.status !== 200).every((r) => r.status === 409 && r.body.code === code), `round ${round}: the 19 others get ${code}`);
        const events = await sql<{ kind: string }>`SELECT kind FROM ledger_hold_events WHERE hold_id = ${placed.body.id}::uuid`.execute(h.database.db);
        t.equal(events.rows.length, 2, `round ${round}: created and one resolution`);
      }
      const captures = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ledger_entries WHERE kind = 'capture' AND tenant_id = ${h.tenantId}
        AND object_id IN (SELECT hold_id::text FROM ledger_holds WHERE account_id = 'member:duel:points')`.execute(h.database.db);
      t.match(await account(h, 'member:duel:points'), { held: '0.00', balance: (10 - 2 * Number(captures.rows[0]!.n)).toFixed(2) }, 'debited once per won capture');
      await h.assertLedger(t);
    });

    t.test('a hold captured 1 ms after its expiry is refused though no sweeper ran', async (t) => {
      await fundedAccount(h, { id: 'member:late:points', points: '10' });
      await market(h, 'market:late');
      // Far enough ahead that the early capture below lands before it even on a loaded machine.
      const expiresAt = new Date(Date.now() + 3000);
      const placed = await hold(h, { accountId: 'member:late:points', amount: '5', ttlSeconds: undefined, expiresAt: expiresAt.toISOString() });
      t.equal(placed.status, 201);
      t.equal(placed.body.expiresAt, expiresAt.toISOString());
      // Just before: it still captures (another hold with the same expiry, captured at once).
      const early = await hold(h, { accountId: 'member:late:points', amount: '1', ttlSeconds: undefined, expiresAt: expiresAt.toISOString() });
      t.equal((await h.request('POST', `/v1/holds/${early.body.id}/capture`, { body: { credits: [{ accountId: 'market:late' }] } })).status, 200, 'before its expiry a hold captures');
      const db = h.database.db;
      // Wait until the database's clock stands 1 ms past the expiry (the test and the database share the machine's clock).
      for (;;) {
        const { rows } = await sql<{ past: boolean }>`SELECT clock_timestamp() >= ${new Date(expiresAt.getTime() + 1).toISOString()}::timestamptz AS past`.execute(db);
        if (rows[0]!.past) break;
        await sleep(Math.max(0, expiresAt.getTime() + 1 - Date.now()));
      }
      const late = await refused(t, h, TABLES, () => h.request('POST', `/v1/holds/${placed.body.id}/capture`, { body: { credits: [{ accountId: 'market:late' }] } }), 409, 'hold_expired');
      t.equal(late.body.expiresAt, expiresAt.toISOString());
      await refused(t, h, TABLES, () => h.request('POST', `/v1/holds/${placed.body.id}/void`), 409, 'hold_expired', 'void after expiry');
      const still = await h.request('GET', `/v1/holds/${placed.body.id}`);
      t.equal(still.body.status, 'open', 'no sweeper ran: the hold row is still open');
      t.equal((await account(h, 'member:late:points')).held, '5.00', 'and still held until swept');
      t.equal(await expireHolds(db, { tenantId: h.tenantId }), 1, 'the sweep expires it');
      const swept = await h.request('GET', `/v1/holds/${placed.body.id}`);
      t.equal(swept.body.status, 'expired');
      t.same(swept.body.events.map((e: any) => [e.kind, e.released, e.actor]), [['created', '0.00', placed.body.createdBy], ['expired', '5.00', 'sweeper']]);
      t.match(await account(h, 'member:late:points'), { balance: '9.00', held: '0.00', available: '9.00' });
      await refused(t, h, TABLES, () => h.request('POST', `/v1/holds/${placed.body.id}/capture`, { body: { credits: [{ accountId: 'market:late' }] } }), 409, 'hold_expired', 'capture after the sweep');
      await h.assertLedger(t);
    });

    t.test('two sweeps at once expire each hold exactly once', async (t) => {
      await fundedAccount(h, { id: 'member:sweep:points', points: '100' });
      const expires = Date.now() + 3000;
      const expiresAt = new Date(expires).toISOString();
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) {
        const placed = await hold(h, { accountId: 'member:sweep:points', amount: '1', ttlSeconds: undefined, expiresAt });
        if (placed.status !== 201) throw new Error(`hold ${i}: ${placed.status} ${JSON.stringify(placed.body)}`);
        ids.push(placed.body.id);
      }
      t.equal((await account(h, 'member:sweep:points')).held, '30.00');
      await sleep(expires + 10 - Date.now());
      const db = h.database.db;
      const runs = await Promise.all([expireHolds(db, { batch: 7 }), expireHolds(db, { batch: 7 }), expireHolds(db, { batch: 7 })]);
      t.equal(runs.reduce((a, b) => a + b, 0), 30, `the runs expired 30 in all (${runs.join(' + ')})`);
      const events = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ledger_hold_events WHERE kind = 'expired' AND hold_id = ANY(${ids}::uuid[])`.execute(db);
      t.equal(events.rows[0]!.n, '30', 'one expired event per hold');
      t.equal((await account(h, 'member:sweep:points')).held, '0.00');
      t.equal(await expireHolds(db), 0, 'nothing left to expire');
      await h.assertLedger(t);
    });

    t.test('verify names a corrupted held', async (t) => {
      await fundedAccount(h, { id: 'member:bad:points', points: '10' });
      await hold(h, { accountId: 'member:bad:points', amount: '3' });
      const db = h.database.db;
      t.same((await verifyLedger(db, h.tenantId)).problems, [], 'clean before');
      await sql`UPDATE ledger_balances SET held = held + 1 WHERE tenant_id = ${h.tenantId} AND account_id = 'member:bad:points'`.execute(db);
      const result = await verifyLedger(db, h.tenantId);
      t.equal(result.ok, false);
      t.same(result.problems, [
        { check: 'held_equals_open_holds', detail: { tenantId: h.tenantId, accountId: 'member:bad:points', slot: '0', stored: '4.00', open: '3.00' } },
        // The account's lots reserve what its open holds hold: they no longer match its held either.
        { check: 'lots_equal_balance', detail: { tenantId: h.tenantId, accountId: 'member:bad:points', balance: '10.00', lots: '10.00', held: '4.00', lotsHeld: '3.00' } },
      ]);
      const api = await h.request('GET', '/v1/ledger/verification');
      t.equal(api.body.ok, false, 'the API says so too');
      await sql`UPDATE ledger_balances SET held = held - 1 WHERE tenant_id = ${h.tenantId} AND account_id = 'member:bad:points'`.execute(db);
      t.same((await verifyLedger(db, h.tenantId)).problems, [], 'clean again');
    });

    t.test('holds and their events are kept: no update of history, no delete', async (t) => {
      const db = h.database.db;
      for (const statement of [
        sql`DELETE FROM ledger_hold_events`,
        sql`UPDATE ledger_hold_events SET actor = 'x'`,
        sql`DELETE FROM ledger_holds`,
        sql`UPDATE ledger_holds SET amount = amount + 1`,
        sql`UPDATE ledger_holds SET status = 'open' WHERE status <> 'open'`,
      ]) {
        await t.rejects(statement.execute(db), { code: 'LE000' });
      }
    });
  });
}

t.test('the service sweeps expired holds by itself', async (t) => {
  const h = await setup(t, engines[0]!, { env: { HOLD_SWEEP_MS: '100' } });
  await fundedAccount(h, { id: 'member:auto:points', points: '10' });
  const placed = await hold(h, { accountId: 'member:auto:points', amount: '4', ttlSeconds: 1 });
  t.equal((await account(h, 'member:auto:points')).available, '6.00');
  const deadline = Date.now() + 10_000;
  let status = 'open';
  while (status === 'open' && Date.now() < deadline) {
    await sleep(100);
    status = (await h.request('GET', `/v1/holds/${placed.body.id}`)).body.status;
  }
  t.equal(status, 'expired');
  t.equal((await account(h, 'member:auto:points')).available, '10.00');
  await h.assertLedger(t);
});

t.test('npm run cli -- holds expire', { skip: !engines.includes('postgres') && 'needs Postgres' }, async (t) => {
  const url = await createTestDatabase(t);
  const { openDatabase } = await import('../src/db/database.js');
  const { migrateToLatest } = await import('../src/db/migrate.js');
  const { createTenant } = await import('../src/tenants/tenants.js');
  const database = await openDatabase({ engine: 'postgres', url, poolSize: 2 });
  t.teardown(() => database.close());
  await migrateToLatest(database.db);
  const tenant = await createTenant(database.db, { id: 'cli-holds', name: 'x' });
  const db = database.db;
  await sql`INSERT INTO ledger_accounts (tenant_id, account_id, unit, type, allow_negative, slots) VALUES ('cli-holds', 'm', 'POINTS', 'member', false, 1)`.execute(db);
  await sql`INSERT INTO ledger_balances (tenant_id, account_id, slot, allow_negative, balance) VALUES ('cli-holds', 'm', 0, false, 0)`.execute(db);
  await sql`INSERT INTO ledger_accounts (tenant_id, account_id, unit, type, allow_negative, slots) VALUES ('cli-holds', 'i', 'POINTS', 'issuance', true, 1)`.execute(db);
  await sql`INSERT INTO ledger_balances (tenant_id, account_id, slot, allow_negative, balance) VALUES ('cli-holds', 'i', 0, true, 0)`.execute(db);
  await sql`SELECT * FROM ledger_post('cli-holds', 'adjustment', now(), 'open', NULL, NULL, NULL, NULL, NULL, NULL, ARRAY['i', 'm'], ARRAY['POINTS', 'POINTS'], ARRAY[-5, 5]::numeric[])`.execute(db);
  await sql`SELECT * FROM ledger_hold_create('cli-holds', gen_random_uuid(), 'm', 'POINTS', 2, clock_timestamp() + interval '10 ms', NULL, NULL, NULL, 'test')`.execute(db);
  await sleep(50);
  const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'holds', 'expire', '--tenant', tenant.tenantId], {
      env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent' },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('close', (code) => resolve({ code, stdout }));
  });
  t.equal(out.code, 0);
  t.same(JSON.parse(out.stdout), { expired: 1, baskets: 0 });
  const held = await sql<{ held: string }>`SELECT held::text FROM ledger_balances WHERE tenant_id = 'cli-holds' AND account_id = 'm'`.execute(db);
  t.equal(held.rows[0]!.held, '0.00');
  t.same((await verifyLedger(db, 'cli-holds')).problems, []);
});
