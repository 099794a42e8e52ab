import { Decimal } from 'decimal.js';
import { sql } from 'kysely';
import { parse } from 'csv-parse/sync';
import t from 'tap';
import { engines, type Harness, isProblem, setup } from './helpers/harness.js';
import { cst, recordBody } from './helpers/hours.js';
import { foldSealed } from '../src/reports/participation.js';
import { buildCounty, ENV, type ReportCounty, seal, subtreeOf, UNITS } from './helpers/reports.js';

// Participation reports (issue 23, part 4) through GET /v1/reports/participation: every figure
// of every unit equals what this file works out on its own from the raw tables (records, members,
// postings) at the snapshot the report names; a unit's additive figures are the sum of its own and
// its children's; the snapshot is the last sealed block, and a later entry counts once sealed;
// JSON, CSV and the breakdowns agree; bad input is problem+json.

const DAY = 86_400_000;
const dec = (v: Decimal.Value) => new Decimal(v).toFixed(2);

interface Raw {
  lastSeq: bigint;
  records: { org_unit_id: string; member_id: string; source: string; category: string; hours: string; started_at: Date; status: string; seq: string | null }[];
  members: { member_id: string; home_org_unit_id: string; stars: number }[];
  postings: { account_id: string; amount: string; kind: string; occurred_at: Date; seq: string }[];
  markets: { market_id: string; org_unit_id: string }[];
}

async function raw(h: Harness): Promise<Raw> {
  const db = h.database.db;
  const lastSeq = (await sql<{ s: string }>`SELECT coalesce(max(last_seq), 0)::text AS s FROM integrity_blocks WHERE tenant_id = ${h.tenantId}`.execute(db)).rows[0]!.s;
  const records = (await sql<Raw['records'][number]>`SELECT r.org_unit_id, r.member_id::text, r.source, r.category, r.hours::text, r.started_at, r.status, e.seq::text AS seq
    FROM service_records r LEFT JOIN ledger_entries e ON e.tenant_id = r.tenant_id AND e.entry_id = r.award_entry_id WHERE r.tenant_id = ${h.tenantId}`.execute(db)).rows;
  const members = (await sql<Raw['members'][number]>`SELECT member_id::text, home_org_unit_id, stars FROM members WHERE tenant_id = ${h.tenantId}`.execute(db)).rows;
  const postings = (await sql<Raw['postings'][number]>`SELECT p.account_id, p.amount::text, e.kind, e.occurred_at, p.seq::text
    FROM ledger_postings p JOIN ledger_entries e ON e.tenant_id = p.tenant_id AND e.entry_id = p.entry_id WHERE p.tenant_id = ${h.tenantId}`.execute(db)).rows;
  const markets = (await sql<Raw['markets'][number]>`SELECT market_id, org_unit_id FROM markets WHERE tenant_id = ${h.tenantId}`.execute(db)).rows;
  return { lastSeq: BigInt(lastSeq), records, members, postings, markets };
}

/** The records the report counts: verified, award sealed, of the subtree, started in the period. */
function countedRecords(r: Raw, unitId: string, from: string, to: string) {
  const units = new Set(subtreeOf(unitId));
  const start = new Date(`${from}T00:00:00+08:00`).getTime();
  const end = new Date(`${to}T00:00:00+08:00`).getTime() + DAY;
  return r.records.filter(
    (x) => units.has(x.org_unit_id) && x.status === 'verified' && x.seq !== null && BigInt(x.seq) <= r.lastSeq && new Date(x.started_at).getTime() >= start && new Date(x.started_at).getTime() < end,
  );
}

