import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';

// What a member's statement (src/statements) shows of the service record behind a movement of
// hours or points: the record's own words, read for a whole page of movements at once.

export interface RecordCause {
  recordId: string;
  title: string;
  orgUnitId: string;
  category: string;
  source: 'checkin' | 'manual';
  startedAt: string;
  endedAt: string;
  hours: string;
  status: 'submitted' | 'verified' | 'rejected' | 'revoked';
  /** The resident's rating (评单), 1–5, when there is one. */
  rating: number | null;
}

/** The records with these ids, by id (ids that are no record are left out). One query, whatever the count. */
export async function recordCauses(db: Kysely<DB>, tenantId: string, recordIds: string[]): Promise<Map<string, RecordCause>> {
  const ids = [...new Set(recordIds)];
  if (ids.length === 0) return new Map();
  const { rows } = await sql<{
    record_id: string; title: string; org_unit_id: string; category: string; source: RecordCause['source'];
    started_at: Date; ended_at: Date; hours: string; status: RecordCause['status']; rating: number | null;
  }>`SELECT record_id, title, org_unit_id, category, source, started_at, ended_at, hours::text AS hours, status, rating
    FROM service_records WHERE tenant_id = ${tenantId} AND record_id = ANY(${ids}::uuid[])`.execute(db);
  return new Map(
    rows.map((r) => [
      r.record_id,
      {
        recordId: r.record_id,
        title: r.title,
        orgUnitId: r.org_unit_id,
        category: r.category,
        source: r.source,
        startedAt: new Date(r.started_at).toISOString(),
        endedAt: new Date(r.ended_at).toISOString(),
        hours: r.hours,
        status: r.status,
        rating: r.rating,
      },
    ]),
  );
}
