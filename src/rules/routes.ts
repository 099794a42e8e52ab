import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordConfigChange } from '../changes/changes.js';
import { callerOf } from '../http/auth.js';
import { IdempotencyHeaders, problemResponses, SignedAmountSchema, TimestampSchema } from '../http/schemas.js';
import { writeOnce } from '../http/write.js';
import { createRule, listRules, Sources } from './rules.js';

// Points rules (积分管理办法): admins add versions, readers list them.

const Text = (max: number) => z.string().trim().min(1).max(max);

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

const readers = ['admin', 'station', 'auditor'] as const;

export const rulesRoutes: FastifyPluginAsyncZod = async (app) => {
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
    config: { roles: readers },
    schema: {
      tags: ['points rules'],
      summary: 'Every version of the points rule, oldest first',
      response: { 200: z.object({ items: z.array(RuleSchema) }), ...problemResponses() },
    },
    handler: async (request) => ({ items: await listRules(app.db, callerOf(request).tenantId) }),
  });
};
