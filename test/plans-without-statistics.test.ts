import { sql } from 'kysely';
import t from 'tap';
import { engines, fundedAccount, type Harness, setup } from './helpers/harness.js';
import { oneServiceConnection } from './helpers/plans.js';

// The write path reads only the rows it writes, whatever the planner knows. A database restored
// from a dump, or a table whose column type was altered, has no statistics until ANALYZE or
// autovacuum runs; the planner then guesses a handful of rows for a tenant, and a join between a
// call's accounts and ledger_balances once became a scan of every balance row of the tenant and a
// hash join, for every call of several entries (migration 0027 finds them by the locked rows'
// addresses). The tenant here is large enough (5,000 balance rows) that no plan reading them all
// can look cheaper to the planner than a TID scan. PostgreSQL only: the plans are the server's.

const BULK = 5000;

/** Drops what ANALYZE knows of a table and its indexes, as a restore leaves them. */
async function forgetStatistics(h: Harness, table: string): Promise<void> {
  const db = h.database.db;
  await sql`DELETE FROM pg_statistic WHERE starelid = ${table}::regclass`.execute(db);
  await sql`UPDATE pg_class SET reltuples = -1, relpages = 0
    WHERE oid = ${table}::regclass OR oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = ${table}::regclass)`.execute(db);
}

/**
 * Every scan of ledger_balances (or of its indexes) in a plan: its line and the rows it read in
 * all, those its filter threw away included.
 */
function balanceScans(plan: string): { line: string; rows: number }[] {
  const lines = plan.split('\n');
  const scans: { line: string; rows: number }[] = [];
  lines.forEach((line, i) => {
    const m = /Scan.* on ledger_balances\w*\b.*actual time=\S+ rows=(\d+) loops=(\d+)/.exec(line);
    if (!m) return;
    let removed = 0;
    for (let j = i + 1; j < lines.length && !/->|Scan/.test(lines[j]!); j++) {
      const r = /Rows Removed by Filter: (\d+)/.exec(lines[j]!);
      if (r) removed += Number(r[1]);
    }
    scans.push({ line: line.trim(), rows: Number(m[1]) * Number(m[2]) + removed });
  });
  return scans;
}

if (engines.includes('postgres')) {
  t.test('a call of several entries reads only its own balance rows when the table has no statistics', async (t) => {
    const h = await setup(t, 'postgres');
    const accounts = ['member:np1:points', 'member:np2:points', 'member:np3:points'];
    for (const id of accounts) await fundedAccount(h, { id, points: '100' });
    t.equal((await h.request('POST', '/v1/accounts', { body: { id: 'market:np', unit: 'POINTS', type: 'market', allowNegative: true } })).status, 201);
    // A large county: many more balance rows of the same tenant (opened empty, as accounts are).
    await sql`INSERT INTO ledger_accounts (tenant_id, account_id, unit, type, allow_negative, slots)
      SELECT ${h.tenantId}, 'np.bulk.' || g, 'POINTS', 'member', false, 1 FROM generate_series(1, ${BULK}::integer) g`.execute(h.database.db);
    await sql`INSERT INTO ledger_balances (tenant_id, account_id, slot, allow_negative)
      SELECT tenant_id, account_id, 0, false FROM ledger_accounts WHERE tenant_id = ${h.tenantId} AND account_id LIKE 'np.bulk.%'`.execute(h.database.db);
    const rowsInAll = await h.count('ledger_balances');
    await forgetStatistics(h, 'ledger_balances');

    // A session of the test's own, with the service's settings (generic plans, planned now).
    const { db, plans, explain } = oneServiceConnection(t, h.databaseUrl!);
    await explain();

    // Three entries in one call, each from a member's account to the market.
    const entries = accounts.map((id) => [[id, '-7'], ['market:np', '7']] as const);
    const postings = entries.flatMap((e, k) => e.map(([account, amount]) => ({ k: k + 1, account, amount })));
    const none = entries.map(() => null);
    const { rows } = await sql<{ n: number }>`SELECT n FROM ledger_post_many(${h.tenantId}, ${entries.map(() => 'adjustment')}::text[],
      ${entries.map(() => new Date().toISOString())}::timestamptz[], ${entries.map(() => 'test')}::text[], ${none}::uuid[], ${none}::text[],
      ${none}::text[], ${none}::integer[], ${none}::text[], ARRAY(SELECT '{}'::jsonb FROM generate_series(1, 3)),
      ${postings.map((p) => p.k)}::integer[], ${postings.map((p) => p.account)}::text[], ${postings.map(() => 'POINTS')}::text[],
      ${postings.map((p) => p.amount)}::numeric[])`.execute(db);
    t.equal(rows.length, 3, 'three entries posted');

    const update = plans.filter((p) => p.includes('Query Text: WITH changed AS'));
    t.equal(update.length, 1, "the balances' set-based UPDATE ran once and was explained");
    const scans = balanceScans(update[0] ?? '');
    t.ok(scans.length > 0 && scans.every((s) => s.line.includes('Tid Scan')), `by the locked rows' addresses: ${scans.map((s) => s.line).join(' | ')}`);
    // Four accounts in the call; every statement of it, the lock step included, read no more rows.
    const read = plans.flatMap(balanceScans).filter((s) => s.rows > 4);
    t.same(read.map((s) => s.line), [], `no scan of ledger_balances read more rows than the call's four accounts (of ${rowsInAll})`);

    for (const id of accounts) t.equal((await h.request('GET', `/v1/accounts/${id}`)).body.balance, '93.00', `${id} debited`);
    t.equal((await h.request('GET', '/v1/accounts/market:np')).body.balance, '21.00', 'the market credited three times');
    await h.assertLedger(t);
  });
}