/** The report's figures worked out here from the raw rows, as the README defines them. */
function expected(r: Raw, unitId: string, from: string, to: string) {
  const units = new Set(subtreeOf(unitId));
  const start = new Date(`${from}T00:00:00+08:00`).getTime();
  const end = new Date(`${to}T00:00:00+08:00`).getTime() + DAY;
  const inPeriod = (d: Date) => d.getTime() >= start && d.getTime() < end;
  const counted = r.records.filter((x) => units.has(x.org_unit_id) && x.status === 'verified' && x.seq !== null && BigInt(x.seq) <= r.lastSeq && inPeriod(new Date(x.started_at)));
  const sum = (xs: { hours: string }[]) => xs.reduce((s, x) => s.plus(x.hours), new Decimal(0));
  const home = r.members.filter((m) => units.has(m.home_org_unit_id));
  const homeIds = new Set(home.map((m) => m.member_id));
  const active = new Set(counted.map((x) => x.member_id));
  const days = Math.round((end - start) / DAY);
  const goal = new Decimal(20).times(Math.min(1, days / 365)).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
  const byMember = new Map<string, Decimal>();
  for (const x of counted) byMember.set(x.member_id, (byMember.get(x.member_id) ?? new Decimal(0)).plus(x.hours));
  const reaching = [...byMember].filter(([m, hrs]) => homeIds.has(m) && hrs.gte(goal)).length;
  const sealed = r.postings.filter((p) => BigInt(p.seq) <= r.lastSeq && inPeriod(new Date(p.occurred_at)));
  const issuance = new Set([...units].map((u) => `issuance:${u}:points`));
  const markets = new Set(r.markets.filter((m) => units.has(m.org_unit_id)).map((m) => `market:${m.market_id}:points`));
  const memberPoints = new Set(home.map((m) => `member:${m.member_id}:points`));
  const total = (f: (p: Raw['postings'][number]) => boolean) => sealed.filter(f).reduce((s, p) => s.plus(p.amount), new Decimal(0));
  const population = UNITS.find((u) => u.id === unitId) as { population?: number };
  return {
    registeredMembers: home.length,
    activeVolunteers: active.size,
    records: counted.length,
    hours: dec(sum(counted)),
    creditHours: dec(sum(counted.filter((x) => x.source === 'checkin'))),
    manualHours: dec(sum(counted.filter((x) => x.source === 'manual'))),
    hoursPerActiveVolunteer: active.size ? dec(sum(counted).div(active.size)) : '0.00',
    goal: { periodHours: dec(goal), membersReaching: reaching, share: home.length ? new Decimal(reaching).div(home.length).toFixed(4) : '0.0000' },
    participationRate: population.population ? new Decimal(active.size).div(population.population).toFixed(4) : null,
    points: {
      issued: dec(total((p) => issuance.has(p.account_id)).neg()),
      spent: dec(total((p) => markets.has(p.account_id) && ['redemption', 'capture', 'reversal'].includes(p.kind))),
      refunded: dec(total((p) => markets.has(p.account_id) && p.kind === 'refund').neg()),
      expired: dec(total((p) => memberPoints.has(p.account_id) && p.kind === 'expiry').neg()),
    },
    stars: [0, 1, 2, 3, 4, 5].map((s) => ({ stars: s, members: home.filter((m) => m.stars === s).length })),
  };
}

const ADDITIVE = ['registeredMembers', 'records', 'hours', 'creditHours', 'manualHours'] as const;
const POINTS = ['issued', 'spent', 'refunded', 'expired'] as const;

