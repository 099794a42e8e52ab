import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { recordConfigChange } from '../changes/changes.js';
import { callerOf } from '../http/auth.js';
import { CreatedApiKeySchema, IdempotencyHeaders, MarketId, OrgUnitId, problemResponses } from '../http/schemas.js';
import { writeOnce } from '../http/write.js';
import { createMarket, deactivateMarket, getMarket, listMarkets, renameMarket } from './markets.js';
import { deactivateTerminal, listTerminals, registerTerminal, rotateTerminalKey } from './terminals.js';

// Markets and their terminals: admins write; admins and auditors read every market, a market's
// pos key its own.

const MarketSchema = z
  .object({
    id: MarketId,
    orgUnitId: OrgUnitId,
    name: z.string(),
    active: z.boolean().describe('False once deactivated: no sales, no new terminals, its keys revoked'),
    accountId: z.string().describe("The market's points account (market:<id>:points), credited by its sales"),
    receiptsIssued: z.number().int().describe('Receipts given so far: the last receipt number'),
    createdAt: z.string(),
    deactivatedAt: z.string().nullable(),
  })
  .meta({ id: 'Market' });

const TerminalId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and -, at most 40')
  .meta({ id: 'TerminalId', example: 'xinhua-till-1' });

const TerminalSchema = z
  .object({
    id: TerminalId,
    marketId: MarketId,
    name: z.string(),
    active: z.boolean().describe('False once deactivated: its keys are revoked and it gets no new one'),
    createdAt: z.string(),
    deactivatedAt: z.string().nullable(),
  })
  .meta({ id: 'Terminal' });

const KeyedTerminalSchema = z
  .object({ terminal: TerminalSchema, key: CreatedApiKeySchema.describe("The terminal's pos key; its secret (key.key) is in this response only") })
  .meta({ id: 'KeyedTerminal' });

const readers = ['admin', 'auditor', 'pos'] as const;
const Params = z.object({ id: MarketId });
const TerminalParams = z.object({ id: TerminalId });
const Name = z.string().trim().min(1).max(200);

/** Keys revoked by a committed write stop at once in this process too (as POST /v1/api-keys/{id}/revocation). */
function forgetKeys(request: FastifyRequest, keyIds: readonly string[]): void {
  const { tenantId } = callerOf(request);
  for (const keyId of keyIds) request.server.apiKeys.forget(tenantId, keyId);
}

