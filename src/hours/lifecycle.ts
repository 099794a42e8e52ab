import { Decimal } from 'decimal.js';
import type { Kysely, Transaction } from 'kysely';
import type { Caller } from '../auth/caller.js';
import type { DB } from '../db/schema.js';
import { ADJUSTMENT_POINTS, availableOf, createAccount, type EntryInput, formatAmount, getAccount, reversalOf } from '../ledger/index.js';
import { lockMember, type MemberState, memberStates, memberTotals } from '../members/members.js';
import { DomainError } from '../problems.js';
import { computeAward, ruleByVersion, ruleNow } from '../rules/rules.js';
import { writePlans } from './awardWriter.js';
import { checkDailyCap, checkPeriod } from './period.js';
import { type Cover, coverEntry, type Plan, planCorrection, planRevocation, planVerification } from './plans.js';
import { awardOf, type RecordAward, type RecordOutcome, type RecordRow, toRecord } from './record.js';
import { addEvent, authorizeRecord, findRecord, lockRecord, memberDays, setRejected } from './repository.js';

// The lifecycle of a posted record: verify (its award), reject, correct (new hours: the award
// reversed and a new one posted), revoke (award and rating bonus reversed). Each runs inside the
// caller's transaction with the record, then its member, locked; what moves the ledger is planned
// (plans.ts) and written by the one award writer.

/** Where points that a member already spent are taken from when an admin forces a correction. */
export { ADJUSTMENT_POINTS };

/** The outcome shape for a record whose change did not move the ledger (a rejection, a rating's record). */
export async function outcomeOf(db: Kysely<DB>, caller: Caller, recordId: string): Promise<RecordOutcome> {
  const row = await findRecord(db, caller.tenantId, recordId);
  if (!row) throw new DomainError('record_not_found', { recordId });
  const { members } = await memberStates(db, caller.tenantId, [row.member_id]);
  return { record: toRecord(row), member: memberTotals(row.member_id, members.get(row.member_id)!), starChange: null, correction: null };
}

export function mustBe(record: RecordRow, status: string, action: string): void {
  if (record.status !== status) throw new DomainError('record_status_conflict', { status: record.status, action });
}

/** A locked member's state now (read after the lock was granted) and the tenant's star thresholds. */
async function stateOf(trx: Transaction<DB>, tenantId: string, memberId: string): Promise<{ state: MemberState; thresholds: string[] }> {
  const { members, thresholds } = await memberStates(trx, tenantId, [memberId]);
  return { state: members.get(memberId)!, thresholds };
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
  const rule = await ruleNow(trx, caller.tenantId);
  const { state, thresholds } = await stateOf(trx, caller.tenantId, record.member_id);
  const [written] = await writePlans(trx, caller.tenantId, [planVerification(record, rule, caller, state, thresholds)]);
  return { ...written!.outcome, correction: null };
}

export async function rejectRecord(trx: Transaction<DB>, caller: Caller, recordId: string, reason: string): Promise<RecordOutcome> {
  const record = await lockRecord(trx, caller, recordId);
  mustBe(record, 'submitted', 'rejection');
  await setRejected(trx, caller.tenantId, recordId, reason);
  await addEvent(trx, caller.tenantId, recordId, { type: 'rejected', actor: caller.keyId, reason });
  return outcomeOf(trx, caller, recordId);
}

/**
 * Points already spent are never clawed back below zero. When a correction takes back more than
 * the member has available, it is refused, unless an admin forces it: then the shortfall is taken
 * from the adjustment account by an entry of its own, so the reversal still mirrors the original.
 */
async function coverShortfall(trx: Transaction<DB>, caller: Caller, record: RecordRow, state: MemberState, takeBack: Decimal, force: boolean, reason: string): Promise<Cover> {
  const available = availableOf(state.points, state.held);
  const shortfall = Decimal.max(takeBack.minus(Decimal.max(available, 0)), 0);
  if (shortfall.isZero()) return { shortfall, entry: null };
  if (!force) throw new DomainError('points_already_spent', { required: formatAmount(takeBack), available: formatAmount(available) });
  if (!(await getAccount(trx, caller.tenantId, ADJUSTMENT_POINTS))) {
    await createAccount(trx, caller.tenantId, { id: ADJUSTMENT_POINTS, unit: 'POINTS', type: 'adjustment', allowNegative: true, slots: 1, name: 'points adjustments' });
  }
  return { shortfall, entry: coverEntry(record, caller, shortfall, reason) };
}

/** A verified record's current award (a verified record always has one). */
function verifiedAward(record: RecordRow, action: string): RecordAward {
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

/** Writes a correction's or revocation's plan and answers it with what moved. */
async function writeCorrection(trx: Transaction<DB>, caller: Caller, plan: Plan, cover: Cover, reversals: number): Promise<RecordOutcome> {
  try {
    const [written] = await writePlans(trx, caller.tenantId, [plan]);
    const ids = written!.entryIds;
    return {
      ...written!.outcome,
      correction: {
        reversalEntryIds: ids.slice(ids.length - reversals),
        awardEntryId: plan.award === null ? null : ids[plan.award]!,
        adjustmentEntryId: cover.entry ? ids[0]! : null,
        forced: cover.entry !== null,
        shortfall: formatAmount(cover.shortfall),
      },
    };
  } catch (err) {
    throw asSpent(err);
  }
}

/**
 * New hours for a verified record: a new award (same rule version as the first: a later rule
 * never changes a past award), then the reversal of the old one (plans.ts, planCorrection).
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
  const { days, members, thresholds } = await memberDays(trx, caller.tenantId, [{ memberId: record.member_id, period, exclude: recordId }], [record.member_id]);
  checkDailyCap(days[0]!.neighbours, { startedAt: period.startedAt.getTime(), endedAt: period.endedAt.getTime(), hours }, rule.dailyCapHours);
  const state = members.get(record.member_id)!;
  const award = computeAward(rule, { hours, category: record.category, source: record.source });
  const takeBack = Decimal.max(new Decimal(current.points).minus(award.points), 0);
  const cover = await coverShortfall(trx, caller, record, state, takeBack, input.force, input.reason);
  const reversal = await reversalOf(trx, caller.tenantId, current.entryId, { reason: input.reason, createdBy: caller.keyId });
  const plan = planCorrection(record, current, { hours, reason: input.reason, rule, cover, reversal }, caller, state, thresholds);
  return writeCorrection(trx, caller, plan, cover, 1);
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
  const { state, thresholds } = await stateOf(trx, caller.tenantId, record.member_id);
  const takeBack = new Decimal(current.points).plus(record.bonus_points ?? 0);
  const cover = await coverShortfall(trx, caller, record, state, takeBack, input.force, input.reason);
  const reversals: EntryInput[] = [];
  for (const entryId of [current.entryId, record.bonus_entry_id].filter((id): id is string => id !== null)) {
    reversals.push(await reversalOf(trx, caller.tenantId, entryId, { reason: input.reason, createdBy: caller.keyId }));
  }
  const plan = planRevocation(record, { reason: input.reason, takeBack, cover, reversals }, caller, state, thresholds);
  return writeCorrection(trx, caller, plan, cover, reversals.length);
}