async function report(h: Harness, c: ReportCounty, unit: string, extra = '', key?: string) {
  const res = await h.request('GET', `/v1/reports/participation?orgUnitId=${unit}&from=${c.from}&to=${c.to}${extra}`, key ? { key } : {});
  if (res.status !== 200) throw new Error(`report ${unit}: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

for (const engine of engines) {
  t.test(`participation reports on ${engine}`, async (t) => {
    const h = await setup(t, engine, { env: ENV });
    const c = await buildCounty(h);
    const data = await raw(h);
    t.ok(data.lastSeq > 0n, 'the county is sealed');

    const reports = new Map<string, any>();
    for (const u of UNITS) {
      const r = (await report(h, c, u.id)).body;
      reports.set(u.id, r);
      const want = expected(data, u.id, c.from, c.to);
      t.match(r, want, `${u.id}: every figure equals the one worked out from the raw tables`);
      t.same(r.stars, want.stars, `${u.id}: star distribution`);
      t.equal(r.snapshot.lastSeq, String(data.lastSeq), `${u.id}: names the last sealed block`);
    }
    // Nothing is folded yet (the service's job does not run here): every record and points figure
    // above was read from the sealed ledger. Folded, as the job would, the same reports come from
    // the counted records and the ledger's day totals.
    await foldSealed(h.database.db, h.tenantId);
    for (const u of UNITS) t.same((await report(h, c, u.id)).body, reports.get(u.id), `${u.id}: the same report once folded`);
    const county = reports.get('c');
    t.ok(county.records > 10 && new Decimal(county.creditHours).gt(0) && new Decimal(county.manualHours).gt(0), 'the county has records of both sources');
    t.ok(POINTS.every((p) => new Decimal(county.points[p]).gt(0)), `points issued, spent, refunded and expired are all there: ${JSON.stringify(county.points)}`);
    t.not(county.participationRate, undefined);
    t.equal(reports.get('i1').participationRate, new Decimal(reports.get('i1').activeVolunteers).div(5000).toFixed(4), 'the rate where the population is set');
    t.equal(county.participationRate, null, 'none where it is not');

    // Additive figures: a unit's are its own records' and members' plus its children's (the sets
    // do not overlap: a record has one unit, a member one home, a market one unit).
    for (const parent of ['c', 'i1', 's1']) {
      const p = reports.get(parent);
      const children = UNITS.filter((u) => 'parentId' in u && u.parentId === parent).map((u) => reports.get(u.id));
      const own = p.units.find((u: any) => u.id === parent);
      t.same(p.units.map((u: any) => u.id), [parent, ...children.map((x) => x.orgUnit.id)], `${parent}: units are itself and its direct children`);
      for (const f of ['records', 'hours', 'creditHours', 'manualHours'] as const) {
        t.equal(dec(children.reduce((s, x) => s.plus(x[f]), new Decimal(own[f]))), dec(p[f]), `${parent}: ${f} = own + children`);
        for (const ch of children) t.equal(dec(p.units.find((u: any) => u.id === ch.orgUnit.id)[f]), dec(ch[f]), `${parent}: its ${ch.orgUnit.id} row is ${ch.orgUnit.id}'s report`);
      }
      const ownMembers = data.members.filter((m) => m.home_org_unit_id === parent).length;
      t.equal(children.reduce((s, x) => s + x.registeredMembers, ownMembers), p.registeredMembers, `${parent}: members = own + children`);
      for (const f of POINTS) {
        const sumChildren = children.reduce((s, x) => s.plus(x.points[f]), new Decimal(ownPointsOf(data, parent, f, c)));
        t.equal(dec(sumChildren), p.points[f], `${parent}: points ${f} = own + children`);
      }
    }

    // Breakdowns: by month and by category sum to the totals; JSON and CSV agree.
    const byMonth = (await report(h, c, 'c', '&by=month')).body;
    const byCategory = (await report(h, c, 'c', '&by=category')).body;
    t.ok(byMonth.rows.length >= 4, `a row for every month (${byMonth.rows.length})`);
    for (const f of ['records', 'hours', 'creditHours', 'manualHours'] as const) {
      t.equal(dec(byMonth.rows.reduce((s: Decimal, x: any) => s.plus(x[f]), new Decimal(0))), dec(county[f]), `by month: ${f} sums to the total`);
      t.equal(dec(byCategory.rows.reduce((s: Decimal, x: any) => s.plus(x[f]), new Decimal(0))), dec(county[f]), `by category: ${f} sums to the total`);
    }
    for (const f of POINTS) t.equal(dec(byMonth.rows.reduce((s: Decimal, x: any) => s.plus(x[f]), new Decimal(0))), county.points[f], `by month: points ${f} sum to the total`);
    t.same(byCategory.rows.map((x: any) => x.key).sort(), ['community', 'elderly', 'environment'], 'every category');
    // Distinct members per month, per category and per unit, worked out here.
    const counted = countedRecords(data, 'c', c.from, c.to);
    const monthOf = (d: Date) => new Date(new Date(d).getTime() + 8 * 3_600_000).toISOString().slice(0, 7);
    const distinct = (xs: typeof counted) => new Set(xs.map((x) => x.member_id)).size;
    for (const row of byMonth.rows) {
      const inMonth = counted.filter((x) => monthOf(x.started_at) === row.key);
      t.same([row.records, row.activeVolunteers], [inMonth.length, distinct(inMonth)], `by month ${row.key}: records and active volunteers`);
    }
    for (const row of byCategory.rows) {
      const inCategory = counted.filter((x) => x.category === row.key);
      t.same([row.records, row.activeVolunteers], [inCategory.length, distinct(inCategory)], `by category ${row.key}: records and active volunteers`);
    }
    for (const u of county.units) {
      const inUnit = counted.filter((x) => subtreeOf(u.id === 'c' ? 'none' : u.id).includes(x.org_unit_id) || (u.id === 'c' && x.org_unit_id === 'c'));
      t.same([u.records, u.activeVolunteers], [inUnit.length, distinct(inUnit)], `unit ${u.id}: records and active volunteers`);
    }

    const csv = await report(h, c, 'c', '&by=month&format=csv');
    t.match(csv.headers['content-type'], /^text\/csv/);
    const lines = parse(String(csv.body).replace(/^\uFEFF/, ''), { columns: true }) as { section: string; key: string; figure: string; value: string }[];
    const val = (section: string, key: string, figure: string) => lines.find((l) => l.section === section && l.key === key && l.figure === figure)?.value;
    for (const f of [...ADDITIVE, 'activeVolunteers', 'hoursPerActiveVolunteer'] as const) t.equal(val('total', '', f), String(byMonth[f]), `CSV ${f}`);
    for (const f of POINTS) t.equal(val('total', '', `points${f[0]!.toUpperCase()}${f.slice(1)}`), byMonth.points[f], `CSV points ${f}`);
    for (const row of byMonth.rows) for (const f of ['hours', 'records', 'issued'] as const) t.equal(val('month', row.key, f), String(row[f]), `CSV month ${row.key} ${f}`);
    for (const s of byMonth.stars) t.equal(val('stars', String(s.stars), 'members'), String(s.members), `CSV stars ${s.stars}`);
    t.equal(val('report', '', 'snapshotHash'), byMonth.snapshot.hash, 'CSV names the snapshot');

    // The snapshot: a record verified after the last seal is not counted until it is sealed.
    const member = data.members.find((m) => m.home_org_unit_id === 's2')!.member_id;
    const late = await h.request('POST', '/v1/service-records', { body: recordBody(member, { start: cst(1, 20), hours: '2', orgUnitId: 's2', source: 'checkin' }) });
    t.equal(late.status, 201, 'a late record');
    if (late.body.record.status !== 'verified') t.equal((await h.request('POST', `/v1/service-records/${late.body.record.id}/verification`)).status, 200);
    const before = (await report(h, c, 's2')).body;
    t.equal(before.hours, reports.get('s2').hours, 'not counted before it is sealed');
    t.same(before.points, reports.get('s2').points, 'nor its points');
    t.same(before.snapshot, reports.get('s2').snapshot, 'the same snapshot');
    await seal(h);
    const after = (await report(h, c, 's2')).body;
    t.equal(after.hours, dec(new Decimal(before.hours).plus(2)), 'counted once sealed');
    t.equal(after.points.issued, dec(new Decimal(before.points.issued).plus(20)), 'with its points');
    t.ok(after.snapshot.blockNo > before.snapshot.blockNo, 'under a later block');
    t.match(after, expected(await raw(h), 's2', c.from, c.to), 'still the figures of the raw tables');

    // Ten more blocks: the snapshot is the last by number (block 10 sorts before block 9 as text).
    for (let d = 3; d < 13; d++) {
      const res = await h.request('POST', '/v1/service-records', { body: recordBody(member, { start: cst(d, 18), hours: '1', orgUnitId: 's2', source: 'checkin' }) });
      t.equal(res.status, 201, `record ${d}`);
      if (res.body.record.status !== 'verified') await h.request('POST', `/v1/service-records/${res.body.record.id}/verification`);
      await seal(h);
    }
    const blocks = (await sql<{ n: string }>`SELECT max(block_no)::text AS n FROM integrity_blocks WHERE tenant_id = ${h.tenantId}`.execute(h.database.db)).rows[0]!.n;
    t.ok(Number(blocks) >= 12, `${blocks} blocks`);
    const tenth = (await report(h, c, 's2')).body;
    t.equal(tenth.snapshot.blockNo, Number(blocks), 'the snapshot is the block with the highest number');
    t.equal(tenth.hours, dec(new Decimal(after.hours).plus(10)), 'and every sealed record counts');
    t.match(tenth, expected(await raw(h), 's2', c.from, c.to), 'the figures of the raw tables');

    // After a fold, a correction and a revocation: while sealed and not folded, the report counts
    // them from the entries since the fold; folded, the same.
    await foldSealed(h.database.db, h.tenantId);
    const change = (id: string, what: string, body: object) =>
      h.request('POST', `/v1/service-records/${id}/${what}`, { headers: { 'idempotency-key': `report-${what}-${id}` }, body: { reason: '核对', force: true, ...body } });
    t.equal((await change(c.records[2]!, 'correction', { hours: '0.5' })).status, 200, 'a correction');
    t.equal((await change(c.records[5]!, 'revocation', {})).status, 200, 'a revocation');
    await seal(h);
    const changed = await raw(h);
    const unfolded = new Map<string, any>();
    for (const u of UNITS) {
      unfolded.set(u.id, (await report(h, c, u.id, '&by=category')).body);
      t.match(unfolded.get(u.id), expected(changed, u.id, c.from, c.to), `${u.id}: corrected and revoked, sealed, not folded: the figures of the raw tables`);
    }
    await foldSealed(h.database.db, h.tenantId);
    for (const u of UNITS) t.same((await report(h, c, u.id, '&by=category')).body, unfolded.get(u.id), `${u.id}: the same once folded`);
    const folded = (await sql<{ n: string; cents: string }>`SELECT count(*)::text AS n, sum(cents)::text AS cents FROM counted_records WHERE tenant_id = ${h.tenantId}`.execute(h.database.db)).rows[0]!;
    const counting = countedRecords(changed, 'c', '2000-01-01', '2099-12-31');
    const countingHours = dec(counting.reduce((x, r) => x.plus(r.hours), new Decimal(0)));
    t.same([Number(folded.n), dec(new Decimal(folded.cents).div(100))], [counting.length, countingHours], 'a counted row per counted record, with its hours');
    const totals = (await sql<{ n: string; cents: string }>`SELECT sum(records)::text AS n, sum(cents)::text AS cents FROM counted_day_totals WHERE tenant_id = ${h.tenantId}`.execute(h.database.db)).rows[0]!;
    t.same([Number(totals.n), dec(new Decimal(totals.cents).div(100))], [counting.length, countingHours], 'and the day totals add up to them');

    if (engine === 'postgres') {
      // A fold killed in the middle of a step keeps nothing of it, and the next fold takes the step
      // again; two folds at once fold each entry once. The fold is held at its last write (the row
      // saying how far it went, locked here) and its connection terminated, as a crash would.
      const db = h.database.db;
      const counts = async () =>
        (await sql<{ n: string; cents: string; through: string; totals: string }>`SELECT (SELECT count(*) FROM counted_records WHERE tenant_id = ${h.tenantId})::text AS n,
          (SELECT sum(cents) FROM counted_records WHERE tenant_id = ${h.tenantId})::text AS cents,
          (SELECT seq FROM counted_records_through WHERE tenant_id = ${h.tenantId})::text AS through,
          (SELECT sum(records) FROM counted_day_totals WHERE tenant_id = ${h.tenantId})::text AS totals`.execute(db)).rows[0]!;
      for (let d = 14; d < 17; d++) {
        const res = await h.request('POST', '/v1/service-records', { body: recordBody(member, { start: cst(d, 15), hours: '2', orgUnitId: 's2', source: 'checkin' }) });
        t.equal(res.status, 201, `one more record, day ${d}`);
        if (res.body.record.status !== 'verified') await h.request('POST', `/v1/service-records/${res.body.record.id}/verification`);
      }
      await seal(h);
      const before = await counts();
      t.ok(BigInt((await raw(h)).lastSeq) > BigInt(before.through), 'sealed past the fold');
      let killed = false;
      await db.transaction().execute(async (blocker) => {
        await sql`SELECT seq FROM counted_records_through WHERE tenant_id = ${h.tenantId} FOR UPDATE`.execute(blocker);
        const folding = foldSealed(db, h.tenantId).then(
          () => false,
          () => true,
        );
        for (let i = 0; i < 400 && !killed; i++) {
          // pg_stat_activity is read once per transaction unless its snapshot is let go.
          await sql`SELECT pg_stat_clear_snapshot()`.execute(blocker);
          const { rows } = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO counted_records_through%'`.execute(blocker);
          if (rows[0]) killed = (await sql<{ ok: boolean }>`SELECT pg_terminate_backend(${rows[0].pid}) AS ok`.execute(blocker)).rows[0]!.ok;
          else await new Promise((r) => setTimeout(r, 25));
        }
        if (!killed) throw new Error('the fold never waited at its last write');
        t.ok(await folding, 'the fold was killed in its step');
      });
      t.ok(killed, 'a fold held at its last write was terminated');
      t.same(await counts(), before, 'nothing of the killed step is kept');
      await Promise.all([foldSealed(db, h.tenantId), foldSealed(db, h.tenantId)]);
      const latest = await raw(h);
      const now = countedRecords(latest, 'c', '2000-01-01', '2099-12-31');
      const after = await counts();
      t.same([Number(after.n), Number(after.totals), after.through], [now.length, now.length, String(latest.lastSeq)], 'two folds at once after it: every counted record once');
      t.equal(dec(new Decimal(after.cents).div(100)), dec(now.reduce((x, r) => x.plus(r.hours), new Decimal(0))), 'with its hours');
      t.match((await report(h, c, 's2')).body, expected(latest, 's2', c.from, c.to), 'and the report is the raw tables\' figures');
    }

    // Who may read: a station key its own subtree only.
    t.equal((await report(h, c, 'p1', '', c.s1Key)).status, 200, 'a station key reads a unit under it');
    t.equal((await report(h, c, 's1', '', c.s1Key)).body.hours, unfolded.get('s1').hours, 'and its own');
    const auditor = await h.keyFor('auditor');
    t.equal((await report(h, c, 'c', '', auditor)).status, 200, 'an auditor reads the county');
    const q = (s: string, key?: string) => h.request('GET', `/v1/reports/participation?${s}`, key ? { key } : {});
    isProblem(t, await q(`orgUnitId=i1&from=${c.from}&to=${c.to}`, c.s1Key), 403, 'org_unit_out_of_scope', 'a station key outside its subtree');
    isProblem(t, await q(`orgUnitId=s2&from=${c.from}&to=${c.to}`, c.s1Key), 403, 'org_unit_out_of_scope', 'a sibling station');
    isProblem(t, await q(`orgUnitId=nope&from=${c.from}&to=${c.to}`), 404, 'org_unit_not_found', 'an unknown unit');
    isProblem(t, await q(`orgUnitId=c&from=${c.to}&to=${c.from}`), 400, 'report_period_invalid', 'from after to');
    isProblem(t, await q(`orgUnitId=c&from=2020-01-01&to=2039-01-01`), 400, 'report_period_invalid', 'a period of twenty years');
    isProblem(t, await q(`orgUnitId=c&from=${c.from}&to=${c.to}&by=week`), 400, 'validation_failed', 'a bad by');
    isProblem(t, await q(`orgUnitId=c&from=2026-02-30&to=${c.to}`), 400, 'validation_failed', 'a day that does not exist');
    isProblem(t, await q(`orgUnitId=c&from=${c.from}`), 400, 'validation_failed', 'no to');
    isProblem(t, await q(`orgUnitId=c&from=${c.from}&to=${c.to}&format=xml`), 400, 'validation_failed', 'a bad format');
    const pos = await h.keyFor('pos');
    t.equal((await q(`orgUnitId=c&from=${c.from}&to=${c.to}`, pos)).status, 403, 'a pos key reads no report');
  });
}

