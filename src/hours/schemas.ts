import { z } from 'zod';
import { AmountSchema, OrgUnitId, SignedAmountSchema, TimestampSchema } from '../http/schemas.js';
import { StarChangeSchema } from '../members/schemas.js';
import { Sources } from '../rules/rules.js';
import { RecordStatuses } from './record.js';

// The zod schemas of the service-record routes: what a station posts and what a record's change answers.

export const Text = (max: number) => z.string().trim().min(1).max(max);

export const NewRecordSchema = z
  .object({
    externalId: Text(200).describe("The station app's own id for this record; posting it again replays the first answer"),
    memberId: z.uuid(),
    orgUnitId: OrgUnitId,
    category: Text(50).describe('Service category; the points rule may weight it'),
    title: Text(200),
    source: z.enum(Sources).default('manual').describe('checkin: signed in and out by code or QR; manual: entered afterwards'),
    place: Text(200).optional(),
    beneficiary: Text(200).optional().describe('Who was served'),
    content: Text(2000).optional().describe('What was done'),
    lead: Text(100).optional().describe('The activity lead'),
    recorder: Text(100).optional().describe('Who recorded it'),
    reference: Text(200).optional().describe('Order (点单) or activity reference'),
    startedAt: TimestampSchema,
    endedAt: TimestampSchema,
    hours: AmountSchema.describe('Actual service time in hours, travel excluded; at most the time between start and end'),
  })
  .meta({ id: 'NewServiceRecord' });

const RecordEventSchema = z.object({
  no: z.number().int(),
  type: z.string(),
  at: z.string(),
  actor: z.string().nullable(),
  reason: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});

export const RecordSchema = z
  .object({
    id: z.uuid(),
    externalId: z.string(),
    memberId: z.uuid(),
    orgUnitId: z.string(),
    category: z.string(),
    title: z.string(),
    source: z.enum(Sources),
    place: z.string().nullable(),
    beneficiary: z.string().nullable(),
    content: z.string().nullable(),
    lead: z.string().nullable(),
    recorder: z.string().nullable(),
    reference: z.string().nullable(),
    startedAt: z.string(),
    endedAt: z.string(),
    hours: SignedAmountSchema,
    status: z.enum(RecordStatuses),
    rejectReason: z.string().nullable(),
    award: z
      .object({ entryId: z.uuid(), ruleVersion: z.number().int(), points: SignedAmountSchema, explanation: z.string() })
      .nullable()
      .describe('The current award: entry, rule version, points and the arithmetic'),
    rating: z
      .object({
        stars: z.number().int(),
        comment: z.string().nullable(),
        ratedAt: z.string(),
        bonusPoints: SignedAmountSchema.nullable(),
        bonusEntryId: z.uuid().nullable(),
      })
      .nullable(),
    submittedAt: z.string(),
    submittedBy: z.string().nullable(),
    verifiedAt: z.string().nullable(),
    verifiedBy: z.string().nullable(),
    history: z.array(RecordEventSchema).optional().describe('Every change of the record, oldest first (on GET of one record)'),
  })
  .meta({ id: 'ServiceRecord' });

export const OutcomeSchema = z
  .object({
    record: RecordSchema,
    member: z.object({
      id: z.uuid(),
      hours: SignedAmountSchema,
      points: SignedAmountSchema,
      pointsAvailable: SignedAmountSchema,
      stars: z.number().int(),
    }),
    starChange: StarChangeSchema.nullable().describe("Set when this change moved the member's star rating"),
    correction: z
      .object({
        reversalEntryIds: z.array(z.uuid()),
        awardEntryId: z.uuid().nullable(),
        adjustmentEntryId: z.uuid().nullable(),
        forced: z.boolean().describe('True when spent points were taken from the adjustment account'),
        shortfall: SignedAmountSchema,
      })
      .nullable(),
  })
  .meta({ id: 'ServiceRecordOutcome' });
