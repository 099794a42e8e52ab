import { Decimal } from 'decimal.js';
import { type Kysely, sql, type Transaction } from 'kysely';
import { fromJsonb } from '../db/json.js';
import type { DB } from '../db/schema.js';
import {
  ADJUSTMENT_POINTS,
  availableOf,
  createAccount,
  embedEntry,
  type Entry,
  type EntryInput,
  formatAmount,
  getAccount,
  post,
  readBalance,
  type PostingInput,
  reverseEntry,
  toBalance,
} from '../ledger/index.js';
import { lockMember } from '../members/members.js';
import {
  type ChangeRow,
  memberHoursAccount,
  memberPointsAccount,
  recomputeStars,
  type StarCause,
  type StarChange,
  starChangeJson,
  toStarChange,
} from '../members/stars.js';
import { issuanceAccount } from '../orgunits/orgUnits.js';
import { DomainError } from '../problems.js';
import type { Caller } from '../tenants/tenants.js';
import { addEvent, authorizeRecord, type Award, awardOf, checkDailyCap, checkPeriod, memberDay, findRecord, lockRecord, type RecordRow, type ServiceRecord, toRecord } from './records.js';
import { computeAward, type PointsRule, ratingBonus, ruleAt, ruleByVersion } from './rules.js';

// The ledger side of service records: award on verification, bonus on rating, reversal and new
// award on correction. Each runs inside the caller's transaction with the record and member locked.

/** Where points that a member already spent are taken from when an admin forces a correction. */
export { ADJUSTMENT_POINTS };

export interface MemberTotals {
  id: string;
  hours: string;
  points: string;
  pointsAvailable: string;
  stars: number;
}

export interface Correction {
  reversalEntryIds: string[];
  awardEntryId: string | null;
  /** Set when points the member had already spent were taken from the adjustment account. */
  adjustmentEntryId: string | null;
  forced: boolean;
  /** Points that came from the adjustment account instead of the member ("0.00" if none). */
  shortfall: string;
}

/** What every state change of a record answers: the record, the member after it, and what moved. */
export interface RecordOutcome {
  record: ServiceRecord;
  member: MemberTotals;
  starChange: StarChange | null;
  correction: Correction | null;
}

async function memberTotals(db: Kysely<DB>, tenantId: string, memberId: string): Promise<MemberTotals> {
  // Joins ledger balance rows: the member's totals and stars in one read.
  const rows = await db
    .selectFrom('ledger_balances as b')
    .innerJoin('members as m', (j) => j.onRef('m.tenant_id', '=', 'b.tenant_id'))
    .select(['b.account_id', 'b.balance', 'b.held', 'm.stars'])
    .where('b.tenant_id', '=', tenantId)
    .where('m.member_id', '=', memberId)
    .where('b.account_id', 'in', [memberHoursAccount(memberId), memberPointsAccount(memberId)])
    .execute();
  const hours = rows.find((r) => r.account_id === memberHoursAccount(memberId))!;
  const points = rows.find((r) => r.account_id === memberPointsAccount(memberId))!;
  return {
    id: memberId,
    hours: formatAmount(hours.balance),
    points: formatAmount(points.balance),
    pointsAvailable: toBalance(points.balance, points.held).available,
    stars: hours.stars,
  };
}

async function outcome(
  trx: Transaction<DB>,
  caller: Caller,
  recordId: string,
  starChange: StarChange | null,
  correction: Correction | null = null,
): Promise<RecordOutcome> {
  return { ...(await outcomeOf(trx, caller, recordId)), starChange, correction };
}

/** The outcome shape for a record whose state did not move the ledger (submission, a read). */
export async function outcomeOf(db: Kysely<DB>, caller: Caller, recordId: string): Promise<RecordOutcome> {
  const row = await findRecord(db, caller.tenantId, recordId);
  if (!row) throw new DomainError('record_not_found', { recordId });
  return { record: toRecord(row), member: await memberTotals(db, caller.tenantId, row.member_id), starChange: null, correction: null };
}

