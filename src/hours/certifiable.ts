import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { formatAmount } from '../ledger/index.js';
import { unitsUnderSql } from '../orgunits/orgUnits.js';

// What the certificates module (志愿服务记录证明) reads of service records: the verified records a
// unit may certify, and what happened to certified records afterwards. Here because this module
// owns service_records and service_record_events.

export interface CertifiableRecord {
  recordId: string;
  orgUnitId: string;
  title: string;
  content: string | null;
  place: string | null;
  category: string;
  startedAt: string;
  endedAt: string;
  hours: string;
  awardEntryId: string;
}

/**
 * A member's verified records that started in [from, to) and were recorded by the unit at
 * `unitPath` or a unit under it (谁记录谁证明), oldest first; at most `limit`.
 */
export async function certifiableRecords(
  db: Kysely<DB>,
  tenantId: string,
  q: { memberId: string; unitPath: string; from: Date; to: Date; limit: number },
): Promise<CertifiableRecord[]> {
  const rows = await db
    .selectFrom('service_records as r')
    .select(['r.record_id', 'r.org_unit_id', 'r.title', 'r.content', 'r.place', 'r.category', 'r.started_at', 'r.ended_at', 'r.hours', 'r.award_entry_id'])
    .where('r.tenant_id', '=', tenantId)
    .where('r.member_id', '=', q.memberId)
    .where('r.status', '=', 'verified')
    .where('r.started_at', '>=', q.from)
    .where('r.started_at', '<', q.to)
    .where(sql<boolean>`r.org_unit_id IN ${unitsUnderSql(tenantId, q.unitPath)}`)
    .orderBy('r.started_at')
    .orderBy('r.record_id')
    .limit(q.limit)
    .execute();
  return rows.map((r) => ({
    recordId: r.record_id,
    orgUnitId: r.org_unit_id,
    title: r.title,
    content: r.content,
    place: r.place,
    category: r.category,
    startedAt: new Date(r.started_at).toISOString(),
    endedAt: new Date(r.ended_at).toISOString(),
    hours: formatAmount(r.hours),
    awardEntryId: r.award_entry_id!,
  }));
}

/** A change of a certified record after the certificate was issued. */
export interface RecordChange {
  recordId: string;
  kind: 'corrected' | 'revoked';
  at: string;
  /** A correction's new hours; null for a revocation. */
  hoursAfter: string | null;
}

/**
 * The corrections and revocations of these records after `since`, oldest first. Always one
 * statement, whatever the list holds (an empty list too): the public check of a certificate
 * costs the same whether its code was found or not.
 */
export async function recordChangesSince(db: Kysely<DB>, tenantId: string, recordIds: string[], since: Date): Promise<RecordChange[]> {
  const rows = await sql<{ record_id: string; type: 'corrected' | 'revoked'; at: Date | string; hours_after: string | null }>`
    SELECT e.record_id, e.type, e.at, e.detail->>'hoursAfter' AS hours_after
    FROM service_record_events e
    WHERE e.tenant_id = ${tenantId} AND e.record_id = ANY(${recordIds}::uuid[])
      AND e.type IN ('corrected', 'revoked') AND e.at > ${since}
    ORDER BY e.at, e.record_id, e.event_no`.execute(db);
  return rows.rows.map((r) => ({
    recordId: r.record_id,
    kind: r.type,
    at: new Date(r.at).toISOString(),
    hoursAfter: r.hours_after === null ? null : formatAmount(r.hours_after),
  }));
}
