import { type Kysely, type RawBuilder, sql } from 'kysely';
import { foldInSteps } from '../db/fold.js';
import type { DB } from '../db/schema.js';
import { awardChangesSql } from '../ledger/index.js';

// Counted records (migration 0016), this module's tables: the service records a participation
// report counts, folded in from sealed entries only, in sequence order, each entry once
// (src/db/fold.ts; counted_records_through says how far). The records' own columns (member,
// unit, category, source, start) are read from service_records, a borrowed table
// (test/table-ownership.test.ts): they never change once a record is posted; only its hours do,
// and those come from its awards.

export interface CountedChange {
  record_id: string;
  member_id: string;
  org_unit_id: string;
  /** China-time day its service started. */
  day: string;
  /** year × 12 + month − 1 of that day. */
  month: number;
  category: string;
  checkin: boolean;
  cents: number;
  awards: number;
}

/**
 * The records whose awards the entries in (afterSeq, uptoSeq] changed: the change (hours in
 * hundredths, awards) with what a report groups the record by. What a fold adds to the table, and
 * what a report adds to it for the entries sealed since the last fold.
 */
export function countedChangesSql(tenantId: string, afterSeq: string, uptoSeq: string): RawBuilder<CountedChange> {
  return sql`(SELECT r.record_id, r.member_id, r.org_unit_id, d.day, (date_part('year', d.day) * 12 + date_part('month', d.day) - 1)::int AS month,
      r.category, r.source = 'checkin' AS checkin, a.cents, a.awards
    FROM ${awardChangesSql(tenantId, 'service_record', afterSeq, uptoSeq)} AS a
    JOIN service_records r ON r.tenant_id = ${tenantId} AND r.record_id = a.object_id::uuid
    CROSS JOIN LATERAL (SELECT (r.started_at AT TIME ZONE 'UTC' + interval '8 hours')::date AS day) d)`;
}

/** The changed records (countedChangesSql) that count after the change, each with its hours then (the folded row's and the change's). */
export function countedNowSql(tenantId: string, changed: RawBuilder<CountedChange>) {
  return sql<Omit<CountedChange, 'awards'>>`(SELECT x.record_id, x.member_id, x.org_unit_id, x.day, x.month, x.category, x.checkin, coalesce(c.cents, 0) + x.cents AS cents
    FROM ${changed} AS x LEFT JOIN counted_records c ON c.tenant_id = ${tenantId} AND c.record_id = x.record_id
    WHERE coalesce(c.awards, 0) + x.awards > 0)`;
}

/**
 * What the changes do to the day totals, as rows to add up: each changed record's folded row taken
 * away (records −1, its hours negative), and its row after the change added when it still counts.
 */
export function countedMovesSql(tenantId: string, changed: RawBuilder<CountedChange>) {
  return sql<{ org_unit_id: string; day: string; month: number; category: string; checkin: boolean; records: number; cents: string }>`(
    SELECT c.org_unit_id, c.day, c.month, c.category, c.checkin, -1 AS records, -c.cents::bigint AS cents
    FROM ${changed} AS x JOIN counted_records c ON c.tenant_id = ${tenantId} AND c.record_id = x.record_id
    UNION ALL
    SELECT n.org_unit_id, n.day, n.month, n.category, n.checkin, 1, n.cents::bigint FROM ${countedNowSql(tenantId, changed)} AS n)`;
}

/** How far the tenant's entries are folded in (0 when none is). */
export async function countedThrough(db: Kysely<DB>, tenantId: string): Promise<string> {
  const { rows } = await sql<{ seq: string }>`SELECT seq::text FROM counted_records_through WHERE tenant_id = ${tenantId}`.execute(db);
  return rows[0]?.seq ?? '0';
}

/** Folds the tenant's entries up to `uptoSeq` (sealed) into the counted records and their day totals; a no-op when they are. Returns the entries' sequence numbers folded. */
export async function foldCountedRecords(db: Kysely<DB>, tenantId: string, uptoSeq: string): Promise<bigint> {
  return foldInSteps(db, tenantId, uptoSeq, {
    lock: 23024,
    step: 250_000n,
    through: async (trx) => BigInt(await countedThrough(trx, tenantId)),
    fold: async (trx, after, upto) => {
      // A step's changes (up to 250,000 records) are hashed and joined in memory, never re-read
      // from a file per row: the bench saw a step take minutes with the default 4 MB.
      await sql`SET LOCAL work_mem = '128MB'`.execute(trx);
      // One statement: the day totals move by the rows as they were before it (one snapshot).
      await sql`WITH x AS MATERIALIZED ${countedChangesSql(tenantId, String(after), String(upto))},
        totals AS (
          INSERT INTO counted_day_totals (tenant_id, org_unit_id, day, category, checkin, month, records, cents)
          SELECT ${tenantId}, m.org_unit_id, m.day, m.category, m.checkin, m.month, sum(m.records), sum(m.cents)
          FROM ${countedMovesSql(tenantId, sql`x`)} AS m GROUP BY m.org_unit_id, m.day, m.category, m.checkin, m.month
          ON CONFLICT (tenant_id, org_unit_id, day, category, checkin) DO UPDATE
            SET records = counted_day_totals.records + EXCLUDED.records, cents = counted_day_totals.cents + EXCLUDED.cents
        )
        INSERT INTO counted_records (tenant_id, record_id, member_id, org_unit_id, day, month, category, checkin, cents, awards)
        SELECT ${tenantId}, c.record_id, c.member_id, c.org_unit_id, c.day, c.month, c.category, c.checkin, c.cents, c.awards FROM x AS c
        ON CONFLICT (tenant_id, record_id) DO UPDATE
          SET cents = counted_records.cents + EXCLUDED.cents, awards = counted_records.awards + EXCLUDED.awards`.execute(trx);
      // A record whose every award is reversed (revoked) no longer counts (a partial index finds them).
      await sql`DELETE FROM counted_records WHERE tenant_id = ${tenantId} AND awards = 0`.execute(trx);
      await sql`INSERT INTO counted_records_through (tenant_id, seq) VALUES (${tenantId}, ${String(upto)}::bigint)
        ON CONFLICT (tenant_id) DO UPDATE SET seq = EXCLUDED.seq`.execute(trx);
    },
  });
}
