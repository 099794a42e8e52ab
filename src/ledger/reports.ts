import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { formatAmount } from './amount.js';

// Reads for participation reports (issue 23): what the ledger holds up to a sealed sequence
// number, so every figure a report gives can be worked out again from the sealed journal.

/**
 * What the entries with sequence numbers in (afterSeq, uptoSeq] did to the awards of objects of
 * one type (service records), as a subquery of (object_id, cents, awards) for another module's
 * statement, one row per object: an award entry adds its hours (metadata.hours, as the award was
 * written and sealed) in hundredths and one award, the reversal of an award takes them away. A
 * correction (a new award, the old one reversed) nets to the change of hours and no award; a
 * revocation to minus the hours and minus one award. Found by sequence number (UNIQUE (tenant_id,
 * seq)), so a range of a few entries reads a few rows.
 */
export function awardChangesSql(tenantId: string, objectType: string, afterSeq: string, uptoSeq: string): RawBuilder<{ object_id: string; cents: number; awards: number }> {
  const range = sql`e.tenant_id = ${tenantId} AND e.seq > ${afterSeq}::bigint AND e.seq <= ${uptoSeq}::bigint`;
  return sql`(SELECT x.object_id, sum(x.cents)::int AS cents, sum(x.awards)::int AS awards FROM (
      SELECT e.object_id, round((e.metadata->>'hours')::numeric * 100)::int AS cents, 1 AS awards
      FROM ledger_entries e WHERE ${range} AND e.kind = 'award' AND e.object_type = ${objectType}
      UNION ALL
      SELECT o.object_id, -round((o.metadata->>'hours')::numeric * 100)::int, -1
      FROM ledger_entries e JOIN ledger_entries o ON o.tenant_id = e.tenant_id AND o.entry_id = e.reverses_entry_id
      WHERE ${range} AND e.kind = 'reversal' AND o.kind = 'award' AND o.object_type = ${objectType}
    ) x GROUP BY x.object_id)`;
}

export interface PointsFlows {
  /** Month (YYYY-MM, China time) of the entries' business time, or null for the whole period. */
  month: string | null;
  /** Points credited to members by awards and bonuses, net of their reversals (issuance accounts). */
  issued: string;
  /** Points spent at markets (redemptions and captured holds credit the market's account), net of their reversals. */
  spent: string;
  /** Points given back by refunds (debits of the market's account). */
  refunded: string;
  /** Points that lapsed (expiry entries' debits of the members' points accounts). */
  expired: string;
}

/**
 * The points moved by entries up to `lastSeq` whose business time (occurred_at) is on the China-time
 * days fromDay..toDay ([from, to) as instants): issued from the given issuance accounts, spent at
 * and refunded by the given market accounts, expired from the given members' points accounts
 * (`memberIds`: a subquery of member ids as text). Each a sum of postings, by month of China time
 * when asked; a month with no movement has no row. The entries already folded into the day totals
 * (dayTotals.ts) are read from them; the few sealed after, up to lastSeq, from the postings.
 */
export async function pointsFlows(
  db: Kysely<DB>,
  tenantId: string,
  q: { lastSeq: string; from: Date; to: Date; fromDay: string; toDay: string; issuance: string[]; markets: string[]; memberIds: RawBuilder<unknown>; byMonth: boolean },
): Promise<PointsFlows[]> {
  const month = q.byMonth ? sql`m.month` : sql`NULL::text`;
  const side = (account: ReturnType<typeof sql.ref>) =>
    sql`CASE WHEN ${account} = ANY(${q.issuance}::text[]) THEN 'issuance' WHEN ${account} = ANY(${q.markets}::text[]) THEN 'market' ELSE 'expiry' END`;
  // How far the day totals go, read first: as a value in the statement (planned for its values),
  // the range of entries past it is planned as the few rows it is, not a third of the ledger.
  const folded = await sql<{ seq: string }>`SELECT least(coalesce((SELECT seq FROM ledger_day_totals_through WHERE tenant_id = ${tenantId}), 0),
    ${q.lastSeq}::bigint)::text AS seq`.execute(db);
  const through = folded.rows[0]!.seq;
  const { rows } = await sql<{ month: string | null; issued: string; spent: string; refunded: string; expired: string }>`
    WITH expiring AS MATERIALIZED (SELECT 'member:' || m.id || ':points' AS account_id FROM ${q.memberIds} AS m(id)),
    moved AS (
      SELECT ${side(sql.ref('d.account_id'))} AS side, d.kind, d.amount, to_char(d.day, 'YYYY-MM') AS month
      FROM ledger_day_totals d
      WHERE d.tenant_id = ${tenantId} AND d.day >= ${q.fromDay}::date AND d.day <= ${q.toDay}::date
        AND (d.account_id = ANY(${q.issuance}::text[]) OR d.account_id = ANY(${q.markets}::text[])
             OR (d.kind = 'expiry' AND d.account_id IN (SELECT account_id FROM expiring)))
      UNION ALL
      SELECT ${side(sql.ref('p.account_id'))}, e.kind, p.amount, to_char(e.occurred_at AT TIME ZONE 'UTC' + interval '8 hours', 'YYYY-MM')
      -- From the entries by sequence number (their unique index finds the few past the day totals),
      -- then their postings by key: a range on the postings' own seq has no index of its own, and
      -- read every posting of the tenant (a quarter of a second at a million entries).
      FROM ledger_entries e JOIN ledger_postings p ON p.tenant_id = e.tenant_id AND p.entry_id = e.entry_id
      WHERE e.tenant_id = ${tenantId} AND e.seq > ${through}::bigint AND e.seq <= ${q.lastSeq}::bigint
        AND e.occurred_at >= ${q.from.toISOString()}::timestamptz AND e.occurred_at < ${q.to.toISOString()}::timestamptz
        AND (p.account_id = ANY(${q.issuance}::text[]) OR p.account_id = ANY(${q.markets}::text[])
             OR (e.kind = 'expiry' AND p.account_id IN (SELECT account_id FROM expiring)))
    )
    SELECT ${month} AS month,
      (-coalesce(sum(m.amount) FILTER (WHERE m.side = 'issuance'), 0))::text AS issued,
      coalesce(sum(m.amount) FILTER (WHERE m.side = 'market' AND m.kind IN ('redemption', 'capture', 'reversal')), 0)::text AS spent,
      (-coalesce(sum(m.amount) FILTER (WHERE m.side = 'market' AND m.kind = 'refund'), 0))::text AS refunded,
      (-coalesce(sum(m.amount) FILTER (WHERE m.side = 'expiry'), 0))::text AS expired
    FROM moved m
    GROUP BY 1 ORDER BY 1`.execute(db);
  return rows.map((r) => ({
    month: r.month,
    issued: formatAmount(r.issued),
    spent: formatAmount(r.spent),
    refunded: formatAmount(r.refunded),
    expired: formatAmount(r.expired),
  }));
}
