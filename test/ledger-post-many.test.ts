import { sql } from 'kysely';
import t from 'tap';
import { engines, fundedAccount, type Harness, setup, type Tap } from './helpers/harness.js';

// ledger_post_many, the database's write path for many entries at once (award groups and batches
// call it; ledger_post calls it with one entry), driven here through the database as it is: the
// entries of one call must be checked, locked and written as if they were posted one by one.

type Posting = [account: string, amount: string];

/** One call of ledger_post_many with these entries (each a list of POINTS postings). */
async function postMany(h: Harness, entries: Posting[][], reverses: (string | null)[] = entries.map(() => null)) {
  const postings = entries.flatMap((e, k) => e.map(([account, amount]) => ({ k: k + 1, account, amount })));
  const { rows } = await sql<{ n: number; entry_id: string; seq: string; balances_after: (string | null)[] }>`
    SELECT * FROM ledger_post_many(${h.tenantId}, ${entries.map((_, i) => (reverses[i] ? 'reversal' : 'adjustment'))}::text[],
      ${entries.map(() => new Date().toISOString())}::timestamptz[], ${entries.map(() => 'test')}::text[],
      ${reverses}::uuid[], ${entries.map(() => null)}::text[], ${entries.map(() => null)}::text[],
      ${entries.map(() => null)}::integer[], ${entries.map(() => null)}::text[],
      ARRAY(SELECT '{}'::jsonb FROM generate_series(1, ${entries.length}::integer)),
      ${postings.map((p) => p.k)}::integer[], ${postings.map((p) => p.account)}::text[],
      ${postings.map(() => 'POINTS')}::text[], ${postings.map((p) => p.amount)}::numeric[])`.execute(h.database.db);
  return rows;
}

/** The error a call raised (its SQLSTATE and DETAIL), or fails the test when it succeeded. */
async function refusal(t: Tap, call: Promise<unknown>): Promise<{ code: string; detail: string }> {
  try {
    await call;
  } catch (err) {
    const e = err as { code?: string; detail?: string };
    return { code: e.code ?? '', detail: e.detail ?? '' };
  }
  t.fail('the call succeeded');
  return { code: '', detail: '' };
}

const balance = async (h: Harness, id: string) => (await h.request('GET', `/v1/accounts/${id}`)).body.balance as string;