/** Hours (always) and points (when the rule gives any) from the org unit's issuance accounts to the member. */
export function awardPostings(orgUnitId: string, memberId: string, hours: Decimal, points: Decimal): PostingInput[] {
  const postings: PostingInput[] = [
    { accountId: issuanceAccount(orgUnitId, 'hours'), unit: 'HOURS', amount: hours.neg() },
    { accountId: memberHoursAccount(memberId), unit: 'HOURS', amount: hours },
  ];
  if (points.gt(0)) {
    postings.push(
      { accountId: issuanceAccount(orgUnitId, 'points'), unit: 'POINTS', amount: points.neg() },
      { accountId: memberPointsAccount(memberId), unit: 'POINTS', amount: points },
    );
  }
  return postings;
}

/** The detail of a record's "verified" event, before its entry id and any change of stars are added. */
export function verifiedDetail(automatic: boolean, rule: PointsRule, hours: Decimal, award: { points: Decimal; explanation: string }) {
  return { automatic, ruleVersion: rule.version, hours: formatAmount(hours), points: formatAmount(award.points), explanation: award.explanation };
}

async function changeStars(trx: Transaction<DB>, caller: Caller, memberId: string, cause: StarCause, recordId: string, entryId: string | null) {
  return recomputeStars(trx, caller.tenantId, memberId, { cause, recordId, entryId });
}

function mustBe(record: RecordRow, status: string, action: string): void {
  if (record.status !== status) throw new DomainError('record_status_conflict', { status: record.status, action });
}

/**
 * Verification: one entry crediting the member's hours and points under the rule in force now,
 * debiting the org unit's issuance accounts; the star rating follows in the same transaction.
 */
export async function verifyRecord(trx: Transaction<DB>, caller: Caller, recordId: string): Promise<RecordOutcome> {
  const record = await lockRecord(trx, caller, recordId);
  mustBe(record, 'submitted', 'verification');
  const member = await lockMember(trx, caller.tenantId, record.member_id);
  if (!member.active) throw new DomainError('member_inactive');
  return writeAward(trx, caller, record, await ruleAt(trx, caller.tenantId, new Date()));
}

type AwardedRow = RecordRow & {
  balances_after: (string | null)[];
  member_stars: number;
  points_balance: string;
  points_held: string;
  star_change: ChangeRow | string | null;
};

/**
 * The award of a submitted record that this transaction holds locked with its member, in one
 * statement: the entry through ledger_post, the record marked verified, its history, and the
 * member's stars recomputed from the hours balance the entry left, with the change recorded.
 * (Records verified the moment they are posted are written in groups: intake.ts.)
 */
