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

function bucketJson(key: ReturnType<typeof sql>) {
  return sql`SELECT coalesce(jsonb_agg(jsonb_build_object('key', b.key, 'records', b.records, 'hours', b.hours, 'checkin', b.checkin,
      'manual', b.manual, 'active', b.active) ORDER BY b.key), '[]') FROM (
    SELECT ${key} AS key, count(*) AS records, coalesce(sum(r.hours), 0)::text AS hours,
      coalesce(sum(r.hours) FILTER (WHERE r.source = 'checkin'), 0)::text AS checkin,
      coalesce(sum(r.hours) FILTER (WHERE r.source = 'manual'), 0)::text AS manual,
      count(DISTINCT r.member_id) AS active
    FROM r GROUP BY 1) b`;
}

export async function recordFigures(db: Kysely<DB>, unit: Subtree, period: Period, lastSeq: string, goalHours: string): Promise<RecordFigures> {
  const t = unit.tenantId;
  const { rows } = await sql<{ total: unknown; months: unknown; categories: unknown; units: unknown; registered: string; reaching: string; stars: unknown }>`
    WITH u AS MATERIALIZED (
      SELECT o.org_unit_id, CASE WHEN o.path = ${unit.path} THEN o.org_unit_id ELSE split_part(substr(o.path, length(${unit.path}) + 1), '/', 1) END AS child
      FROM org_units o WHERE o.tenant_id = ${t} AND o.path LIKE ${`${unit.path}%`}
    ),
    after AS MATERIALIZED ${entriesAfterSql(t, lastSeq)},
    r AS MATERIALIZED (
      SELECT r.member_id, u.child, r.category, r.source, r.hours,
        to_char(r.started_at AT TIME ZONE 'UTC' + ${CST}, 'YYYY-MM') AS month
      FROM service_records r JOIN u ON u.org_unit_id = r.org_unit_id
      WHERE r.tenant_id = ${t} AND r.started_at >= ${period.start.toISOString()}::timestamptz AND r.started_at < ${period.end.toISOString()}::timestamptz
        AND r.status IN ('verified', 'revoked') AND r.award_entry_id IS NOT NULL
        AND r.award_entry_id NOT IN (SELECT a.entry_id FROM after a)
        AND (r.status = 'verified' OR r.award_entry_id IN (SELECT a.reverses_entry_id FROM after a WHERE a.reverses_entry_id IS NOT NULL))
    ),
    home AS MATERIALIZED (
      SELECT m.member_id, m.stars FROM members m
      WHERE m.tenant_id = ${t} AND m.home_org_unit_id IN (SELECT org_unit_id FROM u) AND m.created_at < ${period.end.toISOString()}::timestamptz
    )
    SELECT (${bucketJson(sql`''`)}) AS total,
      (${bucketJson(sql`r.month`)}) AS months,
      (${bucketJson(sql`r.category`)}) AS categories,
      (${bucketJson(sql`r.child`)}) AS units,
      (SELECT count(*) FROM home)::text AS registered,
      (SELECT count(*) FROM (SELECT r.member_id FROM r WHERE r.member_id IN (SELECT member_id FROM home)
        GROUP BY r.member_id HAVING sum(r.hours) >= ${goalHours}::numeric) g)::text AS reaching,
      (SELECT coalesce(jsonb_agg(jsonb_build_object('stars', s.stars, 'members', s.n) ORDER BY s.stars), '[]')
        FROM (SELECT stars, count(*) AS n FROM home GROUP BY stars) s) AS stars`.execute(db);
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