for (const engine of engines) {
  t.test(`ledger_post_many on ${engine}`, async (t) => {
    const h = await setup(t, engine, { poolSize: 20 });
    await h.request('POST', '/v1/accounts', { body: { id: 'market:many', unit: 'POINTS', type: 'market', allowNegative: true } });

    t.test('entries apply in order: a credit before a debit in the same call covers it', async (t) => {
      await fundedAccount(h, { id: 'member:m1:points', points: '4' });
      const rows = await postMany(h, [
        [['issuance:member:m1:points', '-5'], ['member:m1:points', '5']],
        [['member:m1:points', '-8'], ['market:many', '8']],
      ]);
      t.same(rows.map((r) => r.n), [1, 2], 'one answer per entry, in order');
      t.equal(Number(rows[1]!.seq), Number(rows[0]!.seq) + 1, 'sequence numbers follow the order of the entries');
      t.equal(rows[0]!.balances_after[1], '9.00', 'running balance after the credit');
      t.equal(rows[1]!.balances_after[0], '1.00', 'running balance after the debit');
      t.equal(await balance(h, 'member:m1:points'), '1.00');
      await h.assertLedger(t);
    });

    t.test('the same entries in the other order: the debit comes first and the whole call is refused', async (t) => {
      await fundedAccount(h, { id: 'member:m2:points', points: '4' });
      const before = await h.count('ledger_entries');
      const err = await refusal(
        t,
        postMany(h, [
          [['member:m2:points', '-8'], ['market:many', '8']],
          [['issuance:member:m2:points', '-5'], ['member:m2:points', '5']],
        ]),
      );
      t.equal(err.code, 'LE402', 'insufficient balance');
      t.same(JSON.parse(err.detail), { accountId: 'member:m2:points', unit: 'POINTS', available: 4, requested: 8 });
      t.equal(await h.count('ledger_entries'), before, 'nothing written');
      t.equal(await balance(h, 'member:m2:points'), '4.00', 'balance unchanged');
    });

    t.test('a later debit is checked against what the earlier ones left', async (t) => {
      await fundedAccount(h, { id: 'member:m3:points', points: '5' });
      const err = await refusal(
        t,
        postMany(h, [
          [['member:m3:points', '-3'], ['market:many', '3']],
          [['member:m3:points', '-3'], ['market:many', '3']],
        ]),
      );
      t.equal(err.code, 'LE402');
      t.same(JSON.parse(err.detail), { accountId: 'member:m3:points', unit: 'POINTS', available: 2, requested: 3 }, 'the second entry finds 2 left');
      t.equal(await balance(h, 'member:m3:points'), '5.00');
    });

    // A call of several entries changes its balances together after locking them in order
    // (migration 0025): of two accounts that cannot pay, the first in lock order is the one named,
    // whichever entry comes first, and a covered account in the same call is left unchanged.
    t.test('two accounts short in one call: the first in lock order is refused, nothing changes', async (t) => {
      await fundedAccount(h, { id: 'member:mb:points', points: '2' });
      await fundedAccount(h, { id: 'member:ma:points', points: '1' });
      await fundedAccount(h, { id: 'member:mc:points', points: '9' });
      const err = await refusal(
        t,
        postMany(h, [
          [['member:mc:points', '-4'], ['market:many', '4']],
          [['member:mb:points', '-3'], ['market:many', '3']],
          [['member:ma:points', '-2'], ['market:many', '2']],
        ]),
      );
      t.equal(err.code, 'LE402');
      t.same(JSON.parse(err.detail), { accountId: 'member:ma:points', unit: 'POINTS', available: 1, requested: 2 });
      t.same(
        [await balance(h, 'member:ma:points'), await balance(h, 'member:mb:points'), await balance(h, 'member:mc:points')],
        ['1.00', '2.00', '9.00'],
        'no balance changed',
      );
      // With the first covered, the second is named.
      await postMany(h, [[['issuance:member:ma:points', '-5'], ['member:ma:points', '5']]]);
      const err2 = await refusal(
        t,
        postMany(h, [
          [['member:mb:points', '-3'], ['market:many', '3']],
          [['member:ma:points', '-2'], ['market:many', '2']],
        ]),
      );
      t.same(JSON.parse(err2.detail), { accountId: 'member:mb:points', unit: 'POINTS', available: 2, requested: 3 });
      await h.assertLedger(t);
    });

    // Every account's own checks come before any balance is guarded (0025): a call that overdraws
    // one account and names another in the wrong unit is refused for the unit, every time.
    t.test('a call with two faults, a short account and one in the wrong unit: refused for the unit', async (t) => {
      await fundedAccount(h, { id: 'member:mf:points', points: '1' });
      t.equal((await h.request('POST', '/v1/accounts', { body: { id: 'member:mz:hours', unit: 'HOURS', type: 'member' } })).status, 201);
      const before = await h.count('ledger_entries');
      for (let i = 0; i < 2; i++) {
        const err = await refusal(
          t,
          postMany(h, [
            [['member:mf:points', '-2'], ['market:many', '2']],
            [['member:mz:hours', '-1'], ['market:many', '1']],
          ]),
        );
        t.equal(err.code, 'LE422', 'the account in the wrong unit');
        t.same(JSON.parse(err.detail), { accountId: 'member:mz:hours', unit: 'HOURS' });
      }
      t.equal(await h.count('ledger_entries'), before, 'nothing written');
      t.equal(await balance(h, 'member:mf:points'), '1.00');
    });

    // Each call locks its accounts in one fixed order whatever the order of its entries: calls
    // naming the same accounts in different orders at once never wait on each other in a cycle
    // (Postgres would abort one of them with a deadlock, SQLSTATE 40P01).
    t.test('30 calls at once, each moving points around one ring of accounts in its own order: all go through', async (t) => {
      const ring = ['member:r1:points', 'member:r2:points', 'member:r3:points', 'member:r4:points', 'member:r5:points'];
      for (const id of ring) await fundedAccount(h, { id, points: '100' });
      const legs: Posting[][] = ring.map((from, i) => [[from, '-1'], [ring[(i + 1) % ring.length]!, '1']]);
      // The legs rotated and reversed: ten different orders, each three times.
      const orders = Array.from({ length: 30 }, (_, c) => {
        const rotated = [...legs.slice(c % 5), ...legs.slice(0, c % 5)];
        return c % 2 === 0 ? rotated : rotated.reverse();
      });
      const results = await Promise.allSettled(orders.map((entries) => postMany(h, entries)));
      const failed = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { code?: string }).code ?? String(r.reason)] : []));
      t.same(failed, [], 'no call failed (no deadlock)');
      for (const id of ring) t.equal(await balance(h, id), '100.00', `${id} moved around and back`);
      await h.assertLedger(t);
    });

    t.test('an unbalanced entry or one with a single posting refuses the call', async (t) => {
      await fundedAccount(h, { id: 'member:m4:points', points: '5' });
      const before = await h.count('ledger_entries');
      const ok: Posting[] = [['member:m4:points', '-1'], ['market:many', '1']];
      t.equal((await refusal(t, postMany(h, [ok, [['member:m4:points', '-1'], ['market:many', '2']]]))).code, 'LE001', 'unbalanced');
      t.equal((await refusal(t, postMany(h, [ok, [['market:many', '1']]]))).code, 'LE001', 'one posting');
      t.equal((await refusal(t, postMany(h, [ok, [['member:m4:points', '-0.001'], ['market:many', '0.001']]]))).code, 'LE001', 'three decimals');
      t.equal((await refusal(t, postMany(h, [ok, [['nobody:points', '-1'], ['market:many', '1']]]))).code, 'LE405', 'unknown account');
      t.equal(await h.count('ledger_entries'), before, 'nothing written');
    });

    // A call of one entry (ledger_post, a capture) or of holds only checks its postings without a
    // query (migration 0007); it must refuse exactly what the query refuses for many entries.
    t.test('one entry, or holds only: every bad posting or change of held is refused, nothing written', async (t) => {
      await fundedAccount(h, { id: 'member:m8:points', points: '5' });
      await h.request('POST', '/v1/accounts', { body: { id: 'market:hours', unit: 'HOURS', type: 'market', allowNegative: true } });
      const one = (accounts: string[], units: (string | null)[], amounts: (string | null)[], entryOf = accounts.map(() => 1)) =>
        sql`SELECT * FROM ledger_post_many(${h.tenantId}, ARRAY['adjustment'], ARRAY[now()], ARRAY['test'], ARRAY[NULL::uuid],
          ARRAY[NULL::text], ARRAY[NULL::text], ARRAY[NULL::integer], ARRAY[NULL::text], ARRAY['{}'::jsonb],
          ${entryOf}::integer[], ${accounts}::text[], ${units}::text[], ${amounts}::numeric[])`.execute(h.database.db);
      const holds = (accounts: (string | null)[], deltas: (string | null)[]) =>
        sql`SELECT * FROM ledger_post_many(${h.tenantId}, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
          ${accounts}::text[], ${deltas}::numeric[])`.execute(h.database.db);
      const m = 'member:m8:points';
      const cases: [string, () => Promise<unknown>][] = [
        ['unbalanced', () => one([m, 'market:many'], ['POINTS', 'POINTS'], ['-1', '2'])],
        ['one posting', () => one(['market:many'], ['POINTS'], ['1'])],
        ['no posting', () => one([], [], [])],
        ['three decimals', () => one([m, 'market:many'], ['POINTS', 'POINTS'], ['-0.001', '0.001'])],
        ['a zero amount', () => one([m, 'market:many', 'market:many'], ['POINTS', 'POINTS', 'POINTS'], ['-1', '1', '0'])],
        ['a NULL amount', () => one([m, 'market:many', 'market:many'], ['POINTS', 'POINTS', 'POINTS'], ['-1', '1', null])],
        ['balanced in sum but not per unit', () => one([m, 'market:hours'], ['POINTS', 'HOURS'], ['-1', '1'])],
        ['a NULL unit that does not balance', () => one([m, 'market:many', 'market:many'], ['POINTS', 'POINTS', null], ['-1', '1', '1'])],
        ['a posting of entry 2 in a call of one', () => one([m, 'market:many'], ['POINTS', 'POINTS'], ['-1', '1'], [1, 2])],
        ['a posting of no entry', () => one([m, 'market:many'], ['POINTS', 'POINTS'], ['-1', '1'], [1, null as unknown as number])],
        [
          'postings in a call of no entry',
          () => sql`SELECT * FROM ledger_post_many(${h.tenantId}, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
            ARRAY[1, 1], ARRAY[${m}, 'market:many'], ARRAY['POINTS', 'POINTS'], ARRAY[-1, 1]::numeric[],
            ARRAY[${m}], ARRAY[1]::numeric[])`.execute(h.database.db),
        ],
        ['a change of held of zero', () => holds([m], ['0'])],
        ['a change of held with three decimals', () => holds([m], ['0.001'])],
        ['a change of held without an account', () => holds([null], ['1'])],
        ['a change of held without an amount', () => holds([m], [null])],
      ];
      const before = await h.count('ledger_entries');
      const held = async () => (await sql<{ held: string }>`SELECT held::text AS held FROM ledger_balances
        WHERE tenant_id = ${h.tenantId} AND account_id = ${m}`.execute(h.database.db)).rows[0]!.held;
      const heldBefore = await held();
      for (const [name, call] of cases) t.equal((await refusal(t, call())).code, 'LE001', name);
      t.equal(await h.count('ledger_entries'), before, 'nothing written');
      t.equal(await balance(h, m), '5.00', 'balance unchanged');
      t.equal(await held(), heldBefore, 'held unchanged');
    });

    t.test('one entry: an account debited and credited in it is guarded by its net change', async (t) => {
      await fundedAccount(h, { id: 'member:m9:points', points: '1' });
      const m = 'member:m9:points';
      // Net -3 on 1.00: refused with the entry's net as requested.
      const err = await refusal(t, postMany(h, [[[m, '-5'], [m, '2'], ['market:many', '3']]]));
      t.equal(err.code, 'LE402');
      t.same(JSON.parse(err.detail), { accountId: m, unit: 'POINTS', available: 1, requested: 3 });
      // Net +1, though a posting takes 5 more than the balance: the entry does not take from it.
      const [row] = await postMany(h, [[[m, '-5'], [m, '6'], ['market:many', '-1']]]);
      t.same(row!.balances_after.slice(0, 2), ['-4.00', '2.00'], 'running balances posting by posting');
      t.equal(await balance(h, m), '2.00');
      // In a call of many entries, an account only one entry touches is guarded the same way.
      const err2 = await refusal(t, postMany(h, [[['market:many', '-1'], ['member:m8:points', '1']], [[m, '-5'], [m, '2'], ['market:many', '3']]]));
      t.equal(err2.code, 'LE402');
      t.same(JSON.parse(err2.detail), { accountId: m, unit: 'POINTS', available: 2, requested: 3 });
      await postMany(h, [[['market:many', '-1'], ['member:m8:points', '1']], [[m, '-4'], [m, '2'], ['market:many', '2']]]);
      t.equal(await balance(h, m), '0.00', 'a net change of exactly the balance goes through');
      await h.assertLedger(t);
    });

    t.test('two reversals of one entry in one call: already_reversed, nothing written', async (t) => {
      await fundedAccount(h, { id: 'member:m5:points', points: '5' });
      const [first] = await postMany(h, [[['member:m5:points', '-2'], ['market:many', '2']]]);
      const mirror: Posting[] = [['member:m5:points', '2'], ['market:many', '-2']];
      const before = await h.count('ledger_entries');
      const err = await refusal(t, postMany(h, [mirror, mirror], [first!.entry_id, first!.entry_id]));
      t.equal(err.code, 'LE409');
      t.equal(await h.count('ledger_entries'), before, 'nothing written');
      await postMany(h, [mirror], [first!.entry_id]);
      t.equal(await balance(h, 'member:m5:points'), '5.00', 'one reversal goes through');
      await h.assertLedger(t);
    });

    // The lots step of a call (migrations 0012, 0022): credits alone open their lots with one
    // INSERT; a call with a debit or a reversal among them goes entry by entry.
    t.test('lots: credits alone open theirs in entry order; a credit before a debit, and a reversal, as entry by entry', async (t) => {
      const a = 'member:lots-a:points';
      await fundedAccount(h, { id: a, points: '1' });
      await fundedAccount(h, { id: 'member:lots-b:points', points: '1' });
      const lotsOf = async (account: string) =>
        (
          await sql<{ opened_by: string; amount: string; remaining: string; moves: string[] }>`
            SELECT l.opened_by, l.amount::text, l.remaining::text,
              ARRAY(SELECT m.kind || ' ' || m.amount || ' ' || coalesce(m.entry_id = l.opened_by, false) FROM ledger_lot_moves m
                WHERE m.tenant_id = l.tenant_id AND m.lot_id = l.lot_id ORDER BY m.move_id) AS moves
            FROM ledger_lots l WHERE l.tenant_id = ${h.tenantId} AND l.account_id = ${account} ORDER BY l.lot_id`.execute(h.database.db)
        ).rows;
      const [funding] = await lotsOf(a);

      const credits = await postMany(h, [
        [['issuance:member:lots-a:points', '-3'], [a, '3']],
        [['issuance:member:lots-b:points', '-1'], ['member:lots-b:points', '1']],
        [['issuance:member:lots-a:points', '-2'], [a, '1.5'], [a, '0.5']],
      ]);
      t.same(
        (await lotsOf(a)).map((l) => [l.opened_by, l.amount, l.moves]),
        [
          [funding!.opened_by, '1.00', ['credit 1.00 true']],
          [credits[0]!.entry_id, '3.00', ['credit 3.00 true']],
          [credits[2]!.entry_id, '2.00', ['credit 2.00 true']],
        ],
        "one lot per entry and account, of the entry's net credit, numbered in entry order, each with its credit move",
      );
      t.same((await lotsOf('member:lots-b:points')).map((l) => [l.opened_by, l.amount]).slice(1), [[credits[1]!.entry_id, '1.00']]);

      // 6 points in three lots; the credit of 4 opens a lot the debit of 9 after it can take.
      const mixed = await postMany(h, [
        [['issuance:member:lots-a:points', '-4'], [a, '4']],
        [[a, '-9'], ['market:many', '9']],
      ]);
      t.same((await lotsOf(a)).map((l) => l.remaining), ['0.00', '0.00', '0.00', '1.00'], 'the debit took the lots in spending order, the new one last');
      t.equal((await lotsOf(a))[3]!.opened_by, mixed[0]!.entry_id);

      // A reversal of the debit credits only: it gives the 9 back to the lots it came from and opens none.
      await postMany(h, [[[a, '9'], ['market:many', '-9']]], [mixed[1]!.entry_id]);
      t.same((await lotsOf(a)).map((l) => l.remaining), ['1.00', '3.00', '2.00', '4.00'], 'each lot got back what the debit took');
      t.equal(await balance(h, a), '10.00');
      await h.assertLedger(t);
    });

    t.test('calls touching the same accounts with their entries in opposite orders never deadlock', async (t) => {
      await fundedAccount(h, { id: 'member:x:points', points: '1000' });
      await fundedAccount(h, { id: 'member:y:points', points: '1000' });
      const xy: Posting[] = [['member:x:points', '-1'], ['member:y:points', '1']];
      const yx: Posting[] = [['member:y:points', '-1'], ['member:x:points', '1']];
      const fromIssuance: Posting[] = [['issuance:member:y:points', '-1'], ['issuance:member:x:points', '1']];
      const results = await Promise.allSettled(
        Array.from({ length: 60 }, (_, i) => postMany(h, i % 2 === 0 ? [xy, fromIssuance, yx] : [yx, xy, fromIssuance].reverse())),
      );
      const failed = results.filter((r) => r.status === 'rejected');
      t.same(failed.map((r) => (r as PromiseRejectedResult).reason?.code), [], 'every call went through (no deadlock)');
      t.equal(await balance(h, 'member:x:points'), '1000.00', 'x is back where it started');
      t.equal(await balance(h, 'member:y:points'), '1000.00', 'y is back where it started');
      await h.assertLedger(t);
    });
  });
}