async function writeAward(trx: Transaction<DB>, caller: Caller, r: RecordRow, rule: PointsRule): Promise<RecordOutcome> {
  const { tenantId } = caller;
  const recordId = r.record_id;
  const memberId = r.member_id;
  const hours = new Decimal(r.hours);
  const award = computeAward(rule, { hours, category: r.category, source: r.source });
  const occurredAt = new Date(r.ended_at);
  const entryInput: EntryInput = {
    tenantId,
    kind: 'award',
    occurredAt,
    reason: award.explanation,
    objectType: 'service_record',
    objectId: recordId,
    ruleVersion: rule.version,
    createdBy: caller.keyId,
    metadata: { explanation: award.explanation, hours: formatAmount(hours), points: formatAmount(award.points) },
    postings: awardPostings(r.org_unit_id, memberId, hours, award.points),
  };
  // Positions (1-based, as in SQL arrays) of the member's accounts among the entry's postings.
  const hoursAt = entryInput.postings.findIndex((p) => p.accountId === memberHoursAccount(memberId)) + 1;
  const pointsAt = entryInput.postings.findIndex((p) => p.accountId === memberPointsAccount(memberId)) + 1;
  const verified = {
    status: 'verified' as const,
    award_entry_id: sql<string>`(SELECT entry_id FROM e)`,
    rule_version: rule.version,
    points: formatAmount(award.points),
    explanation: award.explanation,
    verified_by: caller.keyId,
    verified_at: sql<Date>`now()`,
  };
  const record = trx
    .updateTable('service_records')
    .set({ ...verified, updated_at: sql`now()` })
    .where('tenant_id', '=', tenantId)
    .where('record_id', '=', recordId)
    .returningAll();
  // The verified event completes its detail with the entry and any change of stars.
  const verifiedEvent = sql`${JSON.stringify(verifiedDetail(false, rule, hours, award))}::jsonb || jsonb_build_object('entryId', e.entry_id)
    || CASE WHEN s.to_stars <> s.from_stars THEN jsonb_build_object('stars', jsonb_build_object('from', s.from_stars, 'to', s.to_stars)) ELSE '{}' END`;
  const events = sql`VALUES ((SELECT coalesce(max(x.event_no), 0) + 1 FROM service_record_events x WHERE x.tenant_id = r.tenant_id AND x.record_id = r.record_id),
    'verified', ${caller.keyId}, ${verifiedEvent})`;
  // The hot statement of an award: it embeds the ledger's write (the facade maps its refusals) and
  // joins the member's points balance row for the answer, in one round trip.
  const row = await embedEntry(trx, entryInput, occurredAt, async (call) => {
    const result = await sql<AwardedRow>`
      WITH e AS (${call}),
      r AS (${record}),
      s AS (
        SELECT m.stars AS from_stars, e.balances_after[${hoursAt}]::numeric AS hours,
          (SELECT count(*) FROM unnest(t.star_thresholds) AS th(v) WHERE th.v <= e.balances_after[${hoursAt}]::numeric)::integer AS to_stars
        FROM e, members m, tenants t
        WHERE m.tenant_id = ${tenantId} AND m.member_id = ${memberId} AND t.tenant_id = ${tenantId}
      ),
      ms AS (
        UPDATE members SET stars = s.to_stars FROM s
        WHERE members.tenant_id = ${tenantId} AND members.member_id = ${memberId} AND s.to_stars <> s.from_stars
      ),
      sc AS (
        INSERT INTO star_changes (tenant_id, member_id, from_stars, to_stars, hours, cause, record_id, entry_id)
        SELECT ${tenantId}, ${memberId}, s.from_stars, s.to_stars, s.hours, 'award', ${recordId}, e.entry_id FROM s, e
        WHERE s.to_stars <> s.from_stars
        RETURNING *
      ),
      ev AS (
        INSERT INTO service_record_events (tenant_id, record_id, event_no, type, actor, detail)
        SELECT r.tenant_id, r.record_id, v.no, v.type, v.actor, v.detail
        FROM r, e, s, LATERAL (${events}) AS v(no, type, actor, detail)
      )
      SELECT r.*, e.balances_after, s.to_stars AS member_stars, pb.balance AS points_balance, pb.held AS points_held,
        ${starChangeJson('sc')} AS star_change
      FROM r CROSS JOIN e CROSS JOIN s
      LEFT JOIN sc ON true
      JOIN ledger_balances pb ON pb.tenant_id = ${tenantId} AND pb.account_id = ${memberPointsAccount(memberId)} AND pb.slot = 0`.execute(trx);
    return result.rows[0];
  });
  if (!row) throw new Error(`service record ${recordId}: the award found no record to mark verified`);
  const { balances_after, member_stars, points_balance, points_held, star_change, ...recordRow } = row;
  // The statement's snapshot predates the entry: where the entry moved points, its own answer is the balance.
  const points = award.points.gt(0) ? balances_after[pointsAt - 1]! : points_balance;
  const starChange = star_change === null ? null : toStarChange(fromJsonb(star_change));
  return {
    record: toRecord(recordRow),
    member: {
      id: memberId,
      hours: formatAmount(balances_after[hoursAt - 1]!),
      points: formatAmount(points),
      pointsAvailable: toBalance(points, points_held).available,
      stars: member_stars,
    },
    starChange,
    correction: null,
  };
}

