import pg from 'pg';
import { sql } from 'kysely';
import t from 'tap';
import { SESSION_OPTIONS } from '../src/db/database.js';
import { engines, fundedAccount, setup } from './helpers/harness.js';
import { idem, memberWithPoints, newMarket, newTerminal } from './helpers/market.js';
import { EXPLAIN_EVERY_STATEMENT, keepPlans, settledCounters } from './helpers/plans.js';

// A hold's resolution finds the hold by its key, however many holds are open (migration 0019).
// The plans are read as Postgres runs them inside the functions, with the service's session
// settings (generic plans), by auto_explain in a session of the test's own: the status UPDATE
// once took a partial index of open holds with at most the tenant as its condition, and read
// every open hold of the tenant for each capture, void or expiry. PostgreSQL only: the plans
// are the server's.

const OPEN = 120;
const HISTORY = 2000;
const BASKET_HISTORY = 150;
const OPEN_BASKETS = 80;

if (engines.includes('postgres')) {
  t.test('capture, void and the sweeper update a hold by its key, however many are open', async (t) => {
    const h = await setup(t, 'postgres', { env: { HOLD_SWEEP_MS: '0' } });
    await fundedAccount(h, { id: 'member:plans:points', points: '1000' });
    const market = await h.request('POST', '/v1/accounts', { body: { id: 'market:plans', unit: 'POINTS', type: 'market', allowNegative: true } });
    t.equal(market.status, 201);
    const place = async (ttlSeconds = 600) => {
      const res = await h.request('POST', '/v1/holds', { body: { accountId: 'member:plans:points', unit: 'POINTS', amount: '1', ttlSeconds } });
      if (res.status !== 201) throw new Error(`hold: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id as string;
    };
    // A history of resolved holds and statistics taken while none was open (as autovacuum's
    // ANALYZE after a quiet spell), then a busy hour: many open at once.
    await sql`SELECT count(*) FROM generate_series(1, ${HISTORY}) g,
      LATERAL ledger_hold_create(${h.tenantId}, md5('history.' || g)::uuid, 'member:plans:points', 'POINTS', 1, NULL, 600, NULL, NULL, 'test') c,
      LATERAL ledger_hold_resolve(${h.tenantId}, md5('history.' || g)::uuid, 'void', NULL, NULL, NULL, NULL, 'test', NULL) r`.execute(h.database.db);
    await sql`ANALYZE ledger_holds`.execute(h.database.db);
    const open: string[] = [];
    for (let i = 0; i < OPEN; i++) open.push(await place());
    const lapsing = await place(1);

    const client = new pg.Client({ connectionString: h.databaseUrl!, options: SESSION_OPTIONS });
    await client.connect();
    t.teardown(() => client.end());
    const plans: string[] = [];
    client.on('notice', keepPlans(plans));
    for (const s of EXPLAIN_EVERY_STATEMENT) await client.query(s);

    await client.query(`SELECT status FROM ledger_hold_resolve($1, $2::uuid, 'capture', NULL, ARRAY['market:plans'], ARRAY[NULL::numeric], NULL, 'test', NULL)`, [h.tenantId, open[0]]);
    await client.query(`SELECT status FROM ledger_hold_resolve($1, $2::uuid, 'void', NULL, NULL, NULL, NULL, 'test', NULL)`, [h.tenantId, open[1]]);
    await new Promise((r) => setTimeout(r, 1200));
    const swept = await client.query(`SELECT hold_id FROM ledger_holds_expire($1, 10, 'test')`, [h.tenantId]);
    t.same(swept.rows.map((r) => r.hold_id), [lapsing], 'the sweeper expired the one hold past its time');

    const updates = plans.filter((p) => /Query Text: UPDATE ledger_holds\b/.test(p));
    t.equal(updates.length, 3, 'the status UPDATEs of the capture, the void and the sweeper were explained');
    for (const plan of updates) {
      const scans = plan.split('\n').filter((l) => / Scan .*on ledger_holds\b/.test(l));
      t.ok(scans.length > 0 && scans.every((l) => l.includes('ledger_holds_pkey')), `by the primary key: ${scans.join(' | ')}`);
      const removed = [...plan.matchAll(/Rows Removed by Filter: (\d+)/g)].map((m) => Number(m[1]));
      t.same(removed.filter((n) => n > 0), [], 'no open hold read and thrown away');
    }
    t.equal((await h.request('GET', `/v1/holds/${open[0]}`)).body.status, 'captured');
    t.equal((await h.request('GET', `/v1/holds/${open[1]}`)).body.status, 'voided');
    t.equal((await h.request('GET', `/v1/holds/${lapsing}`)).body.status, 'expired');
    await h.assertLedger(t);
  });
}

// The service's own statement, read by what it did: the index entries its connection read, from
// pg_stat_user_indexes once the service's connections have flushed their counters
// (settledCounters), against a basket voided through the API.
if (engines.includes('postgres')) {
  t.test('a basket resolves by its key, however many baskets are open', async (t) => {
    const h = await setup(t, 'postgres', { env: { HOLD_SWEEP_MS: '0' } });
    const { marketId, orgUnitId } = await newMarket(h, [{ sku: 'rice', price: '1.00', stock: 100_000 }]);
    const pos = await newTerminal(h, marketId);
    const m = await memberWithPoints(h, orgUnitId, '100000.00');
    const post = (url: string, body: unknown) => h.request('POST', url, { key: pos.key, body, headers: idem() });
    const place = async () => {
      const res = await post('/v1/redemption-holds', { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 1 }] });
      if (res.status !== 201) throw new Error(`basket: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id as string;
    };
    for (let i = 0; i < BASKET_HISTORY; i++) t.equal((await post(`/v1/redemption-holds/${await place()}/void`, {})).status, 200);
    await sql`ANALYZE baskets`.execute(h.database.db);
    const open: string[] = [];
    for (let i = 0; i < OPEN_BASKETS; i++) open.push(await place());

    const read = async () => {
      const { rows } = await sql<{ name: string; scans: string; entries: string }>`SELECT indexrelname AS name, idx_scan::text AS scans,
        idx_tup_read::text AS entries FROM pg_stat_user_indexes WHERE relname = 'baskets' ORDER BY indexrelname`.execute(h.database.db);
      return Object.fromEntries(rows.map((r) => [r.name, { scans: Number(r.scans), entries: Number(r.entries) }])) as Record<string, { scans: number; entries: number }>;
    };
    const before = await settledCounters(h, read);
    for (const id of open.slice(0, 3)) t.equal((await post(`/v1/redemption-holds/${id}/void`, {})).status, 200, 'voided');
    const after = await settledCounters(h, read);
    // Each void reads its basket by key, then updates it: the counters must show those reads.
    t.ok(after.baskets_pkey!.scans - before.baskets_pkey!.scans >= 6, 'the voids read their baskets by key');
    const grew = (name: string) => after[name]!.entries - before[name]!.entries;
    for (const name of ['baskets_open', 'baskets_member_open']) {
      t.ok(grew(name) < OPEN_BASKETS, `${name}: ${grew(name)} entries read for three voids, with ${OPEN_BASKETS} baskets open`);
    }
  });
}
