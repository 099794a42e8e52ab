import { type Insertable, type Kysely, sql, type Transaction } from 'kysely';
import { type Caller, orgUnitSubtree } from '../auth/caller.js';
import { fromJsonb } from '../db/json.js';
import type { DB, ServiceRecordsTable } from '../db/schema.js';
import { type MemberState, memberStatesSql } from '../members/repository.js';
import { authorizeOrgUnit, checkInScope, findOrgUnit, unitsUnderSql } from '../orgunits/orgUnits.js';
import { DomainError } from '../problems.js';
import { starThresholdsSql } from '../tenants/tenants.js';
import { type DayRecord, localDay } from './period.js';
import { type RecordEvent, type RecordRow, type RecordStatus, type ServiceRecord, toRecord } from './record.js';

// The repository of service_records and service_record_events (with awardWriter.ts, the one
// statement that writes records with their awards): the only code that names them.

export type NewRecordValues = Insertable<ServiceRecordsTable> & { record_id: string; member_id: string };

export async function findRecord(db: Kysely<DB>, tenantId: string, recordId: string): Promise<RecordRow | undefined> {
  return db.selectFrom('service_records').selectAll().where('tenant_id', '=', tenantId).where('record_id', '=', recordId).executeTakeFirst();
}

/**
 * Locks a record for a change of its state, checking the caller may act for its org unit.
 * Lock order everywhere: the record first, then its member.
 */
export async function lockRecord(trx: Transaction<DB>, caller: Caller, recordId: string): Promise<RecordRow> {
  const row = await trx
    .selectFrom('service_records')
    .selectAll()
    .where('tenant_id', '=', caller.tenantId)
    .where('record_id', '=', recordId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new DomainError('record_not_found', { recordId });
  await authorizeOrgUnit(trx, caller, row.org_unit_id);
  return row;
}

/** Whether the caller may act on the record (it exists, and is in the caller's scope), without locking it. */
export async function authorizeRecord(db: Kysely<DB>, caller: Caller, recordId: string): Promise<void> {
  const row = await db
    .selectFrom('service_records')
    .select('org_unit_id')
    .where('tenant_id', '=', caller.tenantId)
    .where('record_id', '=', recordId)
    .executeTakeFirst();
  if (!row) throw new DomainError('record_not_found', { recordId });
  await authorizeOrgUnit(db, caller, row.org_unit_id);
}

/** Appends to a record's history; event numbers run 1, 2, 3… per record. */
export async function addEvent(
  trx: Transaction<DB>,
  tenantId: string,
  recordId: string,
  event: { type: string; actor: string | null; reason?: string | null; detail?: Record<string, unknown> },
): Promise<void> {
  await sql`INSERT INTO service_record_events (tenant_id, record_id, event_no, type, actor, reason, detail)
    SELECT ${tenantId}, ${recordId}, coalesce(max(event_no), 0) + 1, ${event.type}, ${event.actor}, ${event.reason ?? null},
      ${JSON.stringify(event.detail ?? {})}::jsonb
    FROM service_record_events WHERE tenant_id = ${tenantId} AND record_id = ${recordId}`.execute(trx);
}

export async function recordHistory(db: Kysely<DB>, tenantId: string, recordId: string): Promise<RecordEvent[]> {
  const rows = await db
    .selectFrom('service_record_events')
    .select(['event_no', 'type', 'at', 'actor', 'reason', 'detail'])
    .where('tenant_id', '=', tenantId)
    .where('record_id', '=', recordId)
    .orderBy('event_no')
    .execute();
  return rows.map((r) => ({
    no: r.event_no,
    type: r.type,
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    reason: r.reason,
    detail: fromJsonb(r.detail),
  }));
}

export async function setRejected(trx: Transaction<DB>, tenantId: string, recordId: string, reason: string): Promise<void> {
  await trx
    .updateTable('service_records')
    .set({ status: 'rejected', reject_reason: reason, updated_at: sql`now()` })
    .where('tenant_id', '=', tenantId)
    .where('record_id', '=', recordId)
    .execute();
}

export async function setRating(
  trx: Transaction<DB>,
  tenantId: string,
  recordId: string,
  rating: { stars: number; comment: string | null; bonusEntryId: string | null; bonusPoints: string | null },
): Promise<void> {
  await trx
    .updateTable('service_records')
    .set({
      rating: rating.stars,
      rating_comment: rating.comment,
      rated_at: sql`now()`,
      bonus_entry_id: rating.bonusEntryId,
      bonus_points: rating.bonusPoints,
      updated_at: sql`now()`,
    })
    .where('tenant_id', '=', tenantId)
    .where('record_id', '=', recordId)
    .execute();
}

export async function getRecord(db: Kysely<DB>, caller: Caller, recordId: string): Promise<ServiceRecord> {
  const row = await findRecord(db, caller.tenantId, recordId);
  if (!row) throw new DomainError('record_not_found', { recordId });
  await authorizeOrgUnit(db, caller, row.org_unit_id);
  return { ...toRecord(row), history: await recordHistory(db, caller.tenantId, recordId) };
}

export interface RecordFilter {
  memberId?: string | undefined;
  orgUnitId?: string | undefined;
  status?: RecordStatus | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && !Number.isNaN(Date.parse(String(v[0]))) && /^[0-9a-f-]{36}$/.test(String(v[1]))) {
      return [String(v[0]), String(v[1])];
    }
  } catch {
    // fall through
  }
  throw new DomainError('invalid_cursor');
}