/** The points of the unit's own accounts, markets and home members only (not its children's). */
function ownPointsOf(data: Raw, unit: string, f: (typeof POINTS)[number], c: ReportCounty): string {
  const start = new Date(`${c.from}T00:00:00+08:00`).getTime();
  const end = new Date(`${c.to}T00:00:00+08:00`).getTime() + DAY;
  const sealed = data.postings.filter((p) => BigInt(p.seq) <= data.lastSeq && new Date(p.occurred_at).getTime() >= start && new Date(p.occurred_at).getTime() < end);
  const markets = new Set(data.markets.filter((m) => m.org_unit_id === unit).map((m) => `market:${m.market_id}:points`));
  const members = new Set(data.members.filter((m) => m.home_org_unit_id === unit).map((m) => `member:${m.member_id}:points`));
  const total = (g: (p: Raw['postings'][number]) => boolean) => sealed.filter(g).reduce((s, p) => s.plus(p.amount), new Decimal(0));
  const value = {
    issued: total((p) => p.account_id === `issuance:${unit}:points`).neg(),
    spent: total((p) => markets.has(p.account_id) && ['redemption', 'capture', 'reversal'].includes(p.kind)),
    refunded: total((p) => markets.has(p.account_id) && p.kind === 'refund').neg(),
    expired: total((p) => members.has(p.account_id) && p.kind === 'expiry').neg(),
  }[f];
  return dec(value);
}
