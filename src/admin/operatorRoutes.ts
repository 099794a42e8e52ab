import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { byOperator, recordConfigChange } from '../changes/changes.js';
import { CreatedApiKeySchema, problemResponses } from '../http/schemas.js';
import { DomainError } from '../problems.js';
import { isOperatorToken } from './operator.js';
import { NewApiKeySchema } from './routes.js';
import { createTenant, listTenants, TENANT_ID, TenantExistsError, tenantExists } from '../tenants/tenants.js';
import { issueApiKey } from './apiKeys.js';

// /v1/operator: what the deployment's operator does while the service runs (new county centres
// and their keys). Authenticated by the operator token, never by a tenant key: a tenant admin
// must not be able to create other tenants.

const TenantId = z.string().regex(TENANT_ID, 'a lower-case letter, then 1-39 lower-case letters, digits or "-"');

const TenantSchema = z.object({ id: z.string(), name: z.string(), createdAt: z.string() }).meta({ id: 'Tenant' });

const security = [{ operatorToken: [] }];

/** The problem responses of an operator route: its own 401, no role-based 403. */
function operatorProblems(...codes: Parameters<typeof problemResponses>) {
  const responses: Record<string, { description: string }> = problemResponses('operator_unauthenticated', ...codes);
  delete responses[403];
  responses[401] = { ...responses[401]!, description: 'Problem; code is one of: operator_unauthenticated' };
  return responses;
}

export const operatorRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', async (request) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!isOperatorToken(app.config.operatorTokenHash, match?.[1])) throw new DomainError('operator_unauthenticated');
  });

  app.post('/tenants', {
    schema: {
      tags: ['operator'],
      summary: 'Create a tenant (county centre) and its first admin key (the secret is in this response only)',
      security,
      body: z.object({ id: TenantId, name: z.string().trim().min(1).max(200) }),
      response: {
        201: TenantSchema.omit({ createdAt: true }).extend({ adminKey: CreatedApiKeySchema }),
        ...operatorProblems('validation_failed', 'tenant_exists'),
      },
    },
    handler: async (request, reply) => {
      try {
        const created = await createTenant(app.db, request.body);
        reply.code(201);
        return { id: created.tenantId, name: request.body.name, adminKey: created.adminKey };
      } catch (err) {
        if (err instanceof TenantExistsError) throw new DomainError('tenant_exists', { tenantId: request.body.id });
        throw err;
      }
    },
  });

  app.get('/tenants', {
    schema: {
      tags: ['operator'],
      summary: 'Every tenant of the deployment',
      security,
      response: { 200: z.object({ items: z.array(TenantSchema) }), ...operatorProblems() },
    },
    handler: async () => ({ items: await listTenants(app.db) }),
  });

  app.post('/tenants/:tenantId/api-keys', {
    schema: {
      tags: ['operator'],
      summary: "Create an API key of a tenant (the secret is in this response only), e.g. when its admin key is lost",
      security,
      params: z.object({ tenantId: TenantId }),
      body: NewApiKeySchema,
      response: {
        201: CreatedApiKeySchema,
        ...operatorProblems('validation_failed', 'tenant_not_found', 'scope_not_allowed', 'org_unit_not_found', 'market_not_found', 'market_inactive'),
      },
    },
    handler: async (request, reply) => {
      const { tenantId } = request.params;
      const key = await app.db.transaction().execute(async (trx) => {
        if (!(await tenantExists(trx, tenantId))) throw new DomainError('tenant_not_found', { tenantId });
        return recordConfigChange(trx, byOperator(tenantId), 'apiKey.created', await issueApiKey(trx, tenantId, request.body));
      });
      reply.code(201);
      return key;
    },
  });
};
