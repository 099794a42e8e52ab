import { type RawBuilder, sql } from 'kysely';
import t from 'tap';
import { attempt, engines, fundedAccount, type Harness, setup, sqlstate, transfer, type Tap } from './helpers/harness.js';
import { county, cst, recordBody, register, submit, verify } from './helpers/hours.js';

// Entries and postings are append-only in the database itself: direct SQL that would change or
// remove history is rejected by triggers (SQLSTATE LE000), whatever the application does.

async function rejectedWith(t: Tap, h: Harness, name: string, statement: RawBuilder<unknown>, code: string): Promise<void> {
  const err = await attempt(h, statement);
  t.ok(err, `${name}: rejected`);
  t.equal(sqlstate(err), code, `${name}: SQLSTATE ${code}`);
  if (code === 'LE000') t.match(String((err as Error | null)?.message), /append-only/, `${name}: the trigger says why`);
}

for (const engine of engines) {
  t.test(`append-only ledger on ${engine}`, async (t) => {
    const h = await setup(t, engine);
    await fundedAccount(h, { id: 'member:ao:points', points: '30' });
    const market = await h.request('POST', '/v1/accounts', { body: { id: 'market:ao', unit: 'POINTS', type: 'market', allowNegative: true } });
    t.equal(market.status, 201);
    const posted = await h.request('POST', '/v1/entries', { body: transfer('member:ao:points', 'market:ao', '12.50', 'POINTS', 'original reason') });
    t.equal(posted.status, 201);
    const entryId: string = posted.body.id;
    const original = (await h.request('GET', `/v1/entries/${entryId}`)).body;
    t.same(original, posted.body);

    const unchanged = async (t: Tap, what: string) => {
      const now = await h.request('GET', `/v1/entries/${entryId}`);
      t.equal(now.status, 200, `${what}: the entry is still there`);
      t.same(now.body, original, `${what}: the entry is unchanged`);
      t.equal((await h.request('GET', '/v1/accounts/member:ao:points')).body.balance, '17.50', `${what}: balance unchanged`);
      const verification = await h.request('GET', '/v1/ledger/verification');
      t.equal(verification.status, 200);
      t.equal(verification.body.ok, true, `${what}: the tenant's ledger verifies over the API`);
      await h.assertLedger(t, `${what}: ledger verifies`);
    };

    const tn = h.tenantId;
    const cases: [string, RawBuilder<unknown>][] = [
      ['UPDATE of an entry reason', sql`UPDATE ledger_entries SET reason = 'forged' WHERE tenant_id = ${tn} AND entry_id = ${entryId}::uuid`],
      ['UPDATE of an entry occurred_at', sql`UPDATE ledger_entries SET occurred_at = now() - interval '1 year' WHERE tenant_id = ${tn} AND entry_id = ${entryId}::uuid`],
      ['UPDATE of a posting amount', sql`UPDATE ledger_postings SET amount = amount * 2 WHERE tenant_id = ${tn} AND entry_id = ${entryId}::uuid`],
      ['UPDATE of a posting account', sql`UPDATE ledger_postings SET account_id = 'issuance:member:ao:points' WHERE tenant_id = ${tn} AND entry_id = ${entryId}::uuid AND idx = 1`],
      ['DELETE of a posting', sql`DELETE FROM ledger_postings WHERE tenant_id = ${tn} AND entry_id = ${entryId}::uuid AND idx = 0`],
      ['DELETE of all postings', sql`DELETE FROM ledger_postings`],
      // The entry's postings reference it, so DELETE of the entry alone would already fail on the
      // foreign key; the trigger is BEFORE, so it speaks first.
      ['DELETE of an entry', sql`DELETE FROM ledger_entries WHERE tenant_id = ${tn} AND entry_id = ${entryId}::uuid`],
      ['TRUNCATE of ledger_postings', sql`TRUNCATE ledger_postings`],
      // Plain TRUNCATE ledger_entries is refused by the foreign key from ledger_postings before any
      // trigger runs (tested below); these forms get past that check, so the trigger must stop them.
      ['TRUNCATE of ledger_entries CASCADE', sql`TRUNCATE ledger_entries CASCADE`],
      // Every table with a foreign key to the entries (postings, service records and their events,
      // holds and their events) truncated at once: no foreign key objects, so only the triggers
      // stand in the way.
      ['TRUNCATE of the entries and every table referencing them', sql`TRUNCATE ledger_entries, ledger_postings, service_records, service_record_events, ledger_holds, ledger_hold_events`],
    ];
    for (const [name, statement] of cases) {
      t.test(name, async (t) => {
        await rejectedWith(t, h, name, statement, 'LE000');
        await unchanged(t, name);
      });
    }

    // Migration 0006 dropped the foreign keys from entries and idempotency keys to the tenant and
    // from postings to their account (they locked rows every writer shares): these triggers keep
    // what was checked at insert true for ever after.
    t.test('a tenant or an account that ledger rows refer to cannot be deleted, truncated or re-keyed', async (t) => {
      const refused: [string, RawBuilder<unknown>][] = [
        ['DELETE of an account', sql`DELETE FROM ledger_accounts WHERE tenant_id = ${tn} AND account_id = 'market:ao'`],
        ['UPDATE of an account id', sql`UPDATE ledger_accounts SET account_id = 'market:moved' WHERE tenant_id = ${tn} AND account_id = 'market:ao'`],
        ['UPDATE of an account tenant', sql`UPDATE ledger_accounts SET tenant_id = ${tn} WHERE tenant_id = ${tn} AND account_id = 'market:ao'`],
        ['TRUNCATE of ledger_accounts CASCADE', sql`TRUNCATE ledger_accounts CASCADE`],
        ['DELETE of a tenant', sql`DELETE FROM tenants WHERE tenant_id = ${tn}`],
        ['UPDATE of a tenant id', sql`UPDATE tenants SET tenant_id = 'renamed' WHERE tenant_id = ${tn}`],
        ['TRUNCATE of tenants CASCADE', sql`TRUNCATE tenants CASCADE`],
      ];
      for (const [name, statement] of refused) {
        const err = await attempt(h, statement);
        t.ok(err, `${name}: rejected`);
        t.equal(sqlstate(err), 'LE000', `${name}: SQLSTATE LE000`);
      }
      const err = await attempt(h, sql`DELETE FROM ledger_accounts WHERE tenant_id = ${tn} AND account_id = 'market:ao'`);
      t.match(String((err as Error | null)?.message), /refer to it by its key/, 'the trigger says why');
      // What is not a key may still change.
      await sql`UPDATE ledger_accounts SET name = 'renamed market' WHERE tenant_id = ${tn} AND account_id = 'market:ao'`.execute(h.database.db);
      t.equal((await h.request('GET', '/v1/accounts/market:ao')).body.name, 'renamed market');
      await unchanged(t, 'after the refused key changes');
    });

    t.test('TRUNCATE of ledger_entries', async (t) => {
      const err = await attempt(h, sql`TRUNCATE ledger_entries`);
      t.ok(err, 'rejected');
      t.ok(['LE000', '0A000'].includes(sqlstate(err) ?? ''), `rejected by the trigger or the foreign key (got ${sqlstate(err)})`);
      await unchanged(t, 'TRUNCATE ledger_entries');
    });

    t.test('a rejected change inside a transaction rolls the whole transaction back', async (t) => {
      const err = await h.database.db
        .transaction()
        .execute(async (trx) => {
          await sql`UPDATE ledger_balances SET balance = balance + 100 WHERE tenant_id = ${tn} AND account_id = 'member:ao:points'`.execute(trx);
          await sql`UPDATE ledger_postings SET amount = amount + 100 WHERE tenant_id = ${tn} AND entry_id = ${entryId}::uuid AND idx = 1`.execute(trx);
        })
        .then(() => null, (e: unknown) => e);
      t.equal(sqlstate(err), 'LE000');
      await unchanged(t, 'rolled-back transaction');
    });

    t.test('inserting an extra posting into a posted entry is caught by verification', async (t) => {
      // INSERT is how the write path appends, so the trigger allows it; a forged one-sided posting
      // leaves the entry unbalanced and the stored balance off, which verification reports.
      // Done in a transaction that is rolled back, so the shared database stays clean.
      const rollback = new Error('rollback');
      const seen = await h.database.db
        .transaction()
        .execute(async (trx) => {
          await sql`INSERT INTO ledger_postings (tenant_id, entry_id, idx, seq, account_id, unit, amount)
            VALUES (${tn}, ${entryId}::uuid, 2, ${original.seq}::bigint, 'member:ao:points', 'POINTS', 5)`.execute(trx);
          const r = await sql<{ n: string }>`SELECT count(*)::text AS n FROM (
              SELECT entry_id FROM ledger_postings WHERE tenant_id = ${tn} GROUP BY entry_id, unit HAVING sum(amount) <> 0) x`.execute(trx);
          throw Object.assign(rollback, { unbalanced: r.rows[0]!.n });
        })
        .catch((e: unknown) => e);
      t.equal(seen, rollback);
      t.equal((seen as { unbalanced?: string }).unbalanced, '1', 'the forged posting makes its entry unbalanced');
      await unchanged(t, 'after the rolled-back forgery');
    });

    // migrations/0023_posting_entry_check.ts: a posting's entry must exist, checked once per
    // statement where a foreign key checked each row.
    t.test('a posting for an entry that does not exist is refused, even by direct SQL, alone or beside good ones', async (t) => {
      const before = await h.count('ledger_postings');
      await rejectedWith(t, h, 'INSERT of a posting for a made-up entry',
        sql`INSERT INTO ledger_postings (tenant_id, entry_id, idx, seq, account_id, unit, amount)
          VALUES (${tn}, gen_random_uuid(), 0, 999999, 'member:ao:points', 'POINTS', 5)`, '23503');
      await rejectedWith(t, h, 'INSERT of a posting for an entry of another tenant',
        sql`INSERT INTO ledger_postings (tenant_id, entry_id, idx, seq, account_id, unit, amount)
          VALUES ('elsewhere', ${entryId}::uuid, 7, 999999, 'member:ao:points', 'POINTS', 5)`, '23503');
      await rejectedWith(t, h, 'INSERT of a good posting and a made-up one in one statement',
        sql`INSERT INTO ledger_postings (tenant_id, entry_id, idx, seq, account_id, unit, amount)
          VALUES (${tn}, ${entryId}::uuid, 7, ${original.seq}::bigint, 'member:ao:points', 'POINTS', 5),
                 (${tn}, gen_random_uuid(), 0, 999999, 'member:ao:points', 'POINTS', -5)`, '23503');
      t.equal(await h.count('ledger_postings'), before, 'nothing written');
      await unchanged(t, 'after the refused postings');
    });

    t.test('a balance row of a non-negative account cannot go negative, even by direct SQL', async (t) => {
      const attempts = [
        ['UPDATE balance below zero', sql`UPDATE ledger_balances SET balance = -1 WHERE tenant_id = ${tn} AND account_id = 'member:ao:points'`],
        ['UPDATE held above balance', sql`UPDATE ledger_balances SET held = balance + 1 WHERE tenant_id = ${tn} AND account_id = 'member:ao:points'`],
        ['UPDATE held below zero', sql`UPDATE ledger_balances SET held = -1 WHERE tenant_id = ${tn} AND account_id = 'market:ao'`],
        [
          'INSERT of a negative slot',
          sql`INSERT INTO ledger_balances (tenant_id, account_id, slot, allow_negative, balance)
            VALUES (${tn}, 'member:ao:points', 7, false, -0.01)`,
        ],
      ] as const;
      // 23514: check_violation
      for (const [label, statement] of attempts) await rejectedWith(t, h, label, statement, '23514');
      // A system account that may go negative can: the CHECK only guards non-negative accounts.
      const market = await h.request('GET', '/v1/accounts/market:ao');
      t.equal(market.body.balance, '12.50');
      const issuance = await h.request('GET', '/v1/accounts/issuance:member:ao:points');
      t.equal(issuance.body.balance, '-30.00', 'an issuance account is negative by design');
      await unchanged(t, 'after the CHECK violations');
    });

    // The single-column rules are domains of their columns (migrations/0017_domain_checks.ts):
    // direct SQL that breaks one is refused as a CHECK would refuse it.
    t.test('an entry kind, a unit or a zero amount outside the rules is refused, even by direct SQL', async (t) => {
      const attempts = [
        [
          'INSERT of an entry of an unknown kind',
          sql`INSERT INTO ledger_entries (tenant_id, entry_id, seq, kind, occurred_at)
            VALUES (${tn}, gen_random_uuid(), 999999, 'gift', now())`,
        ],
        ['INSERT of a zero posting', sql`INSERT INTO ledger_postings (tenant_id, entry_id, idx, seq, account_id, unit, amount)
            SELECT tenant_id, entry_id, 5, seq, 'market:ao', 'POINTS', 0 FROM ledger_entries WHERE tenant_id = ${tn} AND entry_id = ${entryId}::uuid`],
        ['INSERT of a posting that rounds to zero', sql`INSERT INTO ledger_postings (tenant_id, entry_id, idx, seq, account_id, unit, amount)
            SELECT tenant_id, entry_id, 5, seq, 'market:ao', 'POINTS', 0.004 FROM ledger_entries WHERE tenant_id = ${tn} AND entry_id = ${entryId}::uuid`],
        ['INSERT of a posting in an unknown unit', sql`INSERT INTO ledger_postings (tenant_id, entry_id, idx, seq, account_id, unit, amount)
            SELECT tenant_id, entry_id, 5, seq, 'market:ao', 'EUR', 1 FROM ledger_entries WHERE tenant_id = ${tn} AND entry_id = ${entryId}::uuid`],
        ['INSERT of an account in an unknown unit', sql`INSERT INTO ledger_accounts (tenant_id, account_id, unit, type, allow_negative)
            VALUES (${tn}, 'market:eur', 'EUR', 'market', true)`],
      ] as const;
      for (const [label, statement] of attempts) await rejectedWith(t, h, label, statement, '23514');
      await unchanged(t, 'after the refused rows');
      t.equal((await h.request('GET', '/v1/accounts/market:eur')).status, 404, 'the account in an unknown unit was not opened');
    });

    // migrations/0021_award_domain_checks.ts: the single-column rules of what an award writes
    // (its service record, the lot its points open, the lot's move) are domains too.
    t.test('a service record, a lot or a lot move outside the rules is refused, even by direct SQL', async (t) => {
      const c = await county(h);
      const member = await register(c);
      const { record } = await submit(c, recordBody(member.id, { start: cst(1, 9), hours: '2' }));
      await verify(c, record.id);
      const ct = c.tenantId;
      const lots = async () => (await sql<{ n: string }>`SELECT count(*)::text AS n FROM ledger_lots WHERE tenant_id = ${ct}`.execute(h.database.db)).rows[0]!.n;
      t.equal(await lots(), '1', 'the award opened one lot');
      const theRecord = sql`WHERE tenant_id = ${ct} AND record_id = ${record.id}::uuid`;
      const attempts = [
        ['UPDATE of a record to an unknown status', sql`UPDATE service_records SET status = 'lost' ${theRecord}`],
        ['UPDATE of a record to an unknown source', sql`UPDATE service_records SET source = 'rumour' ${theRecord}`],
        ['UPDATE of a record to zero hours', sql`UPDATE service_records SET hours = 0 ${theRecord}`],
        ['UPDATE of a record to a rating of 6', sql`UPDATE service_records SET rating = 6 ${theRecord}`],
        ['INSERT of a record with negative hours', sql`INSERT INTO service_records (tenant_id, record_id, external_id, member_id, org_unit_id, category, title, source, started_at, ended_at, hours, status)
            SELECT tenant_id, gen_random_uuid(), external_id || '-copy', member_id, org_unit_id, category, title, source, started_at, ended_at, -1, status FROM service_records ${theRecord}`],
        ['UPDATE of a lot to a negative remaining', sql`UPDATE ledger_lots SET remaining = -1 WHERE tenant_id = ${ct}`],
        ['INSERT of a lot of zero points', sql`INSERT INTO ledger_lots (tenant_id, account_id, expires_on, opened_by, opened_at, amount, remaining, held)
            SELECT tenant_id, account_id, expires_on, opened_by, opened_at, 0, 0, 0 FROM ledger_lots WHERE tenant_id = ${ct}`],
        ['INSERT of a lot move of an unknown kind', sql`INSERT INTO ledger_lot_moves (tenant_id, lot_id, kind, amount, entry_id)
            SELECT tenant_id, lot_id, 'gift', amount, entry_id FROM ledger_lot_moves WHERE tenant_id = ${ct}`],
      ] as const;
      for (const [label, statement] of attempts) await rejectedWith(t, h, label, statement, '23514');
      t.equal(await lots(), '1', 'no lot was added');
      const now = await c.ok('GET', `/v1/service-records/${record.id}`, undefined, 200);
      t.match(now, { status: 'verified', source: 'manual', hours: '2.00', rating: null }, 'the record is as it was');
    });

    t.test('the API can still append after all the refused changes', async (t) => {
      const more = await h.request('POST', '/v1/entries', { body: transfer('member:ao:points', 'market:ao', '7.50') });
      t.equal(more.status, 201);
      t.equal((await h.request('GET', '/v1/accounts/member:ao:points')).body.balance, '10.00');
      const rev = await h.request('POST', `/v1/entries/${entryId}/reversal`, { body: { reason: 'a mistake is corrected by a reversal' } });
      t.equal(rev.status, 201, 'correction by reversal works');
      const now = (await h.request('GET', `/v1/entries/${entryId}`)).body;
      t.same({ ...now, reversedByEntryId: null }, original, 'the reversed original keeps every field');
      t.equal(now.reversedByEntryId, rev.body.id);
      t.equal((await h.request('GET', '/v1/accounts/member:ao:points')).body.balance, '22.50');
      await h.assertLedger(t);
    });
  });
}
