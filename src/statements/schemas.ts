import { z } from 'zod';
import { AccountId } from '../http/ledgerSchemas.js';
import { SignedAmountSchema, TimestampSchema, UnitSchema } from '../http/schemas.js';
import { EntryKinds } from '../ledger/index.js';
import { CauseTypes } from './causes.js';

// The wire shapes of statements and the trial balance.

const Bom = z.enum(['true', 'false']).default('false').describe('CSV: start with a UTF-8 byte order mark, so that Excel reads Chinese text right');

export const StatementQuery = z.object({
  from: TimestampSchema.optional().describe('Entries recorded at or after this time (default: since the ledger began)'),
  to: TimestampSchema.optional().describe('Entries recorded before this time (default: now; a time still to come reads up to now)'),
  unit: UnitSchema.default('POINTS').describe("Which of the member's accounts"),
  format: z.enum(['json', 'csv']).default('json'),
  bom: Bom,
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('Movements per page'),
  cursor: z.string().max(1000).optional().describe("The previous page's nextCursor; it carries the period, so from, to and unit may be left out"),
});

const CauseSchema = z
  .object({
    type: z.enum(CauseTypes),
    recordId: z.uuid().optional(),
    title: z.string().optional().describe("The service record's title"),
    orgUnitId: z.string().optional().describe('The org unit that recorded the service'),
    category: z.string().optional(),
    hours: SignedAmountSchema.optional().describe("The record's hours as they stand now"),
    recordStatus: z.enum(['submitted', 'verified', 'rejected', 'revoked']).optional().describe("The record's status now"),
    rating: z.number().int().nullable().optional().describe("The resident's rating (评单), 1–5"),
    redemptionId: z.uuid().optional(),
    refundId: z.uuid().nullable().optional(),
    marketId: z.string().optional(),
    marketName: z.string().optional(),
    receiptNo: z.string().optional().describe("The receipt's number at its market (小票号)"),
    basketId: z.uuid().nullable().optional().describe('A sale that was a basket on hold, captured'),
    expiresOn: z.string().optional().describe('Expiry: the last day (China time) the lapsed points could be spent'),
    holdId: z.uuid().optional().describe('A hold captured that was not a basket of a market'),
  })
  .meta({
    id: 'MovementCause',
    description:
      'serviceRecord: the award of a record (or its correction); rating: a rating bonus; redemption / refund: a sale or refund at a love ' +
      'supermarket with its receipt; expiry: lapsed points; hold: a hold captured. A manual entry has no cause (its reason says why).',
  });

const MovementSchema = z
  .object({
    seq: z.string().describe("The entry's place in the ledger's order"),
    entryId: z.uuid(),
    kind: z.enum(EntryKinds),
    amount: SignedAmountSchema.describe('Signed: a credit positive, a debit negative'),
    balance: SignedAmountSchema.describe('The balance after this movement'),
    occurredAt: z.string().describe('Business time (when the service was done, the sale made)'),
    recordedAt: z.string().describe('When the ledger recorded it: what places it in a period'),
    reason: z.string().nullable(),
    reversesEntryId: z.uuid().nullable().describe('A reversal (a correction): the entry it reverses'),
    cause: CauseSchema.nullable(),
  })
  .meta({ id: 'StatementMovement' });

export const StatementSchema = z
  .object({
    memberId: z.uuid(),
    unit: UnitSchema,
    accountId: AccountId,
    from: z.string().nullable().describe('The period starts here (inclusive); null: since the ledger began'),
    to: z.string().describe('The period ends here (exclusive): the requested end, or when the first page was read if that came first'),
    complete: z.boolean().describe('True when the period has ended and every entry recorded in it is committed: it never changes again'),
    opening: SignedAmountSchema.describe('The balance at the start of the period'),
    closing: SignedAmountSchema.describe('opening + every movement of the period'),
    credits: SignedAmountSchema.describe("The period's credits summed"),
    debits: SignedAmountSchema.describe("The period's debits summed, as a positive figure"),
    movements: z.number().int().describe('Movements in the whole period'),
    page: z
      .object({ opening: SignedAmountSchema, closing: SignedAmountSchema, movements: z.number().int() })
      .describe("This page: opening + its movements = closing; the first page's opening is the period's, the last page's closing the period's"),
    items: z.array(MovementSchema).describe('In ledger order (seq)'),
    nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last'),
  })
  .meta({ id: 'Statement' });

export const TrialBalanceQuery = z.object({
  asOf: TimestampSchema.optional().describe('Balances from the entries recorded at or before this time (default: now; not in the future)'),
  format: z.enum(['json', 'csv']).default('json'),
  bom: Bom,
});

export const TrialBalanceSchema = z
  .object({
    asOf: z.string(),
    settled: z.boolean().describe('False only when a writer begun before asOf was still running after a few seconds: a later read may add its entry'),
    accounts: z.array(
      z.object({ accountId: AccountId, unit: UnitSchema, type: z.string(), name: z.string().nullable(), balance: SignedAmountSchema.describe('Signed: credit positive') }),
    ),
    totals: z
      .array(
        z.object({
          unit: UnitSchema,
          accounts: z.number().int(),
          credits: SignedAmountSchema.describe('The credit balances summed'),
          debits: SignedAmountSchema.describe('The debit balances summed, as a positive figure'),
          total: SignedAmountSchema.describe('credits − debits: always 0.00'),
        }),
      )
      .describe('Per unit'),
  })
  .meta({ id: 'TrialBalance' });