/** Records newest first (by start), filtered; an org unit filter takes in the units under it. */
export async function listRecords(db: Kysely<DB>, caller: Caller, filter: RecordFilter): Promise<{ items: ServiceRecord[]; nextCursor: string | null }> {
  const subtree = orgUnitSubtree(caller);
  let query = db.selectFrom('service_records as r').selectAll('r').where('r.tenant_id', '=', caller.tenantId);
  if (subtree !== null) query = query.where(sql<boolean>`r.org_unit_id IN ${unitsUnderSql(caller.tenantId, subtree)}`);
  if (filter.orgUnitId) {
    const unit = await findOrgUnit(db, caller.tenantId, filter.orgUnitId);
    if (!unit) throw new DomainError('org_unit_not_found', { orgUnitId: filter.orgUnitId });
    checkInScope(caller, filter.orgUnitId, unit.path);
    query = query.where(sql<boolean>`r.org_unit_id IN ${unitsUnderSql(caller.tenantId, unit.path)}`);
  }
  if (filter.memberId) query = query.where('r.member_id', '=', filter.memberId);
  if (filter.status) query = query.where('r.status', '=', filter.status);
  if (filter.from) query = query.where('r.started_at', '>=', new Date(filter.from));
  if (filter.to) query = query.where('r.started_at', '<', new Date(filter.to));
  if (filter.cursor) {
    const [at, id] = decodeCursor(filter.cursor);
    query = query.where(sql<boolean>`(r.started_at, r.record_id) < (${at}::timestamptz, ${id}::uuid)`);
  }
  const rows = await query.orderBy('r.started_at', 'desc').orderBy('r.record_id', 'desc').limit(filter.limit + 1).execute();
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toRecord),
    nextCursor:
      rows.length > filter.limit && last
        ? Buffer.from(JSON.stringify([new Date(last.started_at).toISOString(), last.record_id])).toString('base64url')
        : null,
  };
}