export async function rejectRecord(trx: Transaction<DB>, caller: Caller, recordId: string, reason: string): Promise<RecordOutcome> {
  const record = await lockRecord(trx, caller, recordId);
  mustBe(record, 'submitted', 'rejection');
  await trx
    .updateTable('service_records')
    .set({ status: 'rejected', reject_reason: reason, updated_at: sql`now()` })
    .where('tenant_id', '=', caller.tenantId)
    .where('record_id', '=', recordId)
    .execute();
  await addEvent(trx, caller.tenantId, recordId, { type: 'rejected', actor: caller.keyId, reason });
  return outcome(trx, caller, recordId, null);
}

/** 评单: once per verified record; a bonus under the rule in force is its own entry. */
export async function rateRecord(
  trx: Transaction<DB>,
  caller: Caller,
  recordId: string,
  input: { stars: number; comment?: string | undefined },
): Promise<RecordOutcome> {
  const record = await lockRecord(trx, caller, recordId);
  if (record.rating !== null) throw new DomainError('already_rated');
  mustBe(record, 'verified', 'a rating');
  await lockMember(trx, caller.tenantId, record.member_id);
  const rule = await ruleAt(trx, caller.tenantId, new Date());
  const bonus = ratingBonus(rule, input.stars);
  let entry: Entry | null = null;
  if (bonus.gt(0)) {
    entry = await post(trx, {
      tenantId: caller.tenantId,
      kind: 'bonus',
      reason: `rating ${input.stars}★ bonus ${formatAmount(bonus)} (rule v${rule.version})`,
      objectType: 'service_record',
      objectId: recordId,
      ruleVersion: rule.version,
      createdBy: caller.keyId,
      postings: [
        { accountId: issuanceAccount(record.org_unit_id, 'points'), unit: 'POINTS', amount: bonus.neg() },
        { accountId: memberPointsAccount(record.member_id), unit: 'POINTS', amount: bonus },
      ],
    });
  }
  await trx
    .updateTable('service_records')
    .set({
      rating: input.stars,
      rating_comment: input.comment ?? null,
      rated_at: sql`now()`,
      bonus_entry_id: entry?.id ?? null,
      bonus_points: entry ? formatAmount(bonus) : null,
      updated_at: sql`now()`,
    })
    .where('tenant_id', '=', caller.tenantId)
    .where('record_id', '=', recordId)
    .execute();
  await addEvent(trx, caller.tenantId, recordId, {
    type: 'rated',
    actor: caller.keyId,
    detail: { stars: input.stars, bonusPoints: entry ? formatAmount(bonus) : null, entryId: entry?.id ?? null },
  });
  return outcome(trx, caller, recordId, null);
}

async function availablePoints(trx: Transaction<DB>, tenantId: string, memberId: string): Promise<Decimal> {
  const points = await readBalance(trx, tenantId, memberPointsAccount(memberId));
  return availableOf(points!.balance, points!.held);
}

async function ensureAdjustmentAccount(trx: Transaction<DB>, tenantId: string): Promise<void> {
  if (!(await getAccount(trx, tenantId, ADJUSTMENT_POINTS))) {
    await createAccount(trx, tenantId, { id: ADJUSTMENT_POINTS, unit: 'POINTS', type: 'adjustment', allowNegative: true, slots: 1, name: 'points adjustments' });
  }
}

/**
 * Points already spent are never clawed back below zero. When a correction takes back more than
 * the member has available, it is refused, unless an admin forces it: then the shortfall is taken
 * from the adjustment account by an entry of its own, so the reversal still mirrors the original.
 */
