import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/auth.js';
import { problemResponses, SignedAmountSchema, UnitSchema } from '../http/schemas.js';
import { HoldEventKinds } from '../ledger/index.js';
import { EntrySchema } from '../http/ledgerSchemas.js';
import { readFeed } from './feed.js';
import { EventKinds } from './sources.js';
import { viewOf } from './view.js';

const FeedEntrySchema = EntrySchema.omit({ reversedByEntryId: true })
  .describe('The entry as GET /v1/entries/{id} shows it, less reversedByEntryId (a later reversal is an event of its own)')
  .meta({ id: 'FeedEntry' });

const HoldChangeSchema = z
  .object({
    id: z.uuid(),
    accountId: z.string(),
    unit: UnitSchema,
    amount: SignedAmountSchema.describe('The amount held'),
    expiresAt: z.string(),
    reference: z.string().nullable(),
    reason: z.string().nullable(),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
    change: z.object({
      kind: z.enum(HoldEventKinds),
      amount: SignedAmountSchema.describe('created: the amount held; captured: the amount posted; else 0.00'),
      released: SignedAmountSchema.describe('What the change released from held'),
      entryId: z.uuid().nullable().describe('The capture entry'),
      reason: z.string().nullable(),
    }),
  })
  .meta({ id: 'HoldChange' });

const RecordChangeSchema = z
  .object({
    id: z.uuid(),
    externalId: z.string(),
    memberId: z.uuid(),
    orgUnitId: z.string(),
    change: z
      .object({ no: z.number().int(), type: z.string(), reason: z.string().nullable(), detail: z.record(z.string(), z.unknown()) })
      .describe("The record's history entry, as in GET /v1/service-records/{id}"),
  })
  .meta({ id: 'ServiceRecordChange' });

const ConfigChangeSchema = z
  .object({
    action: z.string().describe('orgUnit.created, orgUnit.updated, orgUnit.deactivated, pointsRule.created, settings.updated, apiKey.created, apiKey.revoked, tenant.created'),
    subjectType: z.string(),
    subjectId: z.string().nullable(),
    orgUnitId: z.string().nullable().describe('The org unit the change belongs to; null: the whole tenant'),
    data: z.record(z.string(), z.unknown()).describe('The subject after the change (never a secret)'),
    changes: z.record(z.string(), z.unknown()).nullable().describe('What the request changed (updates)'),
  })
  .meta({ id: 'ConfigChange' });

const StockChangeSchema = z
  .object({
    movementNo: z.string().describe('Sequence number (increasing, may have gaps)'),
    marketId: z.string(),
    itemId: z.uuid(),
    sku: z.string().describe("The item's sku (it never changes)"),
    kind: z.enum(['sale', 'refund', 'restock', 'correction']),
    quantity: z.number().int().describe('Signed: negative takes stock, positive gives it'),
    stockAfter: z.number().int().describe("The item's stock after this movement"),
    terminalId: z.string().nullable(),
    redemptionId: z.uuid().nullable().describe('The sale (kind sale or refund)'),
    refundId: z.uuid().nullable().describe('The refund (kind refund)'),
    actor: z.string().describe('The API key that made it'),
    reason: z.string().nullable(),
    at: z.string(),
  })
  .describe('The movement as GET /v1/markets/{id}/items/{sku}/stock-movements shows it, with the sku')
  .meta({ id: 'StockMovementChange' });

const EventSchema = z
  .object({
    id: z.string().describe('Stable: entry:<id>, hold:<id>:<kind>, serviceRecord:<id>:<no>, config:<no>, stockMovement:<no>'),
    cursor: z.string().describe('Pass as after to resume after this event'),
    kind: z.enum(EventKinds).describe('Which of entry, hold, serviceRecord, config, stockMovement is set'),
    type: z.string().describe('entry.posted, hold.<kind>, serviceRecord.<type>, the configuration action, or stockMovement.<kind>'),
    txId: z.string().describe('The writing transaction (pg_current_xact_id()); the events of one transaction are together'),
    at: z.string().describe('When it was written'),
    actor: z.string().nullable().describe("The API key that made it, 'operator', or null (the service itself, e.g. a hold's expiry)"),
    entry: FeedEntrySchema.nullable(),
    hold: HoldChangeSchema.nullable(),
    serviceRecord: RecordChangeSchema.nullable(),
    config: ConfigChangeSchema.nullable(),
    stockMovement: StockChangeSchema.nullable(),
  })
  .meta({ id: 'Event' });

const FeedPageSchema = z
  .object({
    items: z.array(EventSchema),
    nextCursor: z.string().describe('Pass as after for what comes next (also when items is empty)'),
    hasMore: z.boolean().describe('True: the page is full and more may be there now; false: the feed has nothing more yet'),
  })
  .meta({ id: 'EventPage' });

export const eventRoutes: FastifyPluginAsyncZod = async (app) => {
  // Waiting requests end (with the page as it is) when the service closes, so shutdown does not
  // wait up to `wait` seconds for them.
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());

  app.get('/events', {
    config: { roles: ['admin', 'auditor', 'station'] },
    schema: {
      tags: ['events'],
      summary: 'Everything that changed, in commit order, never skipping one that commits late',
      description:
        'Every ledger entry, hold change, service record change, change of configuration (who, when, what) and stock movement ' +
        'of a love supermarket. Start without ' +
        'after, then pass nextCursor back as after; a consumer that restarts from its last cursor misses nothing and sees ' +
        'nothing twice. With wait (seconds), a request that finds nothing new waits up to that long for the first event. ' +
        'Admin and auditor keys see everything; a station key sees the records, their entries, its org units and the points ' +
        'rules of the units it acts for, and no stock movement (README "Event feed").',
      querystring: z.object({
        after: z.string().optional().describe('A cursor from this feed (nextCursor or an event’s cursor); none: from the start'),
        limit: z.coerce.number().int().min(1).max(500).default(100),
        wait: z.coerce.number().int().min(0).max(30).default(0).describe('Seconds to wait for a first event when there is none yet'),
      }),
      response: { 200: FeedPageSchema, ...problemResponses('validation_failed', 'invalid_cursor') },
    },
    handler: async (request, reply) => {
      const caller = callerOf(request);
      const gone = new AbortController();
      const stop = () => gone.abort();
      reply.raw.once('close', stop);
      closing.signal.addEventListener('abort', stop, { once: true });
      try {
        return await readFeed(app.db, {
          tenantId: caller.tenantId,
          view: () => viewOf(app.db, caller),
          after: request.query.after,
          limit: request.query.limit,
          waitSeconds: closing.signal.aborted ? 0 : request.query.wait,
          signal: gone.signal,
        });
      } finally {
        closing.signal.removeEventListener('abort', stop);
      }
    },
  });
};