/** The records of a tenant with these externalIds: their id, status and whether they are rated (the demo filler skips what exists). */
export async function recordsByExternalId(
  db: Kysely<DB>,
  tenantId: string,
  externalIds: string[],
): Promise<Map<string, { id: string; status: RecordStatus; rated: boolean }>> {
  if (externalIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('service_records')
    .select(['external_id', 'record_id', 'status', 'rating'])
    .where('tenant_id', '=', tenantId)
    .where(sql<boolean>`external_id = ANY(${externalIds}::text[])`)
    .execute();
  return new Map(rows.map((r) => [r.external_id, { id: r.record_id, status: r.status, rated: r.rating !== null }]));
}

/** What the daily cap and the overlap check need of a member's other live records around a period. */
export interface MemberDay {
  /** The live records on any China-time day the period touches. */
  neighbours: DayRecord[];
  /** A live record overlapping the period. */
  overlapping: string | null;
}

/**
 * For records of members (locked by the caller), in the order asked: what each member already has
 * on the China-time days the record touches (live records only, one record excluded when it is
 * being corrected), and a record overlapping its period. The same statement reads the state of
 * the members in `states` (balances, stars: the members module's SQL) and the tenant's star
 * thresholds: one round trip for the checks and the plans of a submission.
 */
export async function memberDays(
  trx: Transaction<DB>,
  tenantId: string,
  asked: { memberId: string; period: { startedAt: Date; endedAt: Date }; exclude: string | null }[],
  states: string[] = [],
): Promise<{ days: MemberDay[]; members: Map<string, MemberState>; thresholds: string[] }> {
  const col = <T>(f: (a: (typeof asked)[number]) => T) => asked.map(f);
  const { rows } = await sql<{
    neighbours: [number, number, string][] | string | null;
    overlapping: string | null;
    members: Record<string, MemberState> | string | null;
    thresholds: string[];
  }>`
    WITH x AS (
      SELECT * FROM unnest(${col((a) => a.memberId)}::uuid[], ${col((a) => a.exclude)}::uuid[],
        ${col((a) => localDay(a.period.startedAt).start.toISOString())}::timestamptz[],
        ${col((a) => localDay(new Date(a.period.endedAt.getTime() - 1)).end.toISOString())}::timestamptz[],
        ${col((a) => a.period.startedAt.toISOString())}::timestamptz[], ${col((a) => a.period.endedAt.toISOString())}::timestamptz[])
        WITH ORDINALITY AS x(member_id, exclude, day_start, day_end, started_at, ended_at, n)
    )
    SELECT
      -- Every live record with time on the days the period touches (day_start: the first day's
      -- start, day_end: the last day's end), as [start ms, end ms, hours] for dayShares.
      (SELECT coalesce(jsonb_agg(jsonb_build_array(
          (extract(epoch FROM s.started_at) * 1000)::bigint, (extract(epoch FROM s.ended_at) * 1000)::bigint, s.hours::text)), '[]')
        FROM service_records s
        WHERE s.tenant_id = ${tenantId} AND s.member_id = x.member_id AND s.status IN ('submitted', 'verified')
          AND s.record_id IS DISTINCT FROM x.exclude AND s.started_at < x.day_end AND s.ended_at > x.day_start) AS neighbours,
      (SELECT s.record_id FROM service_records s
        WHERE s.tenant_id = ${tenantId} AND s.member_id = x.member_id AND s.status IN ('submitted', 'verified')
          AND s.record_id IS DISTINCT FROM x.exclude AND s.started_at < x.ended_at AND s.ended_at > x.started_at LIMIT 1) AS overlapping,
      st.members, st.thresholds
    FROM (SELECT 1) AS one
    LEFT JOIN x ON true
    CROSS JOIN (SELECT ${starThresholdsSql(tenantId)} AS thresholds, ${memberStatesSql(tenantId, states)} AS members) AS st
    ORDER BY x.n`.execute(trx);
  const first = rows[0]!;
  return {
    days:
      asked.length === 0
        ? []
        : rows.map((r) => ({
            neighbours: fromJsonb(r.neighbours ?? []).map(([startedAt, endedAt, hours]) => ({ startedAt: Number(startedAt), endedAt: Number(endedAt), hours })),
            overlapping: r.overlapping ?? null,
          })),
    members: new Map(Object.entries(fromJsonb(first.members ?? {}))),
    thresholds: first.thresholds,
  };
}
