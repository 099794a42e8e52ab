import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/auth.js';
import { AmountSchema, IdempotencyHeaders, PageQuery, problemResponses } from '../http/schemas.js';
import { writeOnce } from '../http/write.js';
import { CapacityPeriods, createItem, getItem, ItemKinds, LimitPeriods, listItems, listStockMovements, moveStock, updateItem } from './catalog.js';
import { requireMarketScope } from './scope.js';

// The catalogue of a market and its stock movements. Admins define items; the market's pos keys
// read them and record restocks and corrections (a stock-take at the counter) for their own
// market only; auditors read.

// The market id's form (migrations/0011_markets.ts). Not a named component: the markets' routes
// name theirs.
const MarketId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and -, at most 40');

const Sku = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits and . _ -, at most 64')
  .meta({ id: 'Sku', example: 'RICE-5KG' });

const Capacity = z
  .object({ quantity: z.number().int().min(1).max(1_000_000), period: z.enum(CapacityPeriods) })
  .meta({ id: 'ItemCapacity', description: 'A service: at most this many redemptions per period, over all members' });
const Limit = z
  .object({ quantity: z.number().int().min(1).max(1_000_000), period: z.enum(LimitPeriods) })
  .meta({ id: 'ItemLimit', description: 'At most this many per member per period' });

const ItemSchema = z
  .object({
    id: z.uuid(),
    marketId: z.string(),
    sku: z.string(),
    name: z.string(),
    kind: z.enum(ItemKinds),
    price: z.string().describe('Points per unit'),
    active: z.boolean().describe('False: not for sale'),
    stock: z.number().int().nullable().describe('Null for a service'),
    reserved: z.number().int().describe('Held by open baskets'),
    available: z.number().int().nullable().describe('stock − reserved; null for a service'),
    capacity: Capacity.nullable(),
    limit: Limit.nullable(),
    createdAt: z.string(),
    updatedAt: z.string().describe("The last change of the item's definition, not of its stock"),
  })
  .meta({ id: 'CatalogItem' });

const ItemDetailSchema = ItemSchema.extend({
  prices: z
    .array(z.object({ price: z.string(), validFrom: z.string(), actor: z.string().describe('The API key that set it') }))
    .describe('Every price the item has had, newest first'),
}).meta({ id: 'CatalogItemDetail' });

const MovementSchema = z
  .object({
    movementNo: z.string().describe('Sequence number (increasing, may have gaps)'),
    marketId: z.string(),
    itemId: z.uuid(),
    kind: z.enum(['sale', 'refund', 'restock', 'correction']),
    quantity: z.number().int().describe('Signed: negative takes stock, positive gives it'),
    stockAfter: z.number().int(),
    terminalId: z.string().nullable(),
    redemptionId: z.uuid().nullable(),
    refundId: z.uuid().nullable(),
    actor: z.string().describe('The API key that made it'),
    reason: z.string().nullable(),
    at: z.string(),
  })
  .meta({ id: 'StockMovement' });

const MAX_QUANTITY = 1_000_000_000;

const NewItemSchema = z
  .strictObject({
    sku: Sku,
    name: z.string().trim().min(1).max(200),
    kind: z.enum(ItemKinds),
    price: AmountSchema.describe('Points per unit'),
    active: z.boolean().optional(),
    stock: z.number().int().min(0).max(MAX_QUANTITY).optional().describe('Goods only: the opening stock (default 0), recorded as a restock'),
    capacity: Capacity.optional().describe('Services only'),
    limit: Limit.optional(),
  })
  .meta({ id: 'NewCatalogItem' });

const ItemPatchSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    price: AmountSchema.optional().describe('A new price; the old one stays in the history'),
    active: z.boolean().optional(),
    capacity: Capacity.nullable().optional().describe('Services only; null clears it'),
    limit: Limit.nullable().optional().describe('Null clears it'),
  })
  .meta({ id: 'CatalogItemPatch', description: 'The stock is not changed here: record a stock movement' });

const NewMovementSchema = z
  .strictObject({
    kind: z.enum(['restock', 'correction']),
    quantity: z.number().int().min(-MAX_QUANTITY).max(MAX_QUANTITY).describe('Signed, not 0; a restock adds (> 0)'),
    reason: z.string().trim().min(1).max(500),
  })
  .superRefine((v, ctx) => {
    if (v.quantity === 0) ctx.addIssue({ code: 'custom', path: ['quantity'], message: 'a movement changes the stock: not 0' });
    else if (v.kind === 'restock' && v.quantity < 0) ctx.addIssue({ code: 'custom', path: ['quantity'], message: 'a restock adds stock: use a correction to take it' });
  })
  .meta({ id: 'NewStockMovement' });

