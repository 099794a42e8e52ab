import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordConfigChange } from '../events/changes.js';
import { callerOf } from '../http/auth.js';
import { batchRoute } from '../http/batch.js';
import { AmountSchema, IdempotencyHeaders, PageQuery, problemResponses, SignedAmountSchema, TimestampSchema } from '../http/schemas.js';
import { writeOnce } from '../http/write.js';
import { OrgUnitId } from '../orgunits/routes.js';
import { authorizeRecordChange, correctHours, rateRecord, rejectRecord, revokeRecord, verifyRecord } from './awards.js';
import { postRecords, RECORDS_PER_TRANSACTION } from './intake.js';
import { getRecord, listRecords, RecordStatuses } from './records.js';
import { createRule, listRules, Sources } from './rules.js';

const Text = (max: number) => z.string().trim().min(1).max(max);

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

const StarChangeSchema = z
  .object({
    id: z.uuid(),
    from: z.number().int(),
    to: z.number().int(),
    hours: SignedAmountSchema,
    cause: z.string(),
    recordId: z.uuid().nullable(),
    entryId: z.uuid().nullable(),
    changedAt: z.string(),
  })
  .meta({ id: 'StarChange' });

export { StarChangeSchema };

const RecordEventSchema = z.object({
  no: z.number().int(),
  type: z.string(),
  at: z.string(),
  actor: z.string().nullable(),
  reason: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});

const RecordSchema = z
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

const OutcomeSchema = z
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

const RuleSchema = z
  .object({
    version: z.number().int(),
    effectiveFrom: z.string(),
    pointsPerHour: SignedAmountSchema,
    categoryMultipliers: z.record(z.string(), z.string()),
    ratingBonus: z.record(z.string(), z.string()),
    dailyCapHours: SignedAmountSchema,
    backdatingDays: z.number().int(),
    pointSources: z.array(z.enum(Sources)),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
  })
  .meta({ id: 'PointsRule' });

const Decimal2 = z.string().regex(/^\d{1,6}(\.\d{1,2})?$/, 'a decimal string with at most two decimals');

const NewRuleSchema = z
  .object({
    effectiveFrom: TimestampSchema.optional().describe('Now if left out; never in the past'),
    pointsPerHour: Decimal2,
    categoryMultipliers: z.record(Text(50), Decimal2).default({}),
    ratingBonus: z.partialRecord(z.enum(['1', '2', '3', '4', '5']), Decimal2).default({}),
    dailyCapHours: Decimal2.refine((v) => Number(v) > 0 && Number(v) <= 24, 'more than 0, at most 24'),
    backdatingDays: z.number().int().min(1).max(3650).describe('Days a record may start before now (at least 1)'),
    pointSources: z.array(z.enum(Sources)).min(0).default(['checkin', 'manual']),
  })
  .meta({ id: 'NewPointsRule' });

const Params = z.object({ id: z.uuid() });
const Reason = Text(500);
const recordReaders = ['admin', 'station', 'auditor'] as const;
const recordWriters = ['admin', 'station'] as const;
const recordProblems = ['validation_failed', 'record_not_found', 'org_unit_out_of_scope', 'record_status_conflict', 'idempotency_conflict'] as const;

