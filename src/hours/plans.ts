import { Decimal } from 'decimal.js';
import type { Caller } from '../auth/caller.js';
import { ADJUSTMENT_POINTS, type EntryInput, formatAmount, issuanceAccount, memberHoursAccount, memberPointsAccount, type PostingInput } from '../ledger/index.js';
import type { MemberState } from '../members/members.js';
import { type StarCause, starMove } from '../members/stars.js';
import { type ComputedAward, computeAward, type PointsRule } from '../rules/rules.js';
import type { RecordAward, RecordRow } from './record.js';
import type { NewRecordValues } from './repository.js';

// Plans: what a change of a record does, worked out without a query from the record, the rule
// and the member's state (read under the member's lock): the entries to post, the record's new
// columns, its history events, the change of the member's stars, the member after. One writer
// (awardWriter.ts) applies a list of them in one statement: records posted and verified at once,
// a later verification, a correction, a revocation.

/** An event of a record's history, numbered from its last; `refs` names entries (by index in the plan) whose ids complete the detail. */
export interface PlannedEvent {
  no: number;
  type: string;
  actor: string | null;
  reason: string | null;
  detail: Record<string, unknown>;
  refs: Record<string, number | number[] | null> | null;
}

/** The columns a change sets on an existing record (null: unchanged). */
export interface RecordUpdate {
  status: 'verified' | 'revoked' | null;
  hours: string | null;
  ruleVersion: number | null;
  points: string | null;
  explanation: string | null;
  /** Set on verification (verified_at becomes now). */
  verifiedBy: string | null;
}

