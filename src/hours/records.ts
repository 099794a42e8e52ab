import crypto from 'node:crypto';
import { Decimal } from 'decimal.js';
import { type Insertable, type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { DB, ServiceRecordsTable } from '../db/schema.js';
import { fromJsonb } from '../db/json.js';

export type RecordRow = Selectable<ServiceRecordsTable>;
import { formatAmount, memberAccountSql } from '../ledger/index.js';
import { checkForWrite, findOrgUnit, type InheritanceRow, inScope, type OrgUnitForWrite, toOrgUnitForWrite, withInheritanceQuery } from '../orgunits/orgUnits.js';
import { DomainError } from '../problems.js';
import type { Caller } from '../tenants/tenants.js';
import { type PointsRule, ruleAtQuery, type RuleRow, type Source, toRule } from './rules.js';

export const RecordStatuses = ['submitted', 'verified', 'rejected', 'revoked'] as const;
export type RecordStatus = (typeof RecordStatuses)[number];

/** What a station app posts: one completed piece of service (志愿服务记录). */
export interface NewRecord {
  externalId: string;
  memberId: string;
  orgUnitId: string;
  category: string;
  title: string;
  source: Source;
  place?: string | undefined;
  beneficiary?: string | undefined;
  content?: string | undefined;
  lead?: string | undefined;
  recorder?: string | undefined;
  reference?: string | undefined;
  startedAt: string;
  endedAt: string;
  hours: string;
}

export interface RecordEvent {
  no: number;
  type: string;
  at: string;
  actor: string | null;
  reason: string | null;
  detail: Record<string, unknown>;
}

export interface ServiceRecord {
  id: string;
  externalId: string;
  memberId: string;
  orgUnitId: string;
  category: string;
  title: string;
  source: Source;
  place: string | null;
  beneficiary: string | null;
  content: string | null;
  lead: string | null;
  recorder: string | null;
  reference: string | null;
  startedAt: string;
  endedAt: string;
  hours: string;
  status: RecordStatus;
  rejectReason: string | null;
  award: { entryId: string; ruleVersion: number; points: string; explanation: string } | null;
  rating: { stars: number; comment: string | null; ratedAt: string; bonusPoints: string | null; bonusEntryId: string | null } | null;
  submittedAt: string;
  submittedBy: string | null;
  verifiedAt: string | null;
  verifiedBy: string | null;
  history?: RecordEvent[];
}

// Business days are China Standard Time (UTC+8, no daylight saving). The daily cap counts, on
// each local calendar day, the share of a record's hours that its period has there.
const CST_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;
/** A station's clock may run a little ahead of ours; a record ending within this is not "future". */
const CLOCK_SKEW_MS = 60 * 1000;

export function localDay(at: Date): { start: Date; end: Date } {
  const start = Math.floor((at.getTime() + CST_OFFSET_MS) / DAY_MS) * DAY_MS - CST_OFFSET_MS;
  return { start: new Date(start), end: new Date(start + DAY_MS) };
}

/**
 * The China-time days a period touches (by the start of each day, in ms), each with the share of
 * `hours` that falls on it: hours × (the part of the period on that day) ÷ (the whole period). A
 * record 23:00–03:00 with 4 h puts 1 h on its first day and 3 h on the next.
 */
export function dayShares(startedAt: number, endedAt: number, hours: Decimal.Value): Map<number, Decimal> {
  const shares = new Map<number, Decimal>();
  const elapsed = endedAt - startedAt;
  if (elapsed <= 0) return shares;
  for (let day = localDay(new Date(startedAt)).start.getTime(); day < endedAt; day += DAY_MS) {
    const overlap = Math.min(endedAt, day + DAY_MS) - Math.max(startedAt, day);
    if (overlap > 0) shares.set(day, new Decimal(hours).times(overlap).div(elapsed));
  }
  return shares;
}

/** A live record of a member as the daily cap sees it. */
export interface DayRecord {
  startedAt: number;
  endedAt: number;
  hours: Decimal.Value;
}

/**
 * Each day a new record touches must stay within the cap: what the member's other live records
 * have there (their shares) plus the new record's share. Shares are exact fractions of an hour;
 * a day's total is compared at a millionth of an hour (under 4 ms), so that a record whose shares
 * do not end in decimals (1 h over 3 h: ⅓ and ⅔) cannot miss the cap's edge by a rounding.
 */
export function checkDailyCap(others: DayRecord[], record: DayRecord, cap: Decimal.Value): void {
  const shares = dayShares(record.startedAt, record.endedAt, record.hours);
  const first = localDay(new Date(record.startedAt)).start.getTime();
  const last = first + shares.size * DAY_MS;
  // Only records with time on these days count; the rest are passed over without arithmetic.
  const near = others.filter((o) => o.startedAt < last && o.endedAt > first).map((o) => dayShares(o.startedAt, o.endedAt, o.hours));
  for (const [day, share] of shares) {
    let total = share;
    for (const o of near) total = total.plus(o.get(day) ?? 0);
    const compared = total.toDecimalPlaces(6, Decimal.ROUND_HALF_UP);
    if (compared.gt(cap)) {
      throw new DomainError('daily_cap_exceeded', {
        total: formatAmount(total.toDecimalPlaces(2, Decimal.ROUND_HALF_UP)),
        cap: formatAmount(cap),
        day: new Date(day + CST_OFFSET_MS).toISOString().slice(0, 10),
      });
    }
  }
}

/** Checks that need nothing but the record itself: 400s that the same body always gets again. */
export function checkPeriod(startedAt: Date, endedAt: Date, hours: Decimal.Value): void {
  if (endedAt.getTime() <= startedAt.getTime()) throw new DomainError('record_period_invalid');
  const elapsed = new Decimal(endedAt.getTime() - startedAt.getTime()).div(3600 * 1000);
  if (new Decimal(hours).gt(elapsed)) {
    throw new DomainError('hours_exceed_period', { hours: formatAmount(hours), elapsed: elapsed.toDecimalPlaces(2, Decimal.ROUND_DOWN).toFixed(2) });
  }
}

function iso(d: Date | string | null): string | null {
  return d === null ? null : new Date(d).toISOString();
}

export type Award = NonNullable<ServiceRecord['award']>;

/** The current award of a record: set, all fields together, when it is verified. */
export function awardOf(r: RecordRow): Award | null {
  if (r.award_entry_id === null) return null;
  if (r.rule_version === null || r.points === null || r.explanation === null) {
    throw new Error(`service record ${r.record_id}: award ${r.award_entry_id} without its rule version, points or explanation`);
  }
  return { entryId: r.award_entry_id, ruleVersion: r.rule_version, points: formatAmount(r.points), explanation: r.explanation };
}

export function toRecord(r: RecordRow): ServiceRecord {
  return {
    id: r.record_id,
    externalId: r.external_id,
    memberId: r.member_id,
    orgUnitId: r.org_unit_id,
    category: r.category,
    title: r.title,
    source: r.source,
    place: r.place,
    beneficiary: r.beneficiary,
    content: r.content,
    lead: r.lead_name,
    recorder: r.recorder,
    reference: r.reference,
    startedAt: iso(r.started_at)!,
    endedAt: iso(r.ended_at)!,
    hours: formatAmount(r.hours),
    status: r.status,
    rejectReason: r.reject_reason,
    award: awardOf(r),
    rating:
      r.rating === null
        ? null
        : {
            stars: r.rating,
            comment: r.rating_comment,
            ratedAt: iso(r.rated_at)!,
            bonusPoints: r.bonus_points === null ? null : formatAmount(r.bonus_points),
            bonusEntryId: r.bonus_entry_id,
          },
    submittedAt: iso(r.submitted_at)!,
    submittedBy: r.submitted_by,
    verifiedAt: iso(r.verified_at),
    verifiedBy: r.verified_by,
  };
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

/** A record that passed every check of submission, not yet stored. */
export interface Submission {
  caller: Caller;
  values: Insertable<ServiceRecordsTable> & { record_id: string; member_id: string };
  rule: PointsRule;
  /** The org unit (or one above it, or the tenant) verifies its records the moment they are posted. */
  autoVerify: boolean;
}

/** One record to submit, by the caller who posts it. */
export interface Posting {
  caller: Caller;
  input: NewRecord;
}

export interface Prepared {
  /** Per posting, in order: the submission, or its refusal. */
  submissions: (Submission | DomainError)[];
  /** The members of the accepted submissions as they are before them, and the star thresholds. */
  members: Map<string, MemberState>;
  thresholds: string[];
}

/**
 * Every check of posted records of one tenant that depends on the ledger's state, with the
 * members' rows locked (in id order) so the overlap and daily-cap checks hold against concurrent
 * submissions. Records are checked in order, each against the ones before it as if those were
 * stored already, so a batch gets the answers it would get one record at a time. Two round trips
 * for any number of records: one statement reads the org units with what they inherit and the
 * rule in force, and locks the members; the next (a fresh snapshot, taken after the locks were
 * granted) reads the members' days, balances and stars. Answers per record: the submission, or
 * its refusal.
 */
export async function prepareSubmissions(trx: Transaction<DB>, tenantId: string, postings: Posting[]): Promise<Prepared> {
  const now = new Date();
  const results: (Submission | DomainError | null)[] = postings.map(({ input }) =>
    refused(() => checkPeriod(new Date(input.startedAt), new Date(input.endedAt), input.hours)),
  );
  const live = postings.filter((_, i) => results[i] === null);
  if (live.length === 0) return { submissions: results as DomainError[], members: new Map(), thresholds: [] };

  const unitIds = [...new Set(live.map((p) => p.input.orgUnitId))];
  const memberIds = [...new Set(live.map((p) => p.input.memberId))].sort();
  // Locked one after another in the order of the array, so two submissions never wait on each other in a cycle.
  const lockMembers = sql`SELECT m.member_id, m.active FROM unnest(${memberIds}::uuid[]) WITH ORDINALITY AS x(id, n)
    CROSS JOIN LATERAL (SELECT member_id, active FROM members WHERE tenant_id = ${tenantId} AND member_id = x.id FOR UPDATE) AS m`;
  const { rows } = await sql<RuleRow & { units: InheritanceRow[] | string; members: { member_id: string; active: boolean }[] | string }>`
    SELECT (SELECT coalesce(jsonb_agg(to_jsonb(u)), '[]') FROM ${withInheritanceQuery(trx, tenantId, unitIds)} AS u) AS units,
      (SELECT coalesce(jsonb_agg(to_jsonb(m)), '[]') FROM (${lockMembers}) AS m) AS members,
      r.*
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL ${ruleAtQuery(trx, tenantId, now)} AS r ON true`.execute(trx);
  const ctx = rows[0]!;
  const units = new Map(fromJsonb(ctx.units).map((u) => [u.org_unit_id, toOrgUnitForWrite(u)]));
  const active = new Map(fromJsonb(ctx.members).map((m) => [m.member_id, m.active]));
  const rule = toRule(ctx);

  const checked: { i: number; posting: Posting; unit: OrgUnitForWrite }[] = [];
  postings.forEach((posting, i) => {
    if (results[i] !== null) return;
    const { caller, input } = posting;
    results[i] = refused(() => {
      const unit = checkForWrite(caller, input.orgUnitId, units.get(input.orgUnitId) ?? null);
      if (!unit.effectivelyActive) throw new DomainError('org_unit_inactive', { orgUnitId: unit.id });
      const memberActive = active.get(input.memberId);
      if (memberActive === undefined) throw new DomainError('member_not_found', { memberId: input.memberId });
      if (!memberActive) throw new DomainError('member_inactive');
      const startedAt = new Date(input.startedAt);
      if (startedAt.getTime() > now.getTime() || new Date(input.endedAt).getTime() > now.getTime() + CLOCK_SKEW_MS) throw new DomainError('record_in_future');
      if (startedAt.getTime() < now.getTime() - rule.backdatingDays * DAY_MS) throw new DomainError('record_too_old', { days: rule.backdatingDays });
      checked.push({ i, posting, unit });
    });
  });

  const { days, members, thresholds } = await memberDays(
    trx,
    tenantId,
    checked.map(({ posting: { input } }) => ({ memberId: input.memberId, period: { startedAt: new Date(input.startedAt), endedAt: new Date(input.endedAt) }, exclude: null })),
    [...new Set(checked.map(({ posting }) => posting.input.memberId))],
  );
  // Records accepted earlier in this call, per member: they count as stored for the ones after.
  const earlier = new Map<string, (DayRecord & { recordId: string })[]>();
  checked.forEach(({ i, posting: { caller, input }, unit }, k) => {
    results[i] = attempt(() => {
      const record = { startedAt: new Date(input.startedAt).getTime(), endedAt: new Date(input.endedAt).getTime(), hours: input.hours };
      const mine = earlier.get(input.memberId) ?? [];
      const overlapping = days[k]!.overlapping ?? mine.find((r) => r.startedAt < record.endedAt && r.endedAt > record.startedAt)?.recordId;
      if (overlapping) throw new DomainError('overlapping_record', { recordId: overlapping });
      checkDailyCap([...days[k]!.neighbours, ...mine], record, rule.dailyCapHours);
      const values = newRecordValues(caller, input, unit.id);
      mine.push({ ...record, recordId: values.record_id });
      earlier.set(input.memberId, mine);
      return { caller, values, rule, autoVerify: unit.inheritsAutoVerify };
    });
  });
  return { submissions: results as (Submission | DomainError)[], members, thresholds };
}

/** What fn answers, or the refusal it throws. */
function attempt<T>(fn: () => T): T | DomainError {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
}

/** The refusal fn throws, or null when it passes. */
function refused(fn: () => void): DomainError | null {
  const result = attempt(fn);
  return result instanceof DomainError ? result : null;
}

function newRecordValues(caller: Caller, input: NewRecord, orgUnitId: string): Insertable<ServiceRecordsTable> & { record_id: string } {
  return {
    tenant_id: caller.tenantId,
    record_id: crypto.randomUUID(),
    external_id: input.externalId,
    member_id: input.memberId,
    org_unit_id: orgUnitId,
    category: input.category,
    title: input.title,
    source: input.source,
    place: input.place ?? null,
    beneficiary: input.beneficiary ?? null,
    content: input.content ?? null,
    lead_name: input.lead ?? null,
    recorder: input.recorder ?? null,
    reference: input.reference ?? null,
    started_at: new Date(input.startedAt),
    ended_at: new Date(input.endedAt),
    hours: input.hours,
    status: 'submitted',
    submitted_by: caller.keyId,
  };
}

/** The first event of every record's history. */
export const submittedDetail = (hours: Decimal.Value) => ({ hours: formatAmount(hours) });

/** What the daily cap and the overlap check need of a member's other live records around a period. */
export interface MemberDay {
  /** The live records on any China-time day the period touches. */
  neighbours: DayRecord[];
  /** A live record overlapping the period. */
  overlapping: string | null;
}

/**
 * What the member already has on the China-time days a record touches (live records only, one
 * record excluded when it is being corrected): those records, and a record overlapping `period`.
 */
export async function memberDay(
  trx: Transaction<DB>,
  tenantId: string,
  memberId: string,
  period: { startedAt: Date; endedAt: Date },
  excludeRecordId: string | null,
): Promise<MemberDay> {
  return (await memberDays(trx, tenantId, [{ memberId, period, exclude: excludeRecordId }])).days[0]!;
}

/** What a member has before the records of this transaction: read under the member's lock. */
export interface MemberState {
  hours: string;
  points: string;
  held: string;
  stars: number;
}

/**
 * memberDay for many records in one query, in the order asked; with `states`, the same query also
 * reads those members' balances and stars, and the tenant's star thresholds.
 */
async function memberDays(
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
    CROSS JOIN (
      SELECT (SELECT t.star_thresholds::text[] FROM tenants t WHERE t.tenant_id = ${tenantId}) AS thresholds,
        -- One index lookup each (LIMIT 1 keeps the planner from turning these into scans of whole tables).
        (SELECT jsonb_object_agg(s.id, jsonb_build_object('hours', hb.balance::text, 'points', pb.balance::text, 'held', pb.held::text, 'stars', m.stars))
          FROM unnest(${states}::uuid[]) AS s(id)
          CROSS JOIN LATERAL (SELECT stars FROM members WHERE tenant_id = ${tenantId} AND member_id = s.id LIMIT 1) AS m
          -- Joins the members' ledger balance rows: the checks of a submission read them in this one statement.
          CROSS JOIN LATERAL (SELECT balance FROM ledger_balances
            WHERE tenant_id = ${tenantId} AND account_id = ${memberAccountSql(sql`s.id`, 'hours')} AND slot = 0 LIMIT 1) AS hb
          CROSS JOIN LATERAL (SELECT balance, held FROM ledger_balances
            WHERE tenant_id = ${tenantId} AND account_id = ${memberAccountSql(sql`s.id`, 'points')} AND slot = 0 LIMIT 1) AS pb) AS members
    ) AS st
    ORDER BY x.n`.execute(trx);
  const first = rows[0]!;
  const members = fromJsonb(first.members ?? {});
  return {
    days:
      asked.length === 0
        ? []
        : rows.map((r) => ({
            neighbours: fromJsonb(r.neighbours ?? []).map(([startedAt, endedAt, hours]) => ({ startedAt: Number(startedAt), endedAt: Number(endedAt), hours })),
            overlapping: r.overlapping ?? null,
          })),
    members: new Map(Object.entries(members)),
    thresholds: first.thresholds,
  };
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
  await checkScope(trx, caller, row.org_unit_id);
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
  await checkScope(db, caller, row.org_unit_id);
}

/** A scoped key acts only for records of its org unit and the units under it. */
async function checkScope(db: Kysely<DB>, caller: Caller, orgUnitId: string): Promise<void> {
  if (!caller.scope) return;
  const unit = await findOrgUnit(db, caller.tenantId, orgUnitId);
  if (!unit || !inScope(caller.scope, unit.path)) throw new DomainError('org_unit_out_of_scope', { orgUnitId });
}

export async function findRecord(db: Kysely<DB>, tenantId: string, recordId: string): Promise<RecordRow | undefined> {
  return db.selectFrom('service_records').selectAll().where('tenant_id', '=', tenantId).where('record_id', '=', recordId).executeTakeFirst();
}

export async function getRecord(db: Kysely<DB>, caller: Caller, recordId: string): Promise<ServiceRecord> {
  const row = await findRecord(db, caller.tenantId, recordId);
  if (!row) throw new DomainError('record_not_found', { recordId });
  await checkScope(db, caller, row.org_unit_id);
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
  let query = db
    .selectFrom('service_records as r')
    .innerJoin('org_units as o', (j) => j.onRef('o.tenant_id', '=', 'r.tenant_id').onRef('o.org_unit_id', '=', 'r.org_unit_id'))
    .selectAll('r')
    .where('r.tenant_id', '=', caller.tenantId);
  if (caller.scope) query = query.where('o.path', 'like', `${caller.scope.path}%`);
  if (filter.orgUnitId) {
    const unit = await findOrgUnit(db, caller.tenantId, filter.orgUnitId);
    if (!unit) throw new DomainError('org_unit_not_found', { orgUnitId: filter.orgUnitId });
    if (!inScope(caller.scope, unit.path)) throw new DomainError('org_unit_out_of_scope', { orgUnitId: filter.orgUnitId });
    query = query.where('o.path', 'like', `${unit.path}%`);
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