export const hoursRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/service-records', {
    config: { roles: recordWriters },
    schema: {
      tags: ['service records'],
      summary: 'Post a completed service record (verified at once where the tenant or org unit allows)',
      description: 'Idempotent by externalId: the same record again returns the first answer with Idempotent-Replayed: true.',
      body: NewRecordSchema,
      response: {
        201: OutcomeSchema,
        ...problemResponses(
          'validation_failed', 'invalid_amount', 'amount_not_positive', 'too_many_decimals', 'record_period_invalid',
          'hours_exceed_period', 'org_unit_out_of_scope', 'member_not_found', 'org_unit_not_found', 'overlapping_record',
          'idempotency_conflict', 'record_in_future', 'record_too_old', 'daily_cap_exceeded', 'member_inactive', 'org_unit_inactive',
        ),
      },
    },
    handler: async (request, reply) => {
      const result = await app.records.post(callerOf(request), request.body);
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(result.statusCode as 201).send(result.body);
    },
  });

  batchRoute(app, {
    url: '/service-records::batch',
    roles: recordWriters,
    tags: ['service records'],
    summary: 'Post up to 1000 service records; each gets its own result',
    description:
      'Each item is written on its own, idempotent by its externalId: retrying the batch repeats nothing. ' +
      'The answer is 200 with a result per item whatever happens to one item; only items whose result says so were written.',
    max: 1000,
    chunk: RECORDS_PER_TRANSACTION,
    item: NewRecordSchema,
    result: OutcomeSchema,
    resultId: 'ServiceRecordBatchResult',
    key: { name: 'externalId', of: (raw) => (typeof (raw as { externalId?: unknown })?.externalId === 'string' ? (raw as { externalId: string }).externalId : null) },
    write: (caller, inputs) => postRecords(app.db, caller.tenantId, inputs.map((input) => ({ caller, input }))),
  });

  app.get('/service-records', {
    config: { roles: recordReaders },
    schema: {
      tags: ['service records'],
      summary: 'Service records, newest first, by member, org unit (with the units under it), status and period',
      querystring: PageQuery.extend({
        memberId: z.uuid().optional(),
        orgUnitId: OrgUnitId.optional(),
        status: z.enum(RecordStatuses).optional(),
        from: TimestampSchema.optional().describe('Started at or after'),
        to: TimestampSchema.optional().describe('Started before'),
      }),
      response: {
        200: z.object({ items: z.array(RecordSchema), nextCursor: z.string().nullable() }),
        ...problemResponses('validation_failed', 'invalid_cursor', 'org_unit_not_found', 'org_unit_out_of_scope'),
      },
    },
    handler: async (request) => listRecords(app.db, callerOf(request), request.query),
  });

  app.get('/service-records/:id', {
    config: { roles: recordReaders },
    schema: {
      tags: ['service records'],
      summary: 'One service record with its full history',
      params: Params,
      response: { 200: RecordSchema, ...problemResponses('validation_failed', 'record_not_found', 'org_unit_out_of_scope') },
    },
    handler: async (request) => getRecord(app.db, callerOf(request), request.params.id),
  });

  app.post('/service-records/:id/verification', {
    config: { roles: recordWriters },
    schema: {
      tags: ['service records'],
      summary: "Verify a record: one entry credits the member's hours and points; stars follow",
      headers: IdempotencyHeaders,
      params: Params,
      response: { 200: OutcomeSchema, ...problemResponses(...recordProblems, 'member_inactive') },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({ statusCode: 200, body: await verifyRecord(trx, callerOf(request), request.params.id) }), {
        authorize: (trx) => authorizeRecordChange(trx, callerOf(request), request.params.id),
      }),
  });

  app.post('/service-records/:id/rejection', {
    config: { roles: recordWriters },
    schema: {
      tags: ['service records'],
      summary: 'Reject a submitted record, with a reason',
      headers: IdempotencyHeaders,
      params: Params,
      body: z.object({ reason: Reason }),
      response: { 200: OutcomeSchema, ...problemResponses(...recordProblems) },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({
        statusCode: 200,
        body: await rejectRecord(trx, callerOf(request), request.params.id, request.body.reason),
      }), { authorize: (trx) => authorizeRecordChange(trx, callerOf(request), request.params.id) }),
  });

  app.post('/service-records/:id/rating', {
    config: { roles: recordWriters },
    schema: {
      tags: ['service records'],
      summary: "The resident's rating (评单), once per verified record; a rule bonus is its own entry",
      headers: IdempotencyHeaders,
      params: Params,
      body: z.object({ stars: z.number().int().min(1).max(5), comment: Text(1000).optional() }),
      response: { 200: OutcomeSchema, ...problemResponses(...recordProblems, 'already_rated') },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({ statusCode: 200, body: await rateRecord(trx, callerOf(request), request.params.id, request.body) }), {
        authorize: (trx) => authorizeRecordChange(trx, callerOf(request), request.params.id),
      }),
  });

  app.post('/service-records/:id/correction', {
    config: { roles: recordWriters },
    schema: {
      tags: ['service records'],
      summary: 'Change the hours of a verified record: the award is reversed and a new one posted',
      headers: IdempotencyHeaders,
      params: Params,
      body: z.object({
        hours: AmountSchema,
        reason: Reason,
        force: z.boolean().default(false).describe('Admin only: take points the member already spent from the adjustment account'),
      }),
      response: {
        200: OutcomeSchema,
        ...problemResponses(
          ...recordProblems, 'invalid_amount', 'amount_not_positive', 'too_many_decimals', 'hours_exceed_period', 'daily_cap_exceeded',
          'points_already_spent', 'force_not_allowed',
        ),
      },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({ statusCode: 200, body: await correctHours(trx, callerOf(request), request.params.id, request.body) }), {
        authorize: (trx) => authorizeRecordChange(trx, callerOf(request), request.params.id, request.body),
      }),
  });

  app.post('/service-records/:id/revocation', {
    config: { roles: recordWriters },
    schema: {
      tags: ['service records'],
      summary: 'Revoke a verified record: its award and rating bonus are reversed',
      headers: IdempotencyHeaders,
      params: Params,
      body: z.object({
        reason: Reason,
        force: z.boolean().default(false).describe('Admin only: take points the member already spent from the adjustment account'),
      }),
      response: { 200: OutcomeSchema, ...problemResponses(...recordProblems, 'points_already_spent', 'force_not_allowed') },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({ statusCode: 200, body: await revokeRecord(trx, callerOf(request), request.params.id, request.body) }), {
        authorize: (trx) => authorizeRecordChange(trx, callerOf(request), request.params.id, request.body),
      }),
  });

  app.post('/points-rules', {
    schema: {
      tags: ['points rules'],
      summary: 'Add the next version of the points rule, effective now or later',
      headers: IdempotencyHeaders,
      body: NewRuleSchema,
      response: { 201: RuleSchema, ...problemResponses('validation_failed', 'rule_effective_in_past', 'idempotency_conflict') },
    },
    handler: async (request, reply) => {
      const caller = callerOf(request);
      return writeOnce(request, reply, async (trx) => ({ statusCode: 201, body: await recordConfigChange(trx, caller, 'pointsRule.created', await createRule(trx, caller.tenantId, request.body, caller.keyId)) }));
    },
  });

  app.get('/points-rules', {
    config: { roles: recordReaders },
    schema: {
      tags: ['points rules'],
      summary: 'Every version of the points rule, oldest first',
      response: { 200: z.object({ items: z.array(RuleSchema) }), ...problemResponses() },
    },
    handler: async (request) => ({ items: await listRules(app.db, callerOf(request).tenantId) }),
  });
};