const readers = ['admin', 'auditor', 'pos'] as const;
const MarketParams = z.object({ id: MarketId });
const ItemParams = z.object({ id: MarketId, sku: Sku });
const page = (schema: z.ZodType, id: string) =>
  z.object({ items: z.array(schema), nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null at the end') }).meta({ id });

export const catalogRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/markets/:id/items', {
    schema: {
      tags: ['markets'],
      summary: 'Add an item (goods with stock, or a service) to a market',
      headers: IdempotencyHeaders,
      params: MarketParams,
      body: NewItemSchema,
      response: {
        201: ItemSchema,
        ...problemResponses(
          'validation_failed', 'invalid_amount', 'amount_not_positive', 'too_many_decimals', 'market_not_found', 'market_inactive',
          'item_exists', 'idempotency_conflict',
        ),
      },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({ statusCode: 201, body: await createItem(trx, callerOf(request), request.params.id, request.body) })),
  });

  app.get('/markets/:id/items', {
    config: { roles: readers },
    schema: {
      tags: ['markets'],
      summary: "A market's items by sku (a pos key: its own market's)",
      params: MarketParams,
      querystring: PageQuery.extend({ active: z.enum(['true', 'false']).optional().describe('Only the items for sale (true) or not (false)') }),
      response: { 200: page(ItemSchema, 'CatalogItemPage'), ...problemResponses('validation_failed', 'market_not_found', 'market_out_of_scope', 'invalid_cursor') },
    },
    handler: async (request) => {
      const { active, ...rest } = request.query;
      return listItems(app.db, callerOf(request), request.params.id, { ...rest, active: active === undefined ? undefined : active === 'true' });
    },
  });

  app.get('/markets/:id/items/:sku', {
    config: { roles: readers },
    schema: {
      tags: ['markets'],
      summary: 'One item with its price history',
      params: ItemParams,
      response: { 200: ItemDetailSchema, ...problemResponses('validation_failed', 'market_not_found', 'market_out_of_scope', 'item_not_found') },
    },
    handler: async (request) => getItem(app.db, callerOf(request), request.params.id, request.params.sku),
  });

  app.patch('/markets/:id/items/:sku', {
    schema: {
      tags: ['markets'],
      summary: "Change an item's name, price, sale, capacity or limit (never its stock)",
      headers: IdempotencyHeaders,
      params: ItemParams,
      body: ItemPatchSchema,
      response: {
        200: ItemSchema,
        ...problemResponses(
          'validation_failed', 'invalid_amount', 'amount_not_positive', 'too_many_decimals', 'market_not_found', 'item_not_found', 'idempotency_conflict',
        ),
      },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({
        statusCode: 200,
        body: await updateItem(trx, callerOf(request), request.params.id, request.params.sku, request.body),
      })),
  });

  app.post('/markets/:id/items/:sku/stock-movements', {
    config: { roles: ['admin', 'pos'] },
    schema: {
      tags: ['markets'],
      summary: 'Restock or correct the stock of goods (never below zero, nor below what open baskets hold)',
      headers: IdempotencyHeaders,
      params: ItemParams,
      body: NewMovementSchema,
      response: {
        201: MovementSchema,
        ...problemResponses(
          'validation_failed', 'market_not_found', 'market_out_of_scope', 'item_not_found', 'not_goods', 'stock_negative', 'idempotency_conflict',
        ),
      },
    },
    handler: async (request, reply) => {
      const caller = callerOf(request);
      const { id, sku } = request.params;
      return writeOnce(request, reply, async (trx) => ({ statusCode: 201, body: await moveStock(trx, caller, id, sku, request.body) }), {
        authorize: async () => requireMarketScope(caller, id),
      });
    },
  });

  app.get('/markets/:id/items/:sku/stock-movements', {
    config: { roles: readers },
    schema: {
      tags: ['markets'],
      summary: "An item's stock movements, newest first",
      params: ItemParams,
      querystring: PageQuery,
      response: {
        200: page(MovementSchema, 'StockMovementPage'),
        ...problemResponses('validation_failed', 'market_not_found', 'market_out_of_scope', 'item_not_found', 'invalid_cursor'),
      },
    },
    handler: async (request) => listStockMovements(app.db, callerOf(request), request.params.id, request.params.sku, request.query),
  });
};
