import { Decimal } from 'decimal.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/auth.js';
import {
  AmountSchema,
  IdempotencyHeaders,
  PageQuery,
  problemResponses,
  SignedAmountSchema,
  TimestampSchema,
  UnitSchema,
} from '../http/schemas.js';
import { writeOnce } from '../http/write.js';
import { DomainError } from '../problems.js';
import { AccountTypes, createAccount, EntryKinds, getAccount, getEntry, getHold, listPostings, post, reverseEntry, verifyLedger } from '../ledger/index.js';
import { withStarsFollowing } from '../members/stars.js';
import { AccountId, EntrySchema, PostingSchema, VerificationSchema } from '../http/ledgerSchemas.js';

// The raw ledger API (admins write, auditors read): accounts, manual entries, reversals,
// postings, verification. The ledger module knows nothing of HTTP; this file calls its facade.

const AccountSchema = z
  .object({
    id: AccountId,
    unit: UnitSchema,
    type: z.string(),
    allowNegative: z.boolean(),
    slots: z.number().int(),
    name: z.string().nullable(),
    balance: SignedAmountSchema,
    held: SignedAmountSchema,
    available: SignedAmountSchema.describe('balance − active holds'),
    createdAt: z.string(),
  })
  .meta({ id: 'Account' });

const NewAccountSchema = z
  .object({
    id: AccountId,
    unit: UnitSchema,
    type: z.enum(AccountTypes),
    allowNegative: z.boolean().default(false),
    slots: z.number().int().min(1).max(64).default(1).describe('Balance slots for a hot system account (allowNegative only)'),
    name: z.string().max(200).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.type === 'member' && a.allowNegative) {
      ctx.addIssue({ code: 'custom', path: ['allowNegative'], message: 'member accounts never go negative' });
    }
    if (a.slots > 1 && !a.allowNegative) {
      ctx.addIssue({ code: 'custom', path: ['slots'], message: 'only an account that may go negative has several slots' });
    }
  })
  .meta({ id: 'NewAccount' });

const NewEntrySchema = z
  .object({
    reason: z.string().trim().min(1).max(500).describe('Why this manual adjustment is made (kept with the entry)'),
    occurredAt: TimestampSchema.optional(),
    postings: z
      .array(z.object({ accountId: AccountId, unit: UnitSchema, direction: z.enum(['debit', 'credit']), amount: AmountSchema }))
      .min(2)
      .max(100),
  })
  .meta({ id: 'NewEntry' });

const StatementSchema = z
  .object({
    items: z.array(
      PostingSchema.extend({
        entryId: z.uuid(),
        seq: z.string(),
        kind: z.enum(EntryKinds),
        reason: z.string().nullable(),
        occurredAt: z.string(),
        recordedAt: z.string(),
      }),
    ),
    nextCursor: z.string().nullable().describe('Pass as cursor for the next (older) page; null at the end'),
  })
  .meta({ id: 'PostingPage' });


const readers = ['admin', 'auditor'] as const;