export const marketRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/markets', {
    schema: {
      tags: ['markets'],
      summary: 'Create a love supermarket (爱心超市) of an org unit, with its points account',
      headers: IdempotencyHeaders,
      body: z.object({ id: MarketId, orgUnitId: OrgUnitId, name: Name }),
      response: {
        201: MarketSchema,
        ...problemResponses('validation_failed', 'org_unit_not_found', 'market_exists', 'account_exists', 'idempotency_conflict'),
      },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({
        statusCode: 201,
        body: await recordConfigChange(trx, callerOf(request), 'market.created', await createMarket(trx, callerOf(request).tenantId, request.body)),
      })),
  });

  app.get('/markets', {
    config: { roles: readers },
    schema: {
      tags: ['markets'],
      summary: "The tenant's markets (a market's pos key sees its own)",
      response: { 200: z.object({ items: z.array(MarketSchema) }), ...problemResponses() },
    },
    handler: async (request) => ({ items: await listMarkets(app.db, callerOf(request)) }),
  });

  app.get('/markets/:id', {
    config: { roles: readers },
    schema: {
      tags: ['markets'],
      summary: 'One market',
      params: Params,
      response: { 200: MarketSchema, ...problemResponses('validation_failed', 'market_not_found', 'market_out_of_scope') },
    },
    handler: async (request) => getMarket(app.db, callerOf(request), request.params.id),
  });

  app.patch('/markets/:id', {
    schema: {
      tags: ['markets'],
      summary: 'Rename a market',
      headers: IdempotencyHeaders,
      params: Params,
      body: z.object({ name: Name.optional() }),
      response: { 200: MarketSchema, ...problemResponses('validation_failed', 'market_not_found', 'idempotency_conflict') },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({
        statusCode: 200,
        body: await recordConfigChange(
          trx, callerOf(request), 'market.updated', await renameMarket(trx, callerOf(request).tenantId, request.params.id, request.body), request.body,
        ),
      })),
  });

  app.post('/markets/:id/deactivation', {
    schema: {
      tags: ['markets'],
      summary: 'Deactivate a market (never deleted): no more sales, its terminals deactivated and their keys revoked at once',
      headers: IdempotencyHeaders,
      params: Params,
      response: { 200: MarketSchema, ...problemResponses('validation_failed', 'market_not_found', 'idempotency_conflict') },
    },
    handler: async (request, reply) => {
      let revoked: string[] = [];
      const market = await writeOnce(request, reply, async (trx) => {
        const done = await deactivateMarket(trx, callerOf(request).tenantId, request.params.id);
        revoked = done.revokedKeyIds;
        await recordConfigChange(trx, callerOf(request), 'market.deactivated', { ...done.market, revokedKeyIds: revoked });
        return { statusCode: 200, body: done.market };
      });
      forgetKeys(request, revoked);
      return market;
    },
  });

  app.post('/markets/:id/terminals', {
    schema: {
      tags: ['markets'],
      summary: "Register a terminal to a market, with its own pos key (the secret is in this response only)",
      headers: IdempotencyHeaders,
      params: Params,
      body: z.object({ id: TerminalId, name: Name }),
      response: {
        201: KeyedTerminalSchema,
        ...problemResponses('validation_failed', 'market_not_found', 'market_inactive', 'terminal_exists', 'idempotency_conflict'),
      },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({ statusCode: 201, body: await registerTerminal(trx, callerOf(request), request.params.id, request.body) })),
  });

  app.get('/markets/:id/terminals', {
    config: { roles: readers },
    schema: {
      tags: ['markets'],
      summary: "A market's terminals",
      params: Params,
      response: { 200: z.object({ items: z.array(TerminalSchema) }), ...problemResponses('validation_failed', 'market_not_found', 'market_out_of_scope') },
    },
    handler: async (request) => ({ items: await listTerminals(app.db, callerOf(request), request.params.id) }),
  });

  app.post('/terminals/:id/deactivation', {
    schema: {
      tags: ['markets'],
      summary: 'Deactivate a terminal (never deleted): its keys are revoked at once',
      headers: IdempotencyHeaders,
      params: TerminalParams,
      response: { 200: TerminalSchema, ...problemResponses('validation_failed', 'terminal_not_found', 'idempotency_conflict') },
    },
    handler: async (request, reply) => {
      let revoked: string[] = [];
      const terminal = await writeOnce(request, reply, async (trx) => {
        const done = await deactivateTerminal(trx, callerOf(request), request.params.id);
        revoked = done.revokedKeyIds;
        return { statusCode: 200, body: done.terminal };
      });
      forgetKeys(request, revoked);
      return terminal;
    },
  });

  app.post('/terminals/:id/key', {
    schema: {
      tags: ['markets'],
      summary: "Give a terminal a new pos key; its keys until now stop at once (the secret is in this response only)",
      headers: IdempotencyHeaders,
      params: TerminalParams,
      response: {
        201: KeyedTerminalSchema,
        ...problemResponses('validation_failed', 'terminal_not_found', 'terminal_inactive', 'idempotency_conflict'),
      },
    },
    handler: async (request, reply) => {
      let revoked: string[] = [];
      const keyed = await writeOnce(request, reply, async (trx) => {
        const { revokedKeyIds, ...body } = await rotateTerminalKey(trx, callerOf(request), request.params.id);
        revoked = revokedKeyIds;
        return { statusCode: 201, body };
      });
      forgetKeys(request, revoked);
      return keyed;
    },
  });
};
