import { type Kysely, sql } from 'kysely';
import { fromJsonb } from '../db/json.js';
import type { DB } from '../db/schema.js';
import { entriesAfterSql } from '../ledger/index.js';

// The report's reads of records, members, units and markets (a borrower of their tables, see
// test/table-ownership.test.ts): one statement over one snapshot, read-only. A record counts when
// its award entry is sealed (sequence number up to the snapshot's) and it was not revoked by a
// sealed entry; it counts in the month (China time) its service started, for the unit that
// recorded it. The one pass over the period's records is `r`; every breakdown aggregates it.

export interface Subtree {
  tenantId: string;
  orgUnitId: string;
  path: string;
}

export interface Period {
  start: Date;
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

const CST = sql`interval '8 hours'`;

export interface PassOptions {
  /** year × 12 + month − 1 of the period's first month (China time): months are counted from it. */
  monthZero: number;
  /** Months the period touches (at most 62: a member's months are bits of a bigint). */
  months: number;
  /** Distinct members per category too (by=category): one more grouping set. */
  byCategory: boolean;
}

// GROUPING(member_id, m, category, child): a bit set for each column a row is not grouped by.
const G = { month: 11, category: 13, unitMember: 6, categoryMember: 5 } as const;

/**
 * The one pass over the period's counted records, as hashed grouping sets: per child unit and
 * member (hours, records, and the months served as bits of a bigint), per month, per category (and
 * per category and member for by=category); per member is then summed from the (unit, member)
 * rows. Distinct members of a month are the members with its bit set, those of a unit or category
 * the rows of its (key, member) set: no count(DISTINCT), which would sort the million records once
 * per breakdown.
 */
function pass(o: PassOptions) {
  const sets = sql.raw(`(r.child, r.member_id), (r.m), (r.category)${o.byCategory ? ', (r.category, r.member_id)' : ''}`);
  const monthKey = (m: ReturnType<typeof sql.ref>) =>
    sql`lpad(((${o.monthZero}::int + ${m}) / 12)::text, 4, '0') || '-' || lpad((((${o.monthZero}::int + ${m}) % 12) + 1)::text, 2, '0')`;
  return sql`per AS MATERIALIZED (
      SELECT GROUPING(r.member_id, r.m, r.category, r.child) AS g, r.member_id, r.m, r.category, r.child,
        count(*) AS records, sum(r.cents) / 100.0 AS hours, coalesce(sum(r.cents) FILTER (WHERE r.source = 'checkin'), 0) / 100.0 AS checkin,
        coalesce(sum(r.cents) FILTER (WHERE r.source = 'manual'), 0) / 100.0 AS manual, bit_or(1::bigint << r.m) AS served
      FROM r GROUP BY GROUPING SETS (${sets})
    ),
    -- Per member, from the (unit, member) rows: a member serves under few units, so this is about
    -- one row per member, and the pass over the records hashes one set keyed by member, not two.
    members AS MATERIALIZED (
      SELECT p.member_id, sum(p.records) AS records, sum(p.hours) AS hours, sum(p.checkin) AS checkin, sum(p.manual) AS manual,
        bit_or(p.served) AS served
      FROM per p WHERE p.g = ${G.unitMember} GROUP BY p.member_id
    ),
    active_months AS (
      -- One pass over the members' rows, a sum of one bit per month (no row per member and month).
      SELECT a.m::int - 1 AS m, a.active FROM (
        SELECT ARRAY[${sql.join(Array.from({ length: o.months }, (_, i) => sql`sum((p.served >> ${sql.lit(i)}) & 1)`))}] AS counts
        FROM members p
      ) c CROSS JOIN LATERAL unnest(c.counts) WITH ORDINALITY AS a(active, m)
    ),
    buckets AS (
      SELECT 'total' AS dim, '' AS key, sum(p.records) AS records, sum(p.hours) AS hours, sum(p.checkin) AS checkin, sum(p.manual) AS manual, count(*) AS active
      FROM members p
      UNION ALL
      SELECT 'month', ${monthKey(sql.ref('p.m'))}, p.records, p.hours, p.checkin, p.manual, coalesce(a.active, 0)
      FROM per p LEFT JOIN active_months a ON a.m = p.m WHERE p.g = ${G.month}
      UNION ALL
      SELECT 'unit', p.child, sum(p.records), sum(p.hours), sum(p.checkin), sum(p.manual), count(*) FROM per p WHERE p.g = ${G.unitMember} GROUP BY p.child
      UNION ALL
      ${o.byCategory
        ? sql`SELECT 'category', p.category, sum(p.records), sum(p.hours), sum(p.checkin), sum(p.manual), count(*) FROM per p WHERE p.g = ${G.categoryMember} GROUP BY p.category`
        : sql`SELECT 'category', p.category, p.records, p.hours, p.checkin, p.manual, NULL FROM per p WHERE p.g = ${G.category}`}
    )`;
}

function bucketJson(dim: string) {
  return sql`SELECT coalesce(jsonb_agg(jsonb_build_object('key', b.key, 'records', b.records, 'hours', coalesce(b.hours, 0)::text,
      'checkin', coalesce(b.checkin, 0)::text, 'manual', coalesce(b.manual, 0)::text, 'active', b.active) ORDER BY b.key), '[]')
    FROM buckets b WHERE b.dim = ${dim}`;
}

type FiguresRow = { total: unknown; months: unknown; categories: unknown; units: unknown; registered: string; reaching: string; stars: unknown };

/** The statement of recordFigures (apart, so that the bench can show its plan). */
export function recordFiguresSql(unit: Subtree, period: Period, lastSeq: string, goalHours: string, o: PassOptions) {
  const t = unit.tenantId;
  const local = sql`(r.started_at AT TIME ZONE 'UTC' + ${CST})`;
  return sql<FiguresRow>`
    WITH u AS MATERIALIZED (
      SELECT o.org_unit_id, CASE WHEN o.path = ${unit.path} THEN o.org_unit_id ELSE split_part(substr(o.path, length(${unit.path}) + 1), '/', 1) END AS child
      FROM org_units o WHERE o.tenant_id = ${t} AND o.path LIKE ${`${unit.path}%`}
    ),
    after AS MATERIALIZED ${entriesAfterSql(t, lastSeq)},
    r AS (
      -- Hours in hundredths (hours have two places): every set sums every aggregate, and integer
      -- sums cost a fraction of numeric ones (the grouping was most of the report's time).
      SELECT r.member_id, u.child, r.category, r.source, (r.hours * 100)::bigint AS cents,
        (date_part('year', ${local}) * 12 + date_part('month', ${local}) - 1)::int - ${o.monthZero}::int AS m
      FROM service_records r JOIN u ON u.org_unit_id = r.org_unit_id
      WHERE r.tenant_id = ${t} AND r.started_at >= ${period.start.toISOString()}::timestamptz AND r.started_at < ${period.end.toISOString()}::timestamptz
        AND r.status IN ('verified', 'revoked') AND r.award_entry_id IS NOT NULL
        AND r.award_entry_id NOT IN (SELECT a.entry_id FROM after a)
        AND (r.status = 'verified' OR r.award_entry_id IN (SELECT a.reverses_entry_id FROM after a WHERE a.reverses_entry_id IS NOT NULL))
    ),
    home AS MATERIALIZED (
      SELECT m.member_id, m.stars FROM members m
      WHERE m.tenant_id = ${t} AND m.home_org_unit_id IN (SELECT org_unit_id FROM u) AND m.created_at < ${period.end.toISOString()}::timestamptz
    ),
    ${pass(o)}
    SELECT (${bucketJson('total')}) AS total,
      (${bucketJson('month')}) AS months,
      (${bucketJson('category')}) AS categories,
      (${bucketJson('unit')}) AS units,
      (SELECT count(*) FROM home)::text AS registered,
      (SELECT count(*) FROM members p WHERE p.hours >= ${goalHours}::numeric AND p.member_id IN (SELECT member_id FROM home))::text AS reaching,
      (SELECT coalesce(jsonb_agg(jsonb_build_object('stars', s.stars, 'members', s.n) ORDER BY s.stars), '[]')
        FROM (SELECT stars, count(*) AS n FROM home GROUP BY stars) s) AS stars`;
}

export async function recordFigures(db: Kysely<DB>, unit: Subtree, period: Period, lastSeq: string, goalHours: string, o: PassOptions): Promise<RecordFigures> {
  const { rows } = await recordFiguresSql(unit, period, lastSeq, goalHours, o).execute(db);
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