async function coverShortfall(
  trx: Transaction<DB>,
  caller: Caller,
  record: RecordRow,
  takeBack: Decimal,
  force: boolean,
  reason: string,
): Promise<{ shortfall: Decimal; entry: Entry | null }> {
  const available = await availablePoints(trx, caller.tenantId, record.member_id);
  const shortfall = Decimal.max(takeBack.minus(Decimal.max(available, 0)), 0);
  if (shortfall.isZero()) return { shortfall, entry: null };
  if (!force) {
    throw new DomainError('points_already_spent', { required: formatAmount(takeBack), available: formatAmount(available) });
  }
  await ensureAdjustmentAccount(trx, caller.tenantId);
  const entry = await post(trx, {
    tenantId: caller.tenantId,
    kind: 'adjustment',
    reason: `forced correction of service record ${record.record_id}: ${formatAmount(shortfall)} points already spent, taken from ${ADJUSTMENT_POINTS}. ${reason}`,
    objectType: 'service_record',
    objectId: record.record_id,
    createdBy: caller.keyId,
    postings: [
      { accountId: ADJUSTMENT_POINTS, unit: 'POINTS', amount: shortfall.neg() },
      { accountId: memberPointsAccount(record.member_id), unit: 'POINTS', amount: shortfall },
    ],
  });
  return { shortfall, entry };
}

/** Records a correction or revocation in the record's history and answers it. */
async function finishCorrection(
  trx: Transaction<DB>,
  caller: Caller,
  recordId: string,
  type: 'corrected' | 'revoked',
  reason: string,
  starChange: StarChange | null,
  what: {
    correction: { reversalEntryIds: string[]; awardEntryId: string | null; cover: { shortfall: Decimal; entry: Entry | null } };
    detail: Record<string, unknown>;
  },
): Promise<RecordOutcome> {
  const { cover, ...entries } = what.correction;
  const correction: Correction = {
    ...entries,
    adjustmentEntryId: cover.entry?.id ?? null,
    forced: cover.entry !== null,
    shortfall: formatAmount(cover.shortfall),
  };
  await addEvent(trx, caller.tenantId, recordId, {
    type,
    actor: caller.keyId,
    reason,
    detail: { ...what.detail, ...correction, ...(starChange ? { stars: { from: starChange.from, to: starChange.to } } : {}) },
  });
  return outcome(trx, caller, recordId, starChange, correction);
}

/** A verified record's current award (a verified record always has one). */
function verifiedAward(record: RecordRow, action: string): Award {
  mustBe(record, 'verified', action);
  return awardOf(record)!;
}

/**
 * What a change of a record asks of the caller beyond its role, checked before its
 * Idempotency-Key is looked at (writeOnce): the record in the caller's scope, and force only for
 * an admin.
 */
export async function authorizeRecordChange(trx: Transaction<DB>, caller: Caller, recordId: string, opts: { force?: boolean } = {}): Promise<void> {
  checkForce(caller, opts.force ?? false);
  await authorizeRecord(trx, caller, recordId);
}

function checkForce(caller: Caller, force: boolean): void {
  if (force && caller.role !== 'admin') throw new DomainError('force_not_allowed');
}

/** Writes that would overdraw the member's points mean "already spent" in a correction. */
function asSpent(err: unknown): unknown {
  if (err instanceof DomainError && err.code === 'insufficient_points') {
    return new DomainError('points_already_spent', { required: err.params.requested, available: err.params.available });
  }
  return err;
}

/**
 * New hours for a verified record: a new award (same rule version as the first: a later rule
 * never changes a past award), then the reversal of the old one. The new award goes first so that
 * the member's points never dip below zero between the two.
 */
