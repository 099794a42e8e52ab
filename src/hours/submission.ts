import crypto from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Caller } from '../auth/caller.js';
import { fromJsonb } from '../db/json.js';
import type { DB } from '../db/schema.js';
import type { MemberState } from '../members/members.js';
import { lockMembersSql } from '../members/repository.js';
import { checkForWrite, type InheritanceRow, type OrgUnitForWrite, toOrgUnitForWrite, withInheritanceQuery } from '../orgunits/orgUnits.js';
import { DomainError } from '../problems.js';
import { type PointsRule, ruleNowQuery, type RuleRow, toRule } from '../rules/rules.js';
import { writePlans } from './awardWriter.js';
import { DAY_MS } from '../chinaTime.js';
import { CLOCK_SKEW_MS, checkDailyCap, checkPeriod, type DayRecord } from './period.js';
import { type Plan, planSubmission } from './plans.js';
import type { NewRecord, RecordOutcome } from './record.js';
import { memberDays, type NewRecordValues } from './repository.js';

// Submission of service records (single, grouped or batch: intake.ts): every check, then the
// records that passed are stored with one statement (awardWriter.ts), verified with their awards
// where the org unit verifies automatically.

/** A record that passed every check of submission, not yet stored. */
export interface Accepted {
  caller: Caller;
  values: NewRecordValues;
  rule: PointsRule;
  /** The org unit (or one above it, or the tenant) verifies its records the moment they are posted. */
  autoVerify: boolean;
}

/** One record to submit, by the caller who posts it (a station app's post, or an item of a batch). */
export interface RecordSubmission {
  caller: Caller;
  input: NewRecord;
}

export interface Prepared {
  /** Per submission, in order: the record accepted, or its refusal. */
  accepted: (Accepted | DomainError)[];
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
export async function prepareSubmissions(trx: Transaction<DB>, tenantId: string, submissions: RecordSubmission[]): Promise<Prepared> {
  const results: (Accepted | DomainError | null)[] = submissions.map(({ input }) =>
    refused(() => checkPeriod(new Date(input.startedAt), new Date(input.endedAt), input.hours)),
  );
  const live = submissions.filter((_, i) => results[i] === null);
  if (live.length === 0) return { accepted: results as DomainError[], members: new Map(), thresholds: [] };

  const unitIds = [...new Set(live.map((p) => p.input.orgUnitId))];
  const memberIds = [...new Set(live.map((p) => p.input.memberId))].sort();
  // Borrows what the org units, members and rules modules give as SQL for it: their tables are
  // read (and the members locked, in id order) in this one statement of the hot path.
  // "Now" is the database's clock, the one ruleNowQuery picks the rule in force by: one clock
  // judges both the rule and whether a record is too old or in the future.
  const { rows } = await sql<RuleRow & { units: InheritanceRow[] | string; members: { member_id: string; active: boolean }[] | string; now: Date | string }>`
    SELECT (SELECT coalesce(jsonb_agg(to_jsonb(u)), '[]') FROM ${withInheritanceQuery(trx, tenantId, unitIds)} AS u) AS units,
      (SELECT coalesce(jsonb_agg(to_jsonb(m)), '[]') FROM (${lockMembersSql(tenantId, memberIds)}) AS m) AS members,
      now() AS now, r.*
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL ${ruleNowQuery(trx, tenantId)} AS r ON true`.execute(trx);
  const ctx = rows[0]!;
  const now = new Date(ctx.now);
  const units = new Map(fromJsonb(ctx.units).map((u) => [u.org_unit_id, toOrgUnitForWrite(u)]));
  const active = new Map(fromJsonb(ctx.members).map((m) => [m.member_id, m.active]));
  const rule = toRule(ctx);

  const checked: { i: number; submission: RecordSubmission; unit: OrgUnitForWrite }[] = [];
  submissions.forEach((submission, i) => {
    if (results[i] !== null) return;
    const { caller, input } = submission;
    results[i] = refused(() => {
      const unit = checkForWrite(caller, input.orgUnitId, units.get(input.orgUnitId) ?? null);
      if (!unit.effectivelyActive) throw new DomainError('org_unit_inactive', { orgUnitId: unit.id });
      const memberActive = active.get(input.memberId);
      if (memberActive === undefined) throw new DomainError('member_not_found', { memberId: input.memberId });
      if (!memberActive) throw new DomainError('member_inactive');
      const startedAt = new Date(input.startedAt);
      if (startedAt.getTime() > now.getTime() || new Date(input.endedAt).getTime() > now.getTime() + CLOCK_SKEW_MS) throw new DomainError('record_in_future');
      if (startedAt.getTime() < now.getTime() - rule.backdatingDays * DAY_MS) throw new DomainError('record_too_old', { days: rule.backdatingDays });
      checked.push({ i, submission, unit });
    });
  });

  const { days, members, thresholds } = await memberDays(
    trx,
    tenantId,
    checked.map(({ submission: { input } }) => ({ memberId: input.memberId, period: { startedAt: new Date(input.startedAt), endedAt: new Date(input.endedAt) }, exclude: null })),
    [...new Set(checked.map(({ submission }) => submission.input.memberId))],
  );
  // Records accepted earlier in this call, per member: they count as stored for the ones after.
  const earlier = new Map<string, (DayRecord & { recordId: string })[]>();
  checked.forEach(({ i, submission: { caller, input }, unit }, k) => {
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
  return { accepted: results as (Accepted | DomainError)[], members, thresholds };
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

function newRecordValues(caller: Caller, input: NewRecord, orgUnitId: string): NewRecordValues {
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

/**
 * Stores the accepted records of one transaction with one statement, whatever their number: each
 * planned in the order posted against the state its member has after the ones before it (the
 * members are locked and were read under the lock), and written by the one award writer. The
 * ledger takes every balance lock of the statement's entries in one fixed order, whatever their order.
 */
export async function storeSubmissions(trx: Transaction<DB>, tenantId: string, prepared: Prepared): Promise<(RecordOutcome | DomainError)[]> {
  const running = new Map(prepared.members);
  const plans: Plan[] = [];
  const at: number[] = [];
  prepared.accepted.forEach((a, n) => {
    if (a instanceof DomainError) return;
    const plan = planSubmission(a.values, a.rule, a.autoVerify, a.caller, running.get(a.values.member_id)!, prepared.thresholds);
    running.set(a.values.member_id, plan.member);
    plans.push(plan);
    at.push(n);
  });
  const outcomes: (RecordOutcome | DomainError)[] = prepared.accepted.map((a) => (a instanceof DomainError ? a : (null as never)));
  const written = await writePlans(trx, tenantId, plans);
  written.forEach((w, k) => {
    outcomes[at[k]!] = { ...w.outcome, correction: null };
  });
  return outcomes;
}
