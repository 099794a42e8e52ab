import { type RawBuilder, sql } from 'kysely';
import t from 'tap';
import { engines, fundedAccount, type Harness, setup } from './helpers/harness.js';
import { county, cst, recordBody, register } from './helpers/hours.js';
import { idem, memberWithPoints, newMarket, newTerminal } from './helpers/market.js';
import { inParallel } from './helpers/parallel.js';
import { oneServiceConnection, readBy } from './helpers/plans.js';

// The write path reads only the rows it writes, whatever the planner knows. A database restored
// from a dump, or a table whose column type was altered, has no statistics until ANALYZE or
// autovacuum runs; the planner then guesses a handful of rows for a tenant, and a join between a
// call's accounts and ledger_balances once became a scan of every balance row of the tenant and a
// hash join, for every call of several entries (migration 0027 finds them by the locked rows'
// addresses). PostgreSQL only: the plans and the counters are the server's.

const BULK = 5000;
const MEMBERS = 400;
const COUNTY = 3000;

/** Drops what ANALYZE knows of a table and its indexes, as a restore leaves them. */
async function forgetStatistics(h: Harness, table: string): Promise<void> {
  const db = h.database.db;
  await sql`DELETE FROM pg_statistic WHERE starelid = ${table}::regclass`.execute(db);
  await sql`UPDATE pg_class SET reltuples = -1, relpages = 0
    WHERE oid = ${table}::regclass OR oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = ${table}::regclass)`.execute(db);
}

/**
 * A large county: BULK more accounts of the tenant, with their balance rows (opened empty, as
 * accounts are), so that no plan reading them all can look cheaper to the planner than a TID scan.
 */
async function addAccounts(h: Harness, tenantId: string): Promise<void> {
  await sql`INSERT INTO ledger_accounts (tenant_id, account_id, unit, type, allow_negative, slots)
    SELECT ${tenantId}, 'np.bulk.' || g, 'POINTS', 'member', false, 1 FROM generate_series(1, ${BULK}::integer) g`.execute(h.database.db);
  await sql`INSERT INTO ledger_balances (tenant_id, account_id, slot, allow_negative)
    SELECT tenant_id, account_id, 0, false FROM ledger_accounts WHERE tenant_id = ${tenantId} AND account_id LIKE 'np.bulk.%'`.execute(h.database.db);
}

/**
 * `n` copies of one row of `table` that `where` picks (with g, 1 to n, in scope), each with its
 * keys (and anything else unique, an id number's hash say) replaced by `keys`' expressions.
 */
