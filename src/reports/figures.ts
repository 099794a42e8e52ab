import { type Kysely, sql } from 'kysely';
import { fromJsonb } from '../db/json.js';
import type { DB } from '../db/schema.js';
import { countedChangesSql, countedMovesSql, countedNowSql } from './counted.js';

// The report's reads of counted records, members and units (a borrower of members and org_units,
// see test/table-ownership.test.ts): one statement over one snapshot, read-only. A record counts
// when its award entry is sealed (sequence number up to the snapshot's) and it was not revoked by
// a sealed entry: counted_records up to where they are folded (counted.ts), and what the entries
// sealed since changed. It counts in the month (China time) its service started, for the unit
// that recorded it. The pass over the period's counted records is `r`; every breakdown aggregates it.

export interface Subtree {
  tenantId: string;
  orgUnitId: string;
  path: string;
}

export interface Period {
  /** China-time days, both included. */
  fromDay: string;
  toDay: string;
  end: Date;
}

export interface Bucket {
  key: string;
  records: number;
  hours: string;
  checkin: string;
  manual: string;
  active: number;
}

export interface RecordFigures {
  total: Bucket;
  months: Bucket[];
  categories: Bucket[];
  /** By the unit itself and each of its direct children (records of the units under a child count for it). */
  units: Bucket[];
  registered: number;
  /** Members (home in the subtree) whose counted hours in the period reach the goal. */
  reachingGoal: number;
  stars: { stars: number; members: number }[];
}

export interface PassOptions {
  /** year × 12 + month − 1 of the period's first month (China time): months are counted from it. */
  monthZero: number;
  /** Months the period touches (at most 62: a member's months are bits of a bigint). */
  months: number;
  /** Distinct members per category too (by=category): one more pass. */
  byCategory: boolean;
}

/**
 * The one pass over the period's counted records `r`: `big`, a hashed GROUP BY per recording unit
 * and member of narrow rows with integer sums (sum(integer) adds in a bigint; a sum of bigints
 * would be a numeric, ten times the cost): their hours and the months served as bits of a bigint.
 * The additive figures are `small`, the day totals per unit, month, category and source. Every
 * other figure is summed from those, a few hundred thousand rows at most: per child unit and
 * member, per member, per month, per child. Distinct members of a month are the members with its
 * bit set, those of a unit or category the rows of its (key, member) set: no count(DISTINCT),
 * which would sort the records once per breakdown. Hours are divided by 100 once per bucket.
 */
function passes(o: PassOptions) {
  const monthKey = (m: ReturnType<typeof sql.ref>) =>
    sql`lpad(((${o.monthZero}::int + ${m}) / 12)::text, 4, '0') || '-' || lpad((((${o.monthZero}::int + ${m}) % 12) + 1)::text, 2, '0')`;
  const sums = sql.raw(`sum(b.records) AS records, sum(b.cents) / 100.0 AS hours, coalesce(sum(b.cents) FILTER (WHERE b.checkin), 0) / 100.0 AS checkin,
        coalesce(sum(b.cents) FILTER (WHERE NOT b.checkin), 0) / 100.0 AS manual`);
  return sql`big AS MATERIALIZED (
      SELECT r.org_unit_id, r.member_id, sum(r.cents)::int AS cents, bit_or(1::bigint << r.m) AS served FROM r GROUP BY r.org_unit_id, r.member_id
    ),
    small AS MATERIALIZED (
      SELECT d.org_unit_id, d.month - ${o.monthZero}::int AS m, d.category, d.checkin, sum(d.records)::int AS records, sum(d.cents) AS cents
      FROM totals d GROUP BY d.org_unit_id, d.month, d.category, d.checkin HAVING sum(d.records) > 0
    ),
    -- Per child unit and member: a member who served at two stations under one child is one
    -- volunteer of that child.
    unit_members AS MATERIALIZED (
      SELECT u.child, b.member_id, sum(b.cents)::int AS cents, bit_or(b.served) AS served
      FROM big b JOIN u ON u.org_unit_id = b.org_unit_id GROUP BY u.child, b.member_id
    ),
    members AS MATERIALIZED (
      SELECT p.member_id, sum(p.cents)::int AS cents, bit_or(p.served) AS served FROM unit_members p GROUP BY p.member_id
    ),
    active_months AS (
      -- One pass over the members' rows, a sum of one bit per month (no row per member and month).
      SELECT a.m::int - 1 AS m, a.active FROM (
        SELECT ARRAY[${sql.join(Array.from({ length: o.months }, (_, i) => sql`sum((p.served >> ${sql.lit(i)}) & 1)`))}] AS counts
        FROM members p
      ) c CROSS JOIN LATERAL unnest(c.counts) WITH ORDINALITY AS a(active, m)
    ),
    ${o.byCategory ? sql`category_members AS (SELECT p.category, count(*) AS active FROM (SELECT r.category, r.member_id FROM r GROUP BY r.category, r.member_id) p GROUP BY p.category),` : sql``}
    sums AS (SELECT u.child, s.m, s.category, s.checkin, s.records, s.cents FROM small s JOIN u ON u.org_unit_id = s.org_unit_id),
    buckets AS (
      SELECT 'total' AS dim, '' AS key, ${sums}, (SELECT count(*) FROM members) AS active FROM sums b
      UNION ALL
      SELECT 'month', ${monthKey(sql.ref('b.m'))}, ${sums}, min(coalesce(a.active, 0))
      FROM sums b LEFT JOIN active_months a ON a.m = b.m GROUP BY b.m
      UNION ALL
      SELECT 'unit', b.child, ${sums}, min(a.active)
      FROM sums b LEFT JOIN (SELECT p.child, count(*) AS active FROM unit_members p GROUP BY p.child) a ON a.child = b.child GROUP BY b.child
      UNION ALL
      ${o.byCategory
        ? sql`SELECT 'category', b.category, ${sums}, min(a.active) FROM sums b LEFT JOIN category_members a ON a.category = b.category GROUP BY b.category`
        : sql`SELECT 'category', b.category, ${sums}, NULL FROM sums b GROUP BY b.category`}
    )`;
}