export interface Plan {
  recordId: string;
  memberId: string;
  record: { insert: NewRecordValues; update?: never } | { update: RecordUpdate; insert?: never };
  /** Posted in this order, through one call of the ledger's write path with the other plans' entries. */
  entries: EntryInput[];
  /** The entry (index) that becomes the record's award, or null when the award stays. */
  award: number | null;
  events: PlannedEvent[];
  stars: { from: number; to: number; hours: string; cause: StarCause; entry: number | null } | null;
  /** The member after the change; the writer checks the hours against what the ledger answers. */
  member: MemberState;
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

interface Awarded {
  recordId: string;
  memberId: string;
  orgUnitId: string;
  category: string;
  source: RecordRow['source'];
  endedAt: Date;
}

/** The award entry of a record's hours under a rule. */
function awardEntry(r: Awarded, rule: PointsRule, hours: Decimal, caller: Caller, correcting?: { hours: string; reason: string; entryId: string }) {
  const award = computeAward(rule, { hours, category: r.category, source: r.source });
  const entry: EntryInput = {
    tenantId: caller.tenantId,
    kind: 'award',
    occurredAt: r.endedAt,
    reason: correcting ? `${award.explanation}; corrects ${correcting.hours} h: ${correcting.reason}` : award.explanation,
    objectType: 'service_record',
    objectId: r.recordId,
    ruleVersion: rule.version,
    createdBy: caller.keyId,
    metadata: {
      explanation: award.explanation,
      hours: formatAmount(hours),
      points: formatAmount(award.points),
      ...(correcting ? { corrects: correcting.entryId } : {}),
    },
    postings: awardPostings(r.orgUnitId, r.memberId, hours, award.points),
  };
  return { award, entry };
}

/** The detail of a record's "verified" event (its entry id is added by the writer). */
function verifiedDetail(automatic: boolean, rule: PointsRule, hours: Decimal, award: ComputedAward) {
  return { automatic, ruleVersion: rule.version, hours: formatAmount(hours), points: formatAmount(award.points), explanation: award.explanation };
}

const starsDetail = (s: Plan['stars']) => (s ? { stars: { from: s.from, to: s.to } } : {});

function after(state: MemberState, hours: Decimal.Value, points: Decimal.Value, stars: number): MemberState {
  return { hours: formatAmount(hours), points: formatAmount(points), held: state.held, stars };
}

/** A record as posted: submitted, or verified at once with its award when `autoVerify`. */
export function planSubmission(
  values: NewRecordValues,
  rule: PointsRule,
  autoVerify: boolean,
  caller: Caller,
  state: MemberState,
  thresholds: string[],
): Plan {
  const hours = new Decimal(values.hours as string);
  const submitted: PlannedEvent = { no: 1, type: 'submitted', actor: caller.keyId, reason: null, detail: { hours: formatAmount(hours) }, refs: null };
  if (!autoVerify) return { recordId: values.record_id, memberId: values.member_id, record: { insert: values }, entries: [], award: null, events: [submitted], stars: null, member: state };
  const r = { recordId: values.record_id, memberId: values.member_id, orgUnitId: values.org_unit_id, category: values.category, source: values.source, endedAt: new Date(values.ended_at as Date) };
  const { award, entry } = awardEntry(r, rule, hours, caller);
  const hoursAfter = hours.plus(state.hours);
  const move = starMove(state.stars, hoursAfter, thresholds);
  const stars = move && { ...move, cause: 'award' as const, entry: 0 };
  const insert = { ...values, status: 'verified' as const, rule_version: rule.version, points: formatAmount(award.points), explanation: award.explanation, verified_by: caller.keyId };
  return {
    recordId: r.recordId,
    memberId: r.memberId,
    record: { insert },
    entries: [entry],
    award: 0,
    events: [submitted, { no: 2, type: 'verified', actor: caller.keyId, reason: null, detail: { ...verifiedDetail(true, rule, hours, award), ...starsDetail(stars) }, refs: { entryId: 0 } }],
    stars,
    member: after(state, hoursAfter, award.points.plus(state.points), move?.to ?? state.stars),
  };
}

const awarded = (row: RecordRow): Awarded => ({
  recordId: row.record_id,
  memberId: row.member_id,
  orgUnitId: row.org_unit_id,
  category: row.category,
  source: row.source,
  endedAt: new Date(row.ended_at),
});

/** The verification of a submitted record: its award under the rule in force. */
export function planVerification(row: RecordRow, rule: PointsRule, caller: Caller, state: MemberState, thresholds: string[]): Plan {
  const hours = new Decimal(row.hours);
  const { award, entry } = awardEntry(awarded(row), rule, hours, caller);
  const hoursAfter = hours.plus(state.hours);
  const move = starMove(state.stars, hoursAfter, thresholds);
  const stars = move && { ...move, cause: 'award' as const, entry: 0 };
  return {
    recordId: row.record_id,
    memberId: row.member_id,
    record: { update: { status: 'verified', hours: null, ruleVersion: rule.version, points: formatAmount(award.points), explanation: award.explanation, verifiedBy: caller.keyId } },
    entries: [entry],
    award: 0,
    events: [{ no: 1, type: 'verified', actor: caller.keyId, reason: null, detail: { ...verifiedDetail(false, rule, hours, award), ...starsDetail(stars) }, refs: { entryId: 0 } }],
    stars,
    member: after(state, hoursAfter, award.points.plus(state.points), move?.to ?? state.stars),
  };
}

/** Points a correction takes back beyond what the member has available, taken from the adjustment account when forced. */
export interface Cover {
  shortfall: Decimal;
  /** The adjustment entry, when there is a shortfall (only when forced). */
  entry: EntryInput | null;
}

/** The adjustment entry that covers a shortfall of a forced correction or revocation. */
export function coverEntry(row: RecordRow, caller: Caller, shortfall: Decimal, reason: string): EntryInput {
  return {
    tenantId: caller.tenantId,
    kind: 'adjustment',
    reason: `forced correction of service record ${row.record_id}: ${formatAmount(shortfall)} points already spent, taken from ${ADJUSTMENT_POINTS}. ${reason}`,
    objectType: 'service_record',
    objectId: row.record_id,
    createdBy: caller.keyId,
    postings: [
      { accountId: ADJUSTMENT_POINTS, unit: 'POINTS', amount: shortfall.neg() },
      { accountId: memberPointsAccount(row.member_id), unit: 'POINTS', amount: shortfall },
    ],
  };
}

function correctionDetail(cover: Cover) {
  return { forced: cover.entry !== null, shortfall: formatAmount(cover.shortfall) };
}

/**
 * New hours for a verified record: the cover of a shortfall (if any), a new award under the
 * award's own rule version (a later rule never changes a past award), then the reversal of the
 * old one. The new award goes first so that the member's points never dip below zero between.
 */
export function planCorrection(
  row: RecordRow,
  current: RecordAward,
  input: { hours: Decimal; reason: string; rule: PointsRule; cover: Cover; reversal: EntryInput },
  caller: Caller,
  state: MemberState,
  thresholds: string[],
): Plan {
  const { award, entry } = awardEntry(awarded(row), input.rule, input.hours, caller, { hours: formatAmount(row.hours), reason: input.reason, entryId: current.entryId });
  const entries = [...(input.cover.entry ? [input.cover.entry] : []), entry, input.reversal];
  const awardAt = entries.indexOf(entry);
  const hoursAfter = new Decimal(state.hours).minus(row.hours).plus(input.hours);
  const move = starMove(state.stars, hoursAfter, thresholds);
  const stars = move && { ...move, cause: 'correction' as const, entry: awardAt };
  const detail = {
    hoursBefore: formatAmount(row.hours),
    hoursAfter: formatAmount(input.hours),
    pointsBefore: current.points,
    pointsAfter: formatAmount(award.points),
    explanation: award.explanation,
    ...correctionDetail(input.cover),
    ...starsDetail(stars),
  };
  const points = new Decimal(state.points).plus(input.cover.shortfall).plus(award.points).minus(current.points);
  return {
    recordId: row.record_id,
    memberId: row.member_id,
    record: { update: { status: null, hours: formatAmount(input.hours), ruleVersion: null, points: formatAmount(award.points), explanation: award.explanation, verifiedBy: null } },
    entries,
    award: awardAt,
    events: [{ no: 1, type: 'corrected', actor: caller.keyId, reason: input.reason, detail, refs: { reversalEntryIds: [entries.length - 1], awardEntryId: awardAt, adjustmentEntryId: input.cover.entry ? 0 : null } }],
    stars,
    member: after(state, hoursAfter, points, move?.to ?? state.stars),
  };
}

/** Revocation: the cover of a shortfall (if any), then the reversals of the award and any rating bonus; the record stays, revoked. */
export function planRevocation(
  row: RecordRow,
  input: { reason: string; takeBack: Decimal; cover: Cover; reversals: EntryInput[] },
  caller: Caller,
  state: MemberState,
  thresholds: string[],
): Plan {
  const offset = input.cover.entry ? 1 : 0;
  const entries = [...(input.cover.entry ? [input.cover.entry] : []), ...input.reversals];
  const hoursAfter = new Decimal(state.hours).minus(row.hours);
  const move = starMove(state.stars, hoursAfter, thresholds);
  const stars = move && { ...move, cause: 'revocation' as const, entry: offset };
  const detail = { hours: formatAmount(row.hours), points: formatAmount(input.takeBack), awardEntryId: null, ...correctionDetail(input.cover), ...starsDetail(stars) };
  return {
    recordId: row.record_id,
    memberId: row.member_id,
    record: { update: { status: 'revoked', hours: null, ruleVersion: null, points: null, explanation: null, verifiedBy: null } },
    entries,
    award: null,
    events: [
      {
        no: 1,
        type: 'revoked',
        actor: caller.keyId,
        reason: input.reason,
        detail,
        refs: { reversalEntryIds: input.reversals.map((_, k) => offset + k), adjustmentEntryId: input.cover.entry ? 0 : null },
      },
    ],
    stars,
    member: after(state, hoursAfter, new Decimal(state.points).plus(input.cover.shortfall).minus(input.takeBack), move?.to ?? state.stars),
  };
}
