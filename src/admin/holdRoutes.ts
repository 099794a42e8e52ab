import { Decimal } from 'decimal.js';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/auth.js';
import { AmountSchema, coded, IdempotencyHeaders, problemResponses, SignedAmountSchema, TimestampSchema, UnitSchema } from '../http/schemas.js';
import { writeOnce } from '../http/write.js';
import { DomainError } from '../problems.js';
import { amountProblem, captureHold, createHold, getHold, HoldEventKinds, type HoldEventKind, holdChanged, HoldStatuses, voidHold } from '../ledger/index.js';
import { AccountId, EntrySchema } from '../http/ledgerSchemas.js';

// The raw ledger API for holds (admins): the supermarket's baskets are built on top of it.

const MAX_TTL_SECONDS = 90 * 24 * 3600;

const HoldSchema = z
  .object({
    id: z.uuid(),
    accountId: AccountId,
    unit: UnitSchema,
    amount: SignedAmountSchema,
    status: z.enum(HoldStatuses),
    expiresAt: z.string(),
    reference: z.string().nullable(),
    reason: z.string().nullable(),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
    capturedAmount: SignedAmountSchema.nullable(),
    captureEntryId: z.uuid().nullable(),
    resolvedAt: z.string().nullable(),
    events: z.array(
      z.object({
        kind: z.enum(HoldEventKinds),
        amount: SignedAmountSchema,
        released: SignedAmountSchema,
        entryId: z.uuid().nullable(),
        reason: z.string().nullable(),
        at: z.string(),
        actor: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'Hold' });

const NewHoldSchema = z
  .object({
    accountId: AccountId,
    unit: UnitSchema,
    amount: AmountSchema,
    expiresAt: TimestampSchema.optional().describe('When the hold lapses by itself; or give ttlSeconds'),
    ttlSeconds: z.number().int().min(1).max(MAX_TTL_SECONDS).optional().describe("Seconds from now (the database's clock)"),
    reference: z.string().trim().min(1).max(200).optional().describe('The caller’s reference, e.g. a basket id'),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .superRefine((h, ctx) => {
    if ((h.expiresAt === undefined) === (h.ttlSeconds === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'give exactly one of expiresAt and ttlSeconds' });
    }
  })
  .meta({ id: 'NewHold' });

const CaptureSchema = z
  .object({
    amount: AmountSchema.optional().describe('At most the amount held; absent: all of it. The rest is released.'),
    credits: z
      .array(z.object({ accountId: AccountId, amount: AmountSchema.optional() }))
      .min(1)
      .max(20)
      .describe('Accounts credited with the capture; a single one may leave out its amount and take it all'),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .superRefine((c, ctx) => {
    const amounts = c.credits.map((x) => x.amount);
    if (c.credits.length > 1 && amounts.some((a) => a === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['credits'], message: 'with several credit accounts each gives its amount' });
    } else if (c.amount !== undefined && [c.amount, ...amounts].every((a) => a !== undefined && amountProblem(a) === null)) {
      // Only amounts that passed their own check are summed: this refinement runs even when one
      // of them failed (its problem is already reported), and a bad one must not throw here.
      const sum = amounts.reduce((s, a) => s.plus(a!), new Decimal(0));
      if (!sum.eq(c.amount)) ctx.addIssue({ code: 'custom', path: ['credits'], ...coded('unbalanced_entry') });
    }
  })
  .meta({ id: 'HoldCapture' });

const VoidSchema = z.object({ reason: z.string().trim().min(1).max(500).optional() }).nullish().describe('May be left out');

const readers = ['admin', 'auditor'] as const;
const HoldParams = z.object({ id: z.uuid() });

/** Counts a committed change for metrics; a replayed answer changed nothing. */
function counted<T>(reply: FastifyReply, kind: HoldEventKind, body: T): T {
  if (reply.getHeader('idempotent-replayed') !== 'true') holdChanged(kind);
  return body;
}

export const holdRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/holds', {
    schema: {
      tags: ['ledger'],
      summary: 'Hold an amount of an account: available drops now, the balance when captured',
      headers: IdempotencyHeaders,
      body: NewHoldSchema,
      response: {
        201: HoldSchema,
        ...problemResponses(
          'validation_failed', 'invalid_amount', 'amount_not_positive', 'too_many_decimals', 'account_not_found', 'unit_mismatch',
          'insufficient_points', 'insufficient_hours', 'account_not_holdable', 'hold_expiry_invalid', 'amount_out_of_range',
          'idempotency_conflict',
        ),
      },
    },
    handler: async (request, reply) => {
      const caller = callerOf(request);
      const b = request.body;
      const hold = await writeOnce(request, reply, async (trx) => ({
        statusCode: 201,
        body: await createHold(trx, {
          tenantId: caller.tenantId,
          accountId: b.accountId,
          unit: b.unit,
          amount: new Decimal(b.amount),
          expiresAt: b.expiresAt ? new Date(b.expiresAt) : null,
          ttlSeconds: b.ttlSeconds ?? null,
          reference: b.reference ?? null,
          reason: b.reason ?? null,
          actor: caller.keyId,
        }),
      }));
      return counted(reply, 'created', hold);
    },
  });

  app.post('/holds/:id/capture', {
    schema: {
      tags: ['ledger'],
      summary: 'Capture a hold (all or less): posts the capture entry and releases the rest',
      headers: IdempotencyHeaders,
      params: HoldParams,
      body: CaptureSchema,
      response: {
        200: z.object({ hold: HoldSchema, entry: EntrySchema }).meta({ id: 'CapturedHold' }),
        ...problemResponses(
          'validation_failed', 'invalid_amount', 'amount_not_positive', 'too_many_decimals', 'unbalanced_entry', 'hold_not_found',
          'account_not_found', 'unit_mismatch', 'hold_already_captured', 'hold_already_voided', 'hold_expired', 'hold_exceeded',
          'amount_out_of_range', 'idempotency_conflict',
        ),
      },
    },
    handler: async (request, reply) => {
      const caller = callerOf(request);
      const b = request.body;
      const result = await writeOnce(request, reply, async (trx) => ({
        statusCode: 200,
        body: await captureHold(trx, caller.tenantId, request.params.id, {
          amount: b.amount ? new Decimal(b.amount) : null,
          credits: b.credits.map((c) => ({ accountId: c.accountId, amount: c.amount ? new Decimal(c.amount) : null })),
          reason: b.reason ?? null,
          actor: caller.keyId,
        }),
      }));
      return counted(reply, 'captured', result);
    },
  });

  app.post('/holds/:id/void', {
    schema: {
      tags: ['ledger'],
      summary: 'Void a hold: its whole amount is available again',
      headers: IdempotencyHeaders,
      params: HoldParams,
      body: VoidSchema,
      response: {
        200: HoldSchema,
        ...problemResponses('validation_failed', 'hold_not_found', 'hold_already_captured', 'hold_already_voided', 'hold_expired', 'idempotency_conflict'),
      },
    },
    handler: async (request, reply) => {
      const caller = callerOf(request);
      const hold = await writeOnce(request, reply, async (trx) => ({
        statusCode: 200,
        body: await voidHold(trx, caller.tenantId, request.params.id, { reason: request.body?.reason ?? null, actor: caller.keyId }),
      }));
      return counted(reply, 'voided', hold);
    },
  });

  app.get('/holds/:id', {
    config: { roles: readers },
    schema: {
      tags: ['ledger'],
      summary: 'A hold with every change it went through',
      params: HoldParams,
      response: { 200: HoldSchema, ...problemResponses('validation_failed', 'hold_not_found') },
    },
    handler: async (request) => {
      const hold = await getHold(app.db, callerOf(request).tenantId, request.params.id);
      if (!hold) throw new DomainError('hold_not_found', { holdId: request.params.id });
      return hold;
    },
  });
};
