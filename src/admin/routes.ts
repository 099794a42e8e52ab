import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordConfigChange } from '../changes/changes.js';
import { callerOf } from '../http/auth.js';
import { ApiKeySchema, CreatedApiKeySchema, IdempotencyHeaders, MarketId, problemResponses, TimestampSchema } from '../http/schemas.js';
import { writeOnce } from '../http/write.js';
import { listApiKeys, revokeApiKey } from '../auth/apiKeys.js';
import { Roles } from '../auth/caller.js';
import { OrgUnitId } from '../http/schemas.js';
import { tenantName } from '../tenants/tenants.js';
import { ExpiryPolicyKinds, listExpiryPolicies } from '../ledger/index.js';
import { issueApiKey } from './apiKeys.js';
import { readSettings, updateSettings } from './settings.js';

// What a tenant's admin (and, for reads, its auditor) does to the tenant itself: settings, API keys.

const Threshold = z.string().regex(/^\d{1,6}(\.\d{1,2})?$/, 'hours as a decimal string');

const ExpiryPolicySchema = z
  .object({
    version: z.number().int().describe('0: never set (points never expire)'),
    policy: z.enum(ExpiryPolicyKinds).describe('none; yearEnd: the end of the year earned plus months of grace; monthsAfter: months after the day earned'),
    months: z.number().int(),
    effectiveFrom: z.string().nullable().describe('Points credited from then on are dated by it; open lots keep their dates'),
    createdAt: z.string().nullable(),
    createdBy: z.string().nullable(),
  })
  .meta({ id: 'ExpiryPolicy' });

const SettingsSchema = z
  .object({
    autoVerify: z.boolean().describe('Records of every org unit are verified on submission'),
    starThresholds: z.array(z.string()).describe('Cumulative verified hours for 1 to 5 stars'),
    offlineSaleDays: z.number().int().describe('How many days back an offline terminal may upload a sale (POST /v1/redemptions:batch)'),
    yearlyGoalHours: z.string().describe('Hours a year each member is asked to give (default 20); participation reports give the share of members reaching it'),
    pointsExpiry: ExpiryPolicySchema,
  })
  .meta({ id: 'Settings' });

/** A new key, as a tenant's admin (POST /v1/api-keys) or the operator asks for it. */
export const NewApiKeySchema = z.object({
  name: z.string().trim().min(1).max(200),
  role: z.enum(Roles),
  orgUnitId: OrgUnitId.optional().describe('Station keys only: the org unit the key acts for'),
  marketId: MarketId.optional().describe("Pos keys only: the market the key acts for (a terminal's own key comes with the terminal)"),
});

export const tenantRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/settings', {
    config: { roles: ['admin', 'auditor'] },
    schema: {
      tags: ['tenant'],
      summary: "The tenant's settings: automatic verification, star thresholds, offline sales and points expiry",
      response: { 200: SettingsSchema, ...problemResponses() },
    },
    handler: async (request) => readSettings(app.db, callerOf(request).tenantId),
  });

  app.get('/settings/expiry-policies', {
    config: { roles: ['admin', 'auditor'] },
    schema: {
      tags: ['tenant'],
      summary: 'Every version of the points expiry policy, newest first',
      response: { 200: z.object({ items: z.array(ExpiryPolicySchema) }), ...problemResponses() },
    },
    handler: async (request) => ({ items: await listExpiryPolicies(app.db, callerOf(request).tenantId) }),
  });

  app.patch('/settings', {
    schema: {
      tags: ['tenant'],
      summary: 'Change settings; new star thresholds re-rate every member (each change kept in their history)',
      headers: IdempotencyHeaders,
      body: z.object({
        autoVerify: z.boolean().optional(),
        starThresholds: z
          .array(Threshold)
          .length(5)
          .refine((t) => t.every((v, i) => Number(v) > 0 && (i === 0 || Number(v) > Number(t[i - 1]))), 'five increasing positive numbers of hours')
          .optional(),
        offlineSaleDays: z.number().int().min(1).max(90).optional(),
        yearlyGoalHours: Threshold.refine((v) => Number(v) > 0, 'a positive number of hours').optional().describe('Hours a year each member is asked to give'),
        pointsExpiry: z
          .object({
            policy: z.enum(ExpiryPolicyKinds),
            months: z.number().int().min(0).max(120).optional(),
            effectiveFrom: TimestampSchema.optional().describe('Now if left out; never in the past'),
          })
          .describe('A new version of the expiry policy (积分清零), for points credited from now on: none, yearEnd with months of grace, or monthsAfter')
          .optional(),
      }),
      response: {
        200: SettingsSchema.extend({ starsChanged: z.number().int().describe('Members whose stars moved') }),
        ...problemResponses('validation_failed', 'rule_effective_in_past', 'idempotency_conflict'),
      },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({
        statusCode: 200,
        body: await recordConfigChange(trx, callerOf(request), 'settings.updated', await updateSettings(trx, callerOf(request).tenantId, request.body, callerOf(request).keyId), request.body),
      })),
  });

  app.get('/tenant', {
    config: { roles: Roles },
    schema: {
      tags: ['tenant'],
      summary: 'The tenant and key making the call',
      response: {
        200: z.object({ id: z.string(), name: z.string(), keyId: z.string(), role: z.enum(Roles) }),
        ...problemResponses(),
      },
    },
    handler: async (request) => {
      const caller = callerOf(request);
      return { id: caller.tenantId, name: await tenantName(app.db, caller.tenantId), keyId: caller.keyId, role: caller.role };
    },
  });

  app.post('/api-keys', {
    schema: {
      tags: ['tenant'],
      summary: 'Create an API key (the secret is in this response only)',
      headers: IdempotencyHeaders,
      body: NewApiKeySchema,
      response: {
        201: CreatedApiKeySchema,
        ...problemResponses('validation_failed', 'scope_not_allowed', 'org_unit_not_found', 'market_not_found', 'market_inactive', 'idempotency_conflict'),
      },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({
        statusCode: 201,
        body: await recordConfigChange(trx, callerOf(request), 'apiKey.created', await issueApiKey(trx, callerOf(request).tenantId, request.body)),
      })),
  });

  app.get('/api-keys', {
    schema: {
      tags: ['tenant'],
      summary: "The tenant's API keys (never their secrets)",
      response: { 200: z.object({ items: z.array(ApiKeySchema) }), ...problemResponses() },
    },
    handler: async (request) => ({ items: await listApiKeys(app.db, callerOf(request).tenantId) }),
  });

  app.post('/api-keys/:id/revocation', {
    schema: {
      tags: ['tenant'],
      summary: 'Revoke an API key; it stops working at once',
      headers: IdempotencyHeaders,
      params: z.object({ id: z.string().regex(/^[0-9a-f]{16}$/) }),
      response: { 200: ApiKeySchema, ...problemResponses('validation_failed', 'api_key_not_found', 'last_admin_key') },
    },
    handler: async (request, reply) => {
      const { tenantId } = callerOf(request);
      const revoked = await writeOnce(request, reply, async (trx) => ({
        statusCode: 200,
        body: await recordConfigChange(trx, callerOf(request), 'apiKey.revoked', await revokeApiKey(trx, tenantId, request.params.id)),
      }));
      request.server.apiKeys.forget(tenantId, request.params.id);
      return revoked;
    },
  });
};
