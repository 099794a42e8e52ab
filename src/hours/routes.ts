import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/auth.js';
import { batchRoute } from '../http/batch.js';
import { AmountSchema, IdempotencyHeaders, OrgUnitId, PageQuery, problemResponses, TimestampSchema } from '../http/schemas.js';
import { writeOnce } from '../http/write.js';
import { RECORDS_PER_TRANSACTION, submitRecords } from './intake.js';
import { authorizeRecordChange, correctHours, rejectRecord, revokeRecord, verifyRecord } from './lifecycle.js';
import { rateRecord } from './ratings.js';
import { RecordStatuses } from './record.js';
import { getRecord, listRecords } from './repository.js';
import { NewRecordSchema, OutcomeSchema, RecordSchema, Text } from './schemas.js';

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
    write: (caller, inputs) => submitRecords(app.db, caller.tenantId, inputs.map((input) => ({ caller, input }))),
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
};