export const ledgerRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/accounts', {
    schema: {
      tags: ['ledger'],
      summary: 'Open an account',
      headers: IdempotencyHeaders,
      body: NewAccountSchema,
      response: { 201: AccountSchema, ...problemResponses('validation_failed', 'account_exists', 'idempotency_conflict') },
    },
    handler: async (request, reply) => {
      const { tenantId } = callerOf(request);
      return writeOnce(request, reply, async (trx) => ({
        statusCode: 201,
        body: await createAccount(trx, tenantId, { ...request.body, name: request.body.name ?? null }),
      }));
    },
  });

  app.get('/accounts/:id', {
    config: { roles: readers },
    schema: {
      tags: ['ledger'],
      summary: 'An account with its balance (O(1): read from the balance table)',
      params: z.object({ id: AccountId }),
      response: { 200: AccountSchema, ...problemResponses('validation_failed', 'account_not_found') },
    },
    handler: async (request) => {
      const account = await getAccount(app.db, callerOf(request).tenantId, request.params.id);
      if (!account) throw new DomainError('account_not_found', { accountId: request.params.id });
      return account;
    },
  });

  app.get('/accounts/:id/postings', {
    config: { roles: readers },
    schema: {
      tags: ['ledger'],
      summary: "An account's postings, newest first",
      params: z.object({ id: AccountId }),
      querystring: PageQuery,
      response: { 200: StatementSchema, ...problemResponses('validation_failed', 'account_not_found', 'invalid_cursor') },
    },
    handler: async (request) =>
      listPostings(app.db, callerOf(request).tenantId, request.params.id, request.query),
  });

  app.post('/entries', {
    schema: {
      tags: ['ledger'],
      summary: 'Post a balanced manual adjustment',
      headers: IdempotencyHeaders,
      body: NewEntrySchema,
      response: {
        201: EntrySchema,
        ...problemResponses(
          'validation_failed', 'invalid_amount', 'amount_not_positive', 'too_many_decimals', 'unbalanced_entry',
          'account_not_found', 'unit_mismatch', 'insufficient_points', 'insufficient_hours', 'amount_out_of_range',
          'idempotency_conflict',
        ),
      },
    },
    handler: async (request, reply) => {
      const caller = callerOf(request);
      const body = request.body;
      return writeOnce(request, reply, async (trx) => ({
        statusCode: 201,
        body: await withStarsFollowing(trx, caller.tenantId, body.postings.map((p) => p.accountId), () =>
          post(trx, {
            tenantId: caller.tenantId,
            kind: 'adjustment',
            reason: body.reason,
            occurredAt: body.occurredAt ? new Date(body.occurredAt) : undefined,
            createdBy: caller.keyId,
            postings: body.postings.map((p) => ({
              accountId: p.accountId,
              unit: p.unit,
              amount: new Decimal(p.amount).times(p.direction === 'debit' ? -1 : 1),
            })),
          }),
        ),
      }));
    },
  });

  app.get('/entries/:id', {
    config: { roles: readers },
    schema: {
      tags: ['ledger'],
      summary: 'An entry with its postings',
      params: z.object({ id: z.uuid() }),
      response: { 200: EntrySchema, ...problemResponses('validation_failed', 'entry_not_found') },
    },
    handler: async (request) => {
      const entry = await getEntry(app.db, callerOf(request).tenantId, request.params.id);
      if (!entry) throw new DomainError('entry_not_found', { entryId: request.params.id });
      return entry;
    },
  });

  app.post('/entries/:id/reversal', {
    schema: {
      tags: ['ledger'],
      summary: 'Reverse an entry (once): a new entry with every posting mirrored',
      headers: IdempotencyHeaders,
      params: z.object({ id: z.uuid() }),
      body: z.object({ reason: z.string().trim().min(1).max(500) }),
      response: {
        201: EntrySchema,
        ...problemResponses(
          'validation_failed', 'entry_not_found', 'already_reversed', 'entry_not_reversible', 'insufficient_points',
          'insufficient_hours', 'entry_belongs_to_record', 'entry_belongs_to_sale', 'idempotency_conflict',
        ),
      },
    },
    handler: async (request, reply) => {
      const caller = callerOf(request);
      return writeOnce(request, reply, async (trx) => {
        const original = await getEntry(trx, caller.tenantId, request.params.id);
        if (!original) throw new DomainError('entry_not_found', { entryId: request.params.id });
        // A record's entries move with the record (correction, revocation), or the two would disagree.
        if (original.objectType === 'service_record') throw new DomainError('entry_belongs_to_record', { recordId: original.objectId });
        // So do a love supermarket's (a sale, a basket's capture, a refund): reversed here, the points
        // would come back while the sale still stands, and again with a refund of the same line.
        if (original.objectType === 'redemption' || original.objectType === 'refund') throw new DomainError('entry_belongs_to_sale', { entryId: original.id });
        if (original.objectType === 'hold' && original.objectId && (await getHold(trx, caller.tenantId, original.objectId))?.reference?.startsWith('basket:')) {
          throw new DomainError('entry_belongs_to_sale', { entryId: original.id });
        }
        const accounts = original.postings.map((p) => p.accountId);
        return {
          statusCode: 201,
          body: await withStarsFollowing(trx, caller.tenantId, accounts, () =>
            reverseEntry(trx, caller.tenantId, request.params.id, { reason: request.body.reason, createdBy: caller.keyId }),
          ),
        };
      });
    },
  });

  app.get('/ledger/verification', {
    config: { roles: readers },
    schema: {
      tags: ['ledger'],
      summary: "Prove the tenant's ledger: entries balance, balances equal postings, nothing negative",
      response: { 200: VerificationSchema, ...problemResponses() },
    },
    handler: async (request) => verifyLedger(app.db, callerOf(request).tenantId),
  });
};