export async function correctHours(
  trx: Transaction<DB>,
  caller: Caller,
  recordId: string,
  input: { hours: string; reason: string; force: boolean },
): Promise<RecordOutcome> {
  checkForce(caller, input.force);
  const record = await lockRecord(trx, caller, recordId);
  const current = verifiedAward(record, 'a correction');
  const hours = new Decimal(input.hours);
  if (hours.eq(record.hours)) throw new DomainError('record_status_conflict', { status: `already ${formatAmount(hours)} h`, action: 'the same hours' });
  checkPeriod(new Date(record.started_at), new Date(record.ended_at), hours);
  await lockMember(trx, caller.tenantId, record.member_id);
  const rule = await ruleByVersion(trx, caller.tenantId, current.ruleVersion);
  const period = { startedAt: new Date(record.started_at), endedAt: new Date(record.ended_at) };
  const day = await memberDay(trx, caller.tenantId, record.member_id, period, recordId);
  checkDailyCap(day.neighbours, { startedAt: period.startedAt.getTime(), endedAt: period.endedAt.getTime(), hours }, rule.dailyCapHours);
  const award = computeAward(rule, { hours, category: record.category, source: record.source });
  try {
    const takeBack = Decimal.max(new Decimal(current.points).minus(award.points), 0);
    const cover = await coverShortfall(trx, caller, record, takeBack, input.force, input.reason);
    const entry = await post(trx, {
      tenantId: caller.tenantId,
      kind: 'award',
      occurredAt: new Date(record.ended_at),
      reason: `${award.explanation}; corrects ${formatAmount(record.hours)} h: ${input.reason}`,
      objectType: 'service_record',
      objectId: recordId,
      ruleVersion: rule.version,
      createdBy: caller.keyId,
      metadata: { explanation: award.explanation, hours: formatAmount(hours), points: formatAmount(award.points), corrects: current.entryId },
      postings: awardPostings(record.org_unit_id, record.member_id, hours, award.points),
    });
    const reversal = await reverseEntry(trx, caller.tenantId, current.entryId, { reason: input.reason, createdBy: caller.keyId });
    await trx
      .updateTable('service_records')
      .set({ hours: formatAmount(hours), award_entry_id: entry.id, points: formatAmount(award.points), explanation: award.explanation, updated_at: sql`now()` })
      .where('tenant_id', '=', caller.tenantId)
      .where('record_id', '=', recordId)
      .execute();
    const starChange = await changeStars(trx, caller, record.member_id, 'correction', recordId, entry.id);
    return await finishCorrection(trx, caller, recordId, 'corrected', input.reason, starChange, {
      correction: { reversalEntryIds: [reversal.id], awardEntryId: entry.id, cover },
      detail: {
        hoursBefore: formatAmount(record.hours),
        hoursAfter: formatAmount(hours),
        pointsBefore: current.points,
        pointsAfter: formatAmount(award.points),
        explanation: award.explanation,
      },
    });
  } catch (err) {
    throw asSpent(err);
  }
}

/** Revocation: the award and any rating bonus reversed; the record stays, marked revoked. */
export async function revokeRecord(
  trx: Transaction<DB>,
  caller: Caller,
  recordId: string,
  input: { reason: string; force: boolean },
): Promise<RecordOutcome> {
  checkForce(caller, input.force);
  const record = await lockRecord(trx, caller, recordId);
  const current = verifiedAward(record, 'a revocation');
  await lockMember(trx, caller.tenantId, record.member_id);
  try {
    const takeBack = new Decimal(current.points).plus(record.bonus_points ?? 0);
    const cover = await coverShortfall(trx, caller, record, takeBack, input.force, input.reason);
    const reversals: string[] = [];
    for (const entryId of [current.entryId, record.bonus_entry_id].filter((id): id is string => id !== null)) {
      reversals.push((await reverseEntry(trx, caller.tenantId, entryId, { reason: input.reason, createdBy: caller.keyId })).id);
    }
    await trx
      .updateTable('service_records')
      .set({ status: 'revoked', updated_at: sql`now()` })
      .where('tenant_id', '=', caller.tenantId)
      .where('record_id', '=', recordId)
      .execute();
    const starChange = await changeStars(trx, caller, record.member_id, 'revocation', recordId, reversals[0] ?? null);
    return await finishCorrection(trx, caller, recordId, 'revoked', input.reason, starChange, {
      correction: { reversalEntryIds: reversals, awardEntryId: null, cover },
      detail: { hours: formatAmount(record.hours), points: formatAmount(takeBack) },
    });
  } catch (err) {
    throw asSpent(err);
  }
}
