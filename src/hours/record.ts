import type { Selectable } from 'kysely';
import type { ServiceRecordsTable } from '../db/schema.js';
import { formatAmount } from '../ledger/index.js';
import type { MemberTotals } from '../members/members.js';
import type { StarChange } from '../members/stars.js';
import type { Source } from '../rules/rules.js';

// The service record (志愿服务记录) as the API shows it, and what every change of one answers.

export const RecordStatuses = ['submitted', 'verified', 'rejected', 'revoked'] as const;
export type RecordStatus = (typeof RecordStatuses)[number];

export type RecordRow = Selectable<ServiceRecordsTable>;

/** What a station app posts: one completed piece of service. */
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

/** The award a verified record holds now: its entry, rule version, points and arithmetic. */
export interface RecordAward {
  entryId: string;
  ruleVersion: number;
  points: string;
  explanation: string;
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
  award: RecordAward | null;
  rating: { stars: number; comment: string | null; ratedAt: string; bonusPoints: string | null; bonusEntryId: string | null } | null;
  submittedAt: string;
  submittedBy: string | null;
  verifiedAt: string | null;
  verifiedBy: string | null;
  history?: RecordEvent[];
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

function iso(d: Date | string | null): string | null {
  return d === null ? null : new Date(d).toISOString();
}

/** The current award of a record: set, all fields together, when it is verified. */
export function awardOf(r: RecordRow): RecordAward | null {
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
