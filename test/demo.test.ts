import { sql } from 'kysely';
import t from 'tap';
import { demoIdNumber, demoMembers, demoRecords, orgUnits } from '../src/demo/county.js';
import { normalizeIdNumber } from '../src/members/identity.js';
import { createTestDatabase, engines, type Harness, isProblem, rowCounts, setup, type Tap } from './helpers/harness.js';

// The demo county: POST /v1/demo (and `npm run cli -- demo`) fills a tenant through the domain
// functions, so the ledger verifies; a second run adds nothing; a tenant holding real data is
// refused (nothing written) unless forced.

// Each fill writes a few thousand records through the write path: seconds on an idle machine,
// minutes on one shared with much else (the runner's 300 s per file would cut it short there).
t.setTimeout(900_000);

const TABLES = [
  'org_units', 'members', 'member_cards', 'ledger_accounts', 'ledger_balances', 'ledger_entries', 'ledger_postings',
  'service_records', 'service_record_events', 'points_rules', 'star_changes', 'api_keys', 'idempotency_keys',
];

const plannedMembers = demoMembers();
const planned = demoRecords(plannedMembers);
const plannedRatings = planned.filter((r) => r.rating).length;

/** Rows of `table` that belong to `tenantId`. */
async function tenantRows(h: Harness, table: string, tenantId: string, where = sql`true`): Promise<number> {
  const r = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(table)} WHERE tenant_id = ${tenantId} AND ${where}`.execute(h.database.db);
  return Number(r.rows[0]!.n);
}

async function assertFilled(t: Tap, h: Harness, tenantId: string, key: string): Promise<void> {
  const units = await h.request('GET', '/v1/org-units', { key });
  const kinds = (units.body.items as { id: string; kind: string }[]).filter((u) => u.id.startsWith('demo-')).map((u) => u.kind);
  t.same(
    [kinds.filter((k) => k === 'center').length, kinds.filter((k) => k === 'institute').length, kinds.filter((k) => k === 'station').length],
    [1, 2, 5],
    'a centre, two 所 and five 站',
  );
  t.equal(await tenantRows(h, 'members', tenantId, sql`name LIKE '%（演示）'`), 200, '200 members, each marked （演示）');
  t.equal(await tenantRows(h, 'member_cards', tenantId, sql`card_no LIKE 'DEMO-%'`), 200, 'each with a DEMO- card');
  t.equal(await tenantRows(h, 'service_records', tenantId, sql`status = 'verified'`), planned.length, 'every planned record, verified');
  t.equal(await tenantRows(h, 'service_records', tenantId, sql`rating IS NOT NULL`), plannedRatings, 'the planned ratings');
  t.ok(await tenantRows(h, 'service_records', tenantId, sql`bonus_entry_id IS NOT NULL`) > 0, 'ratings of 4 and 5 earned bonus entries');
  t.ok(await tenantRows(h, 'star_changes', tenantId) > 0, 'the most active members earned stars');

  const member = await h.request('GET', `/v1/cards/DEMO-000001`, { key });
  t.equal(member.status, 200, 'a demo member is found by card');
  t.match(member.body, { name: /（演示）$/, idNumberMasked: /^9901\*{10}/ }, 'the name and the masked ID number show a demo member');
  t.ok(Number(member.body.hours) >= 0 && Number(member.body.points.balance) >= 0, 'with hours and points');

  const rules = await h.request('GET', '/v1/points-rules', { key });
  const last = rules.body.items.at(-1);
  t.match(last, { pointsPerHour: '10.00', backdatingDays: 30, categoryMultipliers: { elderly: '1.2' } }, 'the rule in force is back to a 30-day window');
  t.ok(
    rules.body.items.some((r: { backdatingDays: number }) => r.backdatingDays > 120),
    'a wider window was in force while the demo filled (kept in the rule history)',
  );

  const verification = await h.request('GET', '/v1/ledger/verification', { key });
  t.equal(verification.status, 200);
  t.equal(verification.body.ok, true, 'the ledger verifies');
  t.same(verification.body.problems, [], 'no problems');
  const records = await h.request('GET', `/v1/service-records?limit=1`, { key });
  t.match(records.body.items[0], { status: 'verified', award: { explanation: /rule v\d+/ } }, 'records carry their award');
  const oldest = new Date(Math.min(...(await sql<{ s: Date }>`SELECT min(started_at) AS s FROM service_records WHERE tenant_id = ${tenantId}`.execute(h.database.db)).rows.map((r) => new Date(r.s).getTime())));
  t.ok(Date.now() - oldest.getTime() > 100 * 86400000, 'records reach back months, past the usual window');
}

t.test('demo ID numbers are valid GB 11643 numbers under the unassigned region 99', async (t) => {
  const ids = plannedMembers.map((m) => m.idNumber);
  t.equal(ids.filter((id) => normalizeIdNumber(id) === id).length, 200, 'every one passes the check the API applies');
  t.equal(new Set(ids).size, 200, 'all different');
  t.ok(ids.every((id) => id.startsWith('99')), 'region code 99: no real person has one');
  t.equal(demoIdNumber('990101', new Date(Date.UTC(1980, 0, 1)), 3).length, 18);
  t.same(demoRecords(demoMembers()), planned, 'the plan is the same every time');
  t.ok(planned.length >= 2000 && planned.length <= 5000, `a few thousand records (${planned.length})`);
});

// The fill is the same domain code on both engines; on the embedded one it takes the better part
// of a minute, and demo-cli.test.ts runs the whole command there (counts, verify, a second run,
// the refusal): here the details, once, on Postgres unless TEST_ENGINES leaves only PGlite.
for (const engine of engines.includes('postgres') ? (['postgres'] as const) : engines) {
  t.test(`demo county on ${engine}`, async (t) => {
    const h = await setup(t, engine);

    let filled: { tenantId: string; adminKey: string } | null = null;

    t.test('fills an empty tenant; verify passes; a second run adds nothing', async (t) => {
      const { tenantId, adminKey } = await h.newTenant();
      filled = { tenantId, adminKey };
      const started = Date.now();
      const res = await h.request('POST', '/v1/demo', { key: adminKey });
      const took = Date.now() - started;
      t.comment(`${engine}: demo fill took ${took} ms`);
      t.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
      t.match(res.body, {
        tenantId,
        created: { orgUnits: orgUnits.length, members: 200, records: planned.length, ratings: plannedRatings, rules: 2 },
        county: { orgUnits: 8, members: 200, records: planned.length, ratings: plannedRatings },
        market: null,
      });
      await assertFilled(t, h, tenantId, adminKey);
      const keys = await h.request('GET', '/v1/api-keys', { key: adminKey });
      const demoKey = keys.body.items.find((k: { id: string }) => k.id === res.body.demoKeyId);
      t.ok(demoKey?.revokedAt, 'the demo acts as a key of its own, revoked: no one can call with it');

      const before = await rowCounts(h, TABLES);
      const again = await h.request('POST', '/v1/demo', { key: adminKey, body: {} });
      t.equal(again.status, 200);
      t.same(again.body.created, { orgUnits: 0, members: 0, records: 0, ratings: 0, rules: 0 }, 'the second run creates nothing');
      t.same(await rowCounts(h, TABLES), before, 'and writes no row');
      await h.assertLedger(t);
    });

    t.test('refused on a tenant with real data, nothing written; force passes the check', async (t) => {
      const { adminKey } = await h.newTenant();
      const unit = await h.request('POST', '/v1/org-units', { key: adminKey, body: { id: 'county', kind: 'center', name: '县文明实践中心' } });
      t.equal(unit.status, 201);
      const before = await rowCounts(h, TABLES);
      const res = await h.request('POST', '/v1/demo', { key: adminKey, headers: { 'accept-language': 'en' } });
      isProblem(t, res, 409, 'tenant_has_data');
      t.match(res.body.detail, /org units/, 'the answer says what real data was found');
      t.same(await rowCounts(h, TABLES), before, 'nothing written');

      const station = await h.keyFor('station', adminKey);
      isProblem(t, await h.request('POST', '/v1/demo', { key: station }), 403, 'forbidden', 'admin only');
    });

    t.test('a filled tenant that gets real data is refused too; force fills (here: finds the county complete)', async (t) => {
      const tenantId = filled!.tenantId;
      const key = filled!.adminKey;
      const member = await h.request('POST', '/v1/members', {
        key,
        body: { name: '张三', idNumber: '11010519491231002X', phone: '13812345678', homeOrgUnitId: 'demo-dongguan' },
      });
      t.equal(member.status, 201);
      const before = await rowCounts(h, TABLES);
      const res = await h.request('POST', '/v1/demo', { key, headers: { 'accept-language': 'en' } });
      isProblem(t, res, 409, 'tenant_has_data');
      t.match(res.body.detail, /members/, 'a member without a demo card is real data');
      t.same(await rowCounts(h, TABLES), before, 'nothing written');
      const forced = await h.request('POST', '/v1/demo', { key, body: { force: true } });
      t.equal(forced.status, 200);
      t.same(forced.body.created, { orgUnits: 0, members: 0, records: 0, ratings: 0, rules: 0 }, 'forced: past the check, nothing missing');
      t.equal(await tenantRows(h, 'members', tenantId), 201, 'the real member is untouched');
    });
  });
}

