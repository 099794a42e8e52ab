import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/auth.js';
import { IdempotencyHeaders, MarketId, PageQuery, problemResponses } from '../http/schemas.js';
import { idempotencyOf, writeOnce } from '../http/write.js';
import { DomainError } from '../problems.js';
import { counterReaders as readers, counterRoles, requireIdempotencyKey } from './counter.js';
import { getRedemption, listReceipts } from './readReceipts.js';
import { refundSale } from './refunds.js';
import { ReceiptSchema, RedemptionSchema, RefundBody, SaleBody } from './schemas.js';

// Sales, refunds and receipts at a market's counter. Every write needs an Idempotency-Key: a
// terminal that lost its answer retries with the same key and gets the first receipt again.


const SALE_REFUSALS = [
  'validation_failed', 'idempotency_key_required', 'idempotency_conflict', 'market_not_found', 'market_inactive', 'market_out_of_scope',
  'card_not_found', 'card_blocked', 'member_not_found', 'member_inactive', 'unknown_sku', 'item_inactive', 'insufficient_points',
  'out_of_stock', 'limit_exceeded', 'capacity_exceeded',
] as const;

const cursorOf = (receiptNo: string | null) => (receiptNo === null ? null : Buffer.from(`receipt:${receiptNo}`).toString('base64url'));
function receiptAfter(cursor: string | undefined): string | null {
  if (cursor === undefined) return null;
  const m = /^receipt:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw new DomainError('invalid_cursor');
  return m[1]!;
}

export const redemptionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/redemptions', {
    config: { roles: counterRoles },
    schema: {
      tags: ['markets'],
      summary: 'Redeem points for items (one sale, one receipt)',
      description:
        'In one transaction: the member (by card or id), the lines priced from the catalogue, limits and capacity checked, stock taken, ' +
        "the member's points debited and the market's account credited, the receipt numbered. Any refusal writes nothing.",
      headers: IdempotencyHeaders,
      body: SaleBody,
      response: { 201: ReceiptSchema, ...problemResponses(...SALE_REFUSALS) },
    },
    handler: async (request, reply) => {
      requireIdempotencyKey(request);
      // Through the market's sale intake: sales arriving together share a transaction (saleGroups.ts).
      const { key, hash } = await idempotencyOf(request);
      const result = await app.sales.sell({ caller: callerOf(request), request: request.body, key: key!, hash });
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      reply.code(201);
      return result.body;
    },
  });

  app.get('/redemptions/:id', {
    config: { roles: readers },
    schema: {
      tags: ['markets'],
      summary: 'A sale with its refunds, as the receipts printed them',
      params: z.object({ id: z.uuid() }),
      response: { 200: RedemptionSchema, ...problemResponses('validation_failed', 'redemption_not_found', 'market_out_of_scope') },
    },
    handler: async (request) => getRedemption(app.db, callerOf(request), request.params.id),
  });

  app.post('/redemptions/:id/refunds', {
    config: { roles: counterRoles },
    schema: {
      tags: ['markets'],
      summary: 'Refund lines of a sale (points back to the member, goods back in stock), on a receipt of its own',
      headers: IdempotencyHeaders,
      params: z.object({ id: z.uuid() }),
      body: RefundBody,
      response: {
        201: ReceiptSchema,
        ...problemResponses('validation_failed', 'idempotency_key_required', 'idempotency_conflict', 'redemption_not_found', 'market_out_of_scope', 'unknown_line', 'refund_exceeded'),
      },
    },
    handler: async (request, reply) => {
      requireIdempotencyKey(request);
      return writeOnce(request, reply, async (trx) => ({ statusCode: 201, body: await refundSale(trx, callerOf(request), request.params.id, request.body) }));
    },
  });

  app.get('/markets/:id/receipts', {
    config: { roles: readers },
    schema: {
      tags: ['markets'],
      summary: "A market's receipts (sales and refunds) in number order",
      params: z.object({ id: MarketId }),
      querystring: PageQuery,
      response: {
        200: z.object({ items: z.array(ReceiptSchema), nextCursor: z.string().nullable() }),
        ...problemResponses('validation_failed', 'invalid_cursor', 'market_not_found', 'market_out_of_scope'),
      },
    },
    handler: async (request) => {
      const page = await listReceipts(app.db, callerOf(request), request.params.id, { after: receiptAfter(request.query.cursor), limit: request.query.limit });
      return { items: page.items, nextCursor: cursorOf(page.next) };
    },
  });
};