async function copies(h: Harness, table: string, where: RawBuilder<unknown>, n: number, keys: Record<string, RawBuilder<unknown>>): Promise<void> {
  const replaced = sql.join(Object.entries(keys).map(([k, v]) => sql`${k}::text, ${v}`));
  await sql`INSERT INTO ${sql.table(table)}
    SELECT (jsonb_populate_record(NULL::${sql.table(table)}, to_jsonb(x) || jsonb_build_object(${replaced}))).*
    FROM (SELECT * FROM ${sql.table(table)} WHERE ${where} LIMIT 1) x, generate_series(1, ${n}::integer) g`.execute(h.database.db);
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
    await addAccounts(h, h.tenantId);
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

if (engines.includes('postgres')) {
  t.test("batches of awards read only their members' rows when the tables have no statistics", async (t) => {
    const h = await setup(t, 'postgres', { env: { HOLD_SWEEP_MS: '0' } });
    const c = await county(h);
    // One hour makes a star: the second batch changes every one of its members' stars.
    await c.ok('PATCH', '/v1/settings', { autoVerify: true, starThresholds: ['1', '20', '30', '40', '50'] }, 200);
    const members: string[] = [];
    await inParallel(Array.from({ length: MEMBERS }), 8, async () => {
      members.push((await register(c)).id as string);
    });
    await addAccounts(h, c.tenantId);
    // And more members, never awarded: 3,000 in all, a county that a key look-up of a group's stars
    // read whole without statistics (it does up to about 4,000 members; beyond, the planner probes).
    await copies(h, 'members', sql`tenant_id = ${c.tenantId}`, COUNTY - MEMBERS, { member_id: sql`gen_random_uuid()`, id_number_hash: sql`'bulk.' || g` });
    // Before any award: the award's statements are planned at their first use, without statistics.
    await forgetStatistics(h, 'ledger_balances');
    await forgetStatistics(h, 'members');

    const rowsInAll = await h.count('ledger_balances');
    const batch = async (name: string, ids: string[], hours: string, starred: boolean) => {
      const read = await readBy(h, ['members', 'ledger_balances'], async () => {
        const items = ids.map((id) => recordBody(id, { start: cst(1, 9), hours }));
        const answer = await c.ok('POST', '/v1/service-records:batch', { items }, 200);
        t.match(answer, { accepted: ids.length, refused: 0 }, name);
        const stars = answer.results.map((r: any) => r.result.starChange?.to ?? null);
        t.ok(answer.results.every((r: any) => r.result.record.status === 'verified'), `${name}: each record awarded`);
        t.same(stars, ids.map(() => (starred ? 1 : null)), `${name}: ${starred ? 'every member given a star' : 'no star changed'}`);
      });
      t.ok(read.members! < MEMBERS / 4, `${name}: members, ${read.members} rows read for ${ids.length} awards, of ${COUNTY}`);
      t.ok(read.ledger_balances! < MEMBERS / 2, `${name}: ledger_balances, ${read.ledger_balances} rows read, of ${rowsInAll}`);
      for (const id of ids) t.equal(await c.balance(`member:${id}:hours`), hours === '1' ? '1.00' : '0.50', `${name}: the hours awarded`);
    };
    await batch('below the first star', members.slice(0, 12), '0.5', false);
    await batch('to the first star', members.slice(12, 24), '1', true);
    for (const id of members.slice(12, 24)) t.equal((await c.ok('GET', `/v1/members/${id}`, undefined, 200)).stars, 1, 'the star kept on the member');
    await h.assertLedger(t);
  });
}

// The market's sale path: the member by card, the items by sku and a member's limit. A county of
// 5,000 more members with cards and a market of 5,000 more items; 150 sales before, so that a
// limit counting every line of an item ever sold would show.
if (engines.includes('postgres')) {
  t.test("sales read only their members', cards' and lines' rows when the tables have no statistics", async (t) => {
    const h = await setup(t, 'postgres', { env: { HOLD_SWEEP_MS: '0', EXPIRY_MS: '0' } });
    const { marketId, orgUnitId } = await newMarket(h, [
      { sku: 'rice', price: '1.00', stock: 100_000 },
      { sku: 'oil', price: '2.00', stock: 100_000, limit: { quantity: 50, period: 'month' } },
    ]);
    const tills = [await newTerminal(h, marketId), await newTerminal(h, marketId)];
    const buyers: { memberId: string; cardNo: string }[] = [];
    await inParallel(Array.from({ length: 40 }), 8, async () => {
      buyers.push(await memberWithPoints(h, orgUnitId, '1000'));
    });
    const sell = (i: number, m: { cardNo: string }, rice: number) =>
      h.request('POST', '/v1/redemptions', { key: tills[i % 2]!.key, headers: idem(), body: { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: rice }, { sku: 'oil', quantity: 1 }] } });
    await inParallel(Array.from({ length: 150 }, (_, i) => i), 8, async (i) => {
      t.equal((await sell(i, buyers[(i * 7) % buyers.length]!, 1)).status, 201, 'a sale before');
    });
    await copies(h, 'members', sql`tenant_id = ${h.tenantId}`, BULK, { member_id: sql`md5('bulk' || g)::uuid`, id_number_hash: sql`'bulk.' || g` });
    await copies(h, 'member_cards', sql`tenant_id = ${h.tenantId}`, BULK, { card_no: sql`'BULK' || g`, member_id: sql`md5('bulk' || g)::uuid` });
    await copies(h, 'catalog_items', sql`tenant_id = ${h.tenantId} AND sku = 'rice'`, BULK, { item_id: sql`gen_random_uuid()`, sku: sql`'bulk.' || g` });
    const tables = ['members', 'member_cards', 'catalog_items', 'redemption_lines'];
    for (const table of [...tables, 'redemptions']) await forgetStatistics(h, table);

    const read = await readBy(h, tables, async () => {
      const answers = await Promise.all(buyers.slice(0, 12).map((m, i) => sell(i, m, 2)));
      t.same(answers.map((a) => a.status), answers.map(() => 201), 'twelve sales at once');
    });
    t.ok(read.members! < 100, `members: ${read.members} rows read for twelve sales, of ${40 + BULK}`);
    t.ok(read.member_cards! < 100, `member_cards: ${read.member_cards} rows read, of ${40 + BULK}`);
    // The stock statement still reads the tenant's catalog once a sale without statistics (left as
    // it is, README); the items by sku no longer add a second read of the market's.
    t.ok(read.catalog_items! < 12 * (2 + BULK) * 1.5, `catalog_items: ${read.catalog_items} rows read, of ${2 + BULK}`);
    // Each buyer's own lines of the month (oil's limit), not the 150 sales' 300 lines for each sale.
    t.ok(read.redemption_lines! < 200, `redemption_lines: ${read.redemption_lines} rows read`);
    for (const m of buyers.slice(0, 2)) {
      const points = await h.request('GET', `/v1/accounts/member:${m.memberId}:points`);
      t.ok(Number(points.body.balance) < 1000, 'the buyer paid');
    }
    await h.assertLedger(t);
  });
}