function bucketJson(dim: string) {
  return sql`SELECT coalesce(jsonb_agg(jsonb_build_object('key', b.key, 'records', coalesce(b.records, 0), 'hours', coalesce(b.hours, 0)::text,
      'checkin', coalesce(b.checkin, 0)::text, 'manual', coalesce(b.manual, 0)::text, 'active', b.active) ORDER BY b.key), '[]')
    FROM buckets b WHERE b.dim = ${dim}`;
}

type FiguresRow = { total: unknown; months: unknown; categories: unknown; units: unknown; registered: string; reaching: string; stars: unknown };

/** Where the counted records are read up to: folded through `through`, sealed up to `lastSeq` (the snapshot's). */
export interface Counted {
  through: string;
  lastSeq: string;
  /** The subtree's unit ids. */
  unitIds: string[];
}

/** The statement of recordFigures (apart, so that the bench can show its plan). */
export function recordFiguresSql(unit: Subtree, period: Period, counted: Counted, goalHours: string, o: PassOptions) {
  const t = unit.tenantId;
  // The changes since the fold, written out where each use needs them (four reads of a few
  // entries by sequence number), not as one CTE: a scan of a CTE keeps Postgres from running the
  // pass over the counted rows with parallel workers (seen on the bench's county: no Gather).
  const changed = countedChangesSql(t, counted.through, counted.lastSeq);
  const inPeriod = (c: string) => {
    const col = (name: string) => sql.ref(`${c}.${name}`);
    return sql`${col('day')} >= ${period.fromDay}::date AND ${col('day')} <= ${period.toDay}::date AND ${col('org_unit_id')} = ANY(${counted.unitIds}::text[])`;
  };
  return sql<FiguresRow>`
    WITH u AS MATERIALIZED (
      SELECT o.org_unit_id, CASE WHEN o.path = ${unit.path} THEN o.org_unit_id ELSE split_part(substr(o.path, length(${unit.path}) + 1), '/', 1) END AS child
      FROM org_units o WHERE o.tenant_id = ${t} AND o.path LIKE ${`${unit.path}%`}
    ),
    r AS NOT MATERIALIZED (
      -- The folded rows but those the entries sealed since changed, and those as changed (few:
      -- the service folds a few seconds behind the sealer). Scanned once per pass: narrow rows
      -- with their month, source and hours worked out, so a pass costs its grouping and no more.
      SELECT c.org_unit_id, c.member_id, c.category, c.checkin, c.cents, c.month - ${o.monthZero}::int AS m
      FROM counted_records c
      WHERE c.tenant_id = ${t} AND ${inPeriod('c')} AND c.record_id NOT IN (SELECT x.record_id FROM ${changed} AS x)
      UNION ALL
      SELECT x.org_unit_id, x.member_id, x.category, x.checkin, x.cents, x.month - ${o.monthZero}::int
      FROM ${countedNowSql(t, changed)} AS x WHERE ${inPeriod('x')}
    ),
    totals AS NOT MATERIALIZED (
      -- The day totals, moved by the same changes (as a fold would move them).
      SELECT d.org_unit_id, d.month, d.category, d.checkin, d.records, d.cents FROM counted_day_totals d WHERE d.tenant_id = ${t} AND ${inPeriod('d')}
      UNION ALL
      SELECT m.org_unit_id, m.month, m.category, m.checkin, m.records, m.cents FROM ${countedMovesSql(t, changed)} AS m WHERE ${inPeriod('m')}
    ),
    home AS MATERIALIZED (
      SELECT m.member_id, m.stars FROM members m
      WHERE m.tenant_id = ${t} AND m.home_org_unit_id IN (SELECT org_unit_id FROM u) AND m.created_at < ${period.end.toISOString()}::timestamptz
    ),
    ${passes(o)}
    SELECT (${bucketJson('total')}) AS total,
      (${bucketJson('month')}) AS months,
      (${bucketJson('category')}) AS categories,
      (${bucketJson('unit')}) AS units,
      (SELECT count(*) FROM home)::text AS registered,
      (SELECT count(*) FROM members p WHERE p.cents >= round(${goalHours}::numeric * 100) AND p.member_id IN (SELECT member_id FROM home))::text AS reaching,
      (SELECT coalesce(jsonb_agg(jsonb_build_object('stars', s.stars, 'members', s.n) ORDER BY s.stars), '[]')
        FROM (SELECT stars, count(*) AS n FROM home GROUP BY stars) s) AS stars`;
}

