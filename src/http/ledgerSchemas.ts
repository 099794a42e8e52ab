import { z } from 'zod';
import { EntryKinds } from '../ledger/index.js';
import { SignedAmountSchema, UnitSchema } from './schemas.js';

// The ledger's wire shapes shared by several route files (the raw ledger API, holds, the event
// feed, integrity): an account id, a posting, an entry, a verification.

export const AccountId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9:_.-]{0,127}$/, 'letters, digits and : _ . -, at most 128')
  .meta({ id: 'AccountId', example: 'member:1024:points' });

export const PostingSchema = z
  .object({
    accountId: AccountId,
    unit: UnitSchema,
    direction: z.enum(['debit', 'credit']),
    amount: SignedAmountSchema.describe('Positive; direction gives the sign'),
    balanceAfter: SignedAmountSchema.nullable().describe('Running balance after this posting; null on slotted accounts'),
  })
  .meta({ id: 'Posting' });

export const EntrySchema = z
  .object({
    id: z.uuid(),
    seq: z.string().describe('Per-tenant sequence number (increasing, may have gaps)'),
    kind: z.enum(EntryKinds),
    reason: z.string().nullable(),
    occurredAt: z.string(),
    recordedAt: z.string(),
    txId: z.string().describe('pg_current_xact_id() of the writing transaction'),
    reversesEntryId: z.uuid().nullable(),
    reversedByEntryId: z.uuid().nullable(),
    objectType: z.string().nullable(),
    objectId: z.string().nullable(),
    ruleVersion: z.number().int().nullable(),
    createdBy: z.string().nullable(),
    postings: z.array(PostingSchema),
  })
  .meta({ id: 'Entry' });

/** What `verify` answers (GET /v1/ledger/verification); GET /v1/integrity extends it with the seals. */
export const VerificationSchema = z
  .object({
    ok: z.boolean(),
    tenantId: z.string().nullable(),
    checkedAt: z.string(),
    entries: z.string(),
    postings: z.string(),
    accounts: z.string(),
    unitTotals: z.array(z.object({ unit: z.string(), total: z.string() })),
    problems: z.array(z.object({ check: z.string(), detail: z.record(z.string(), z.string()) })),
  })
  .meta({ id: 'Verification' });
