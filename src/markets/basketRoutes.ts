import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/auth.js';
import { IdempotencyHeaders, problemResponses } from '../http/schemas.js';
import { writeOnce } from '../http/write.js';
import { captureBasket, getBasket, placeBasket, voidBasket } from './baskets.js';
import { counterReaders, counterRoles, requireIdempotencyKey } from './counter.js';
import { BasketBody, BasketSchema, CaptureBody, ReceiptSchema } from './schemas.js';

// Baskets on hold (预扣) at a market's counter: place, capture (into a sale), void. Expiry is the
// service's own sweep (src/app.ts), and `npm run cli -- expire-holds`.

const Params = z.object({ id: z.uuid() });
const RESOLVED = ['basket_not_found', 'market_out_of_scope', 'hold_already_captured', 'hold_already_voided', 'hold_expired'] as const;

export const basketRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/redemption-holds', {
    config: { roles: counterRoles },
    schema: {
      tags: ['markets'],
      summary: "Hold a basket: the member's points, the items' stock and the limits reserved at once, until captured, voided or expired",
      headers: IdempotencyHeaders,
      body: BasketBody,
      response: {
        201: BasketSchema,
        ...problemResponses(
          'validation_failed', 'idempotency_key_required', 'idempotency_conflict', 'market_not_found', 'market_inactive', 'market_out_of_scope',
          'card_not_found', 'card_blocked', 'member_not_found', 'member_inactive', 'unknown_sku', 'item_inactive', 'insufficient_points',
          'out_of_stock', 'limit_exceeded', 'capacity_exceeded',
        ),
      },
    },
    handler: async (request, reply) => {
      requireIdempotencyKey(request);
      return writeOnce(request, reply, async (trx) => ({ statusCode: 201, body: await placeBasket(trx, callerOf(request), request.body) }));
    },
  });

  app.get('/redemption-holds/:id', {
    config: { roles: counterReaders },
    schema: {
      tags: ['markets'],
      summary: 'A basket on hold and what became of it',
      params: Params,
      response: { 200: BasketSchema, ...problemResponses('validation_failed', 'basket_not_found', 'market_out_of_scope') },
    },
    handler: async (request) => getBasket(app.db, callerOf(request), request.params.id),
  });

  app.post('/redemption-holds/:id/capture', {
    config: { roles: counterRoles },
    schema: {
      tags: ['markets'],
      summary: 'Capture a basket, whole or fewer lines and quantities, into a sale with its receipt (the rest is released)',
      headers: IdempotencyHeaders,
      params: Params,
      body: CaptureBody,
      response: { 201: ReceiptSchema, ...problemResponses('validation_failed', 'idempotency_key_required', 'idempotency_conflict', 'unknown_line', 'capture_exceeds_basket', ...RESOLVED) },
    },
    handler: async (request, reply) => {
      requireIdempotencyKey(request);
      return writeOnce(request, reply, async (trx) => ({ statusCode: 201, body: await captureBasket(trx, callerOf(request), request.params.id, request.body.lines) }));
    },
  });

  app.post('/redemption-holds/:id/void', {
    config: { roles: counterRoles },
    schema: {
      tags: ['markets'],
      summary: "Void a basket: the member's points, the stock and the limits are free again",
      headers: IdempotencyHeaders,
      params: Params,
      body: z.object({ reason: z.string().trim().min(1).max(500).optional() }).optional(),
      response: { 200: BasketSchema, ...problemResponses('validation_failed', 'idempotency_conflict', ...RESOLVED) },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({ statusCode: 200, body: await voidBasket(trx, callerOf(request), request.params.id, request.body?.reason ?? null) })),
  });
};