export async function recordFigures(db: Kysely<DB>, unit: Subtree, period: Period, counted: Counted, goalHours: string, o: PassOptions): Promise<RecordFigures> {
  const { rows } = await recordFiguresSql(unit, period, counted, goalHours, o).execute(db);
  const row = rows[0]!;
  const buckets = (v: unknown) => fromJsonb<Bucket[]>(v as string).map((b) => ({ ...b, records: Number(b.records), active: Number(b.active) }));
  const total = buckets(row.total)[0] ?? { key: '', records: 0, hours: '0', checkin: '0', manual: '0', active: 0 };
  return {
    total,
    months: buckets(row.months),
    categories: buckets(row.categories),
    units: buckets(row.units),
    registered: Number(row.registered),
    reachingGoal: Number(row.reaching),
    stars: fromJsonb<{ stars: number; members: number }[]>(row.stars as string).map((s) => ({ stars: Number(s.stars), members: Number(s.members) })),
  };
}

/** The issuance accounts' unit ids and the markets of the subtree. */
export async function unitsAndMarkets(db: Kysely<DB>, unit: Subtree): Promise<{ units: { id: string; name: string; parentId: string | null }[]; markets: string[] }> {
  const units = await db
    .selectFrom('org_units')
    .select(['org_unit_id', 'name', 'parent_id'])
    .where('tenant_id', '=', unit.tenantId)
    .where('path', 'like', `${unit.path}%`)
    .orderBy('path')
    .execute();
  const markets = await db
    .selectFrom('markets')
    .select('market_id')
    .where('tenant_id', '=', unit.tenantId)
    .where('org_unit_id', 'in', units.length ? units.map((u) => u.org_unit_id) : [''])
    .execute();
  return { units: units.map((u) => ({ id: u.org_unit_id, name: u.name, parentId: u.parent_id })), markets: markets.map((m) => m.market_id) };
}

/** The ids (text) of the members whose home is in the subtree, as a subquery for the ledger's reads. */
export function homeMembersSql(unit: Subtree) {
  return sql`(SELECT m.member_id::text FROM members m JOIN org_units o ON o.tenant_id = m.tenant_id AND o.org_unit_id = m.home_org_unit_id
    WHERE m.tenant_id = ${unit.tenantId} AND o.path LIKE ${`${unit.path}%`})`;
}
