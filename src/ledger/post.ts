import { Decimal } from 'decimal.js';
import { sql, type Transaction } from 'kysely';
import { afterCommit, pgErrorCode } from '../db/transaction.js';
import type { DB } from '../db/schema.js';
import { DomainError } from '../problems.js';
import { countEntries } from '../metrics.js';
import { formatAmount, roundAmount, type Unit } from './amount.js';

export const EntryKinds = [
  'award', 'bonus', 'redemption', 'hold', 'capture', 'void', 'refund', 'reversal', 'adjustment', 'transfer', 'expiry',
] as const;
export type EntryKind = (typeof EntryKinds)[number];

/** One leg of an entry. Signed: a credit is positive, a debit negative. */
export interface PostingInput {
  accountId: string;
  unit: Unit;
  amount: Decimal;
}

export interface EntryInput {
  tenantId: string;
  kind: EntryKind;
  postings: PostingInput[];
  occurredAt?: Date;
  reason?: string | null;
  reversesEntryId?: string | null;
  objectType?: string | null;
  objectId?: string | null;
  ruleVersion?: number | null;
  createdBy?: string | null;
  metadata?: Record<string, unknown> | null;
  /**
   * A refund: the entry whose debit of a member's points it gives back. The ledger puts the points
   * back into the lots that entry took them from (kept in metadata as returnsEntryId).
   */
  returnsEntryId?: string | null;
}

/** What an entry stores as its metadata: the caller's, and the entry it returns points to. */
function metadataOf(input: EntryInput): Record<string, unknown> | null {
  if (!input.returnsEntryId) return input.metadata ?? null;
  return { ...input.metadata, returnsEntryId: input.returnsEntryId };
}

export interface Posting {
  accountId: string;
  unit: Unit;
  direction: 'debit' | 'credit';
  amount: string; // always positive; direction gives the sign
  balanceAfter: string | null; // null on slotted (hot) system accounts
}

export interface Entry {
  id: string;
  seq: string;
  kind: EntryKind;
  reason: string | null;
  occurredAt: string;
  recordedAt: string;
  txId: string;
  reversesEntryId: string | null;
  reversedByEntryId: string | null;
  objectType: string | null;
  objectId: string | null;
  ruleVersion: number | null;
  createdBy: string | null;
  postings: Posting[];
}

export function toPosting(accountId: string, unit: Unit, signed: Decimal.Value, balanceAfter: string | null): Posting {
  const amount = new Decimal(signed);
  return {
    accountId,
    unit,
    direction: amount.isNegative() ? 'debit' : 'credit',
    amount: formatAmount(amount.abs()),
    balanceAfter: balanceAfter === null ? null : formatAmount(balanceAfter),
  };
}

/** Per unit, the signed amounts must sum to zero; every amount is non-zero and already at scale. */
export function checkBalanced(postings: PostingInput[]): void {
  if (postings.length < 2) throw new DomainError('unbalanced_entry', { unit: postings[0]?.unit });
  const sums = new Map<Unit, Decimal>();
  for (const p of postings) {
    if (p.amount.isZero()) throw new DomainError('amount_not_positive');
    if (!roundAmount(p.amount).eq(p.amount)) throw new DomainError('too_many_decimals');
    sums.set(p.unit, (sums.get(p.unit) ?? new Decimal(0)).plus(p.amount));
  }
  for (const [unit, sum] of sums) if (!sum.isZero()) throw new DomainError('unbalanced_entry', { unit });
}

/** What ledger_post answers for one entry. */
export interface PostedRow {
  entry_id: string;
  seq: string;
  tx_id: string;
  recorded_at: Date | string;
  balances_after: (string | null)[];
}

/**
 * The call of ledger_post for one entry, as an SQL expression that yields one PostedRow. post()
 * runs it alone; a caller that writes more in the same statement (an award with its service
 * record) embeds it as a CTE, so the entry still goes through the one write path. Either way a
 * failure must be passed through entryError().
 */
export function entryCall(input: EntryInput, occurredAt: Date) {
  checkBalanced(input.postings);
  const metadata = metadataOf(input);
  return sql<PostedRow>`SELECT * FROM ledger_post(
      ${input.tenantId}, ${input.kind}, ${occurredAt.toISOString()}::timestamptz, ${input.reason ?? null},
      ${input.reversesEntryId ?? null}::uuid, ${input.objectType ?? null}, ${input.objectId ?? null},
      ${input.ruleVersion ?? null}::integer, ${input.createdBy ?? null},
      ${metadata ? JSON.stringify(metadata) : null}::jsonb,
      ${input.postings.map((p) => p.accountId)}::text[],
      ${input.postings.map((p) => p.unit)}::text[],
      ${input.postings.map((p) => p.amount.toFixed())}::numeric[])`;
}

/** What ledger_post_many answers for each entry of a call: n is its place (from 1) in the call. */
export interface PostedManyRow extends PostedRow {
  n: number;
}

/**
 * The call of ledger_post_many for several entries of one transaction, as an SQL expression that
 * yields one PostedManyRow per entry. They are written in the order given, each checked against
 * what the ones before it left, and the call fails whole if one fails (pass that through
 * entryError()). A caller that writes many awards at once embeds it in its statement.
 */
export function entriesCall(inputs: EntryInput[]) {
  for (const input of inputs) checkBalanced(input.postings);
  const postings = inputs.flatMap((e, k) => e.postings.map((p) => ({ ...p, n: k + 1 })));
  const each = <T>(f: (e: EntryInput) => T) => inputs.map(f);
  return sql<PostedManyRow>`SELECT * FROM ledger_post_many(${inputs[0]?.tenantId ?? null},
      ${each((e) => e.kind)}::text[], ${each((e) => (e.occurredAt ?? new Date()).toISOString())}::timestamptz[],
      ${each((e) => e.reason ?? null)}::text[], ${each((e) => e.reversesEntryId ?? null)}::uuid[],
      ${each((e) => e.objectType ?? null)}::text[], ${each((e) => e.objectId ?? null)}::text[],
      ${each((e) => e.ruleVersion ?? null)}::integer[], ${each((e) => e.createdBy ?? null)}::text[],
      ARRAY(SELECT m.v FROM jsonb_array_elements(${JSON.stringify(each((e) => metadataOf(e) ?? {}))}::jsonb) WITH ORDINALITY AS m(v, i) ORDER BY m.i),
      ${postings.map((p) => p.n)}::integer[], ${postings.map((p) => p.accountId)}::text[],
      ${postings.map((p) => p.unit)}::text[], ${postings.map((p) => p.amount.toFixed())}::numeric[])`;
}

/** The entry as answered, from its input and what ledger_post returned (a capture's too: holds.ts). */
export function toEntry(input: EntryInput, occurredAt: Date, row: PostedRow): Entry {
  return {
    id: row.entry_id,
    seq: row.seq,
    kind: input.kind,
    reason: input.reason ?? null,
    occurredAt: occurredAt.toISOString(),
    recordedAt: new Date(row.recorded_at).toISOString(),
    txId: row.tx_id,
    reversesEntryId: input.reversesEntryId ?? null,
    reversedByEntryId: null,
    objectType: input.objectType ?? null,
    objectId: input.objectId ?? null,
    ruleVersion: input.ruleVersion ?? null,
    createdBy: input.createdBy ?? null,
    postings: input.postings.map((p, i) => toPosting(p.accountId, p.unit, p.amount, row.balances_after[i] ?? null)),
  };
}

/**
 * The one write path of the ledger. Every change of a balance goes through here, inside the
 * caller's transaction: balance per unit, fixed lock order, guarded balance update, entry and
 * postings insert all happen in the database function ledger_post in one round trip.
 * Throws DomainError (and the caller's transaction must roll back) when a rule says no.
 */
export async function post(trx: Transaction<DB>, input: EntryInput): Promise<Entry> {
  const occurredAt = input.occurredAt ?? new Date();
  const row = await embedEntry(trx, input, occurredAt, async (call) => (await call.execute(trx)).rows[0]!);
  return toEntry(input, occurredAt, row);
}

/**
 * Counts entries for the metrics (ledger_entries_written_total) once trx commits; the embed
 * functions below call it after the statement succeeded, so no caller has to.
 */
function entriesWritten(trx: Transaction<DB>, entries: EntryInput | readonly EntryInput[]): void {
  if (!Array.isArray(entries)) {
    const { kind } = entries as EntryInput;
    afterCommit(trx, () => countEntries(kind));
    return;
  }
  if (entries.length === 0) return;
  afterCommit(trx, () => {
    for (const e of entries) countEntries(e.kind);
  });
}

/**
 * Several entries in the caller's transaction through one call of the write path, in the order
 * given (each checked against what the ones before it left); all are refused if one is.
 */
export async function postMany(trx: Transaction<DB>, inputs: EntryInput[]): Promise<Entry[]> {
  if (inputs.length === 0) return [];
  const stamped = inputs.map((input) => ({ ...input, occurredAt: input.occurredAt ?? new Date() }));
  const rows = await embedEntries(trx, stamped, async (call) => (await call.execute(trx)).rows);
  return rows.sort((a, b) => a.n - b.n).map((row) => toEntry(stamped[row.n - 1]!, stamped[row.n - 1]!.occurredAt, row));
}

/**
 * For a caller that writes more in the same statement (an award with its service record): gives
 * it the ledger's call for one entry to embed (as a CTE yielding one PostedRow), runs its
 * statement, and maps a refusal of the write path to the ledger's DomainError, so the caller
 * need not. A statement built this way joins ledger rows for speed and must say so.
 */
export async function embedEntry<T>(
  trx: Transaction<DB>,
  input: EntryInput,
  occurredAt: Date,
  statement: (call: ReturnType<typeof entryCall>) => Promise<T>,
): Promise<T> {
  const call = entryCall(input, occurredAt);
  let result: T;
  try {
    result = await statement(call);
  } catch (err) {
    throw entryError(err, input);
  }
  entriesWritten(trx, input);
  return result;
}

/** embedEntry for several entries (one call of ledger_post_many, yielding a PostedManyRow each). */
export async function embedEntries<T>(
  trx: Transaction<DB>,
  inputs: EntryInput[],
  statement: (call: ReturnType<typeof entriesCall>) => Promise<T>,
): Promise<T> {
  const call = entriesCall(inputs);
  let result: T;
  try {
    result = await statement(call);
  } catch (err) {
    throw entryError(err, inputs.find((i) => i.reversesEntryId) ?? {});
  }
  entriesWritten(trx, inputs);
  return result;
}

// ledger_post raises SQLSTATE LExxx with a DETAIL; turn them into wire codes.
export function entryError(err: unknown, input: Pick<EntryInput, 'reversesEntryId'> = {}): unknown {
  const code = pgErrorCode(err);
  const detail = String((err as { detail?: unknown }).detail ?? '');
  const json = () => JSON.parse(detail) as Record<string, unknown>;
  switch (code) {
    case 'LE001':
      return new DomainError('unbalanced_entry');
    case 'LE402': {
      const d = json();
      const params = { ...d, available: formatAmount(String(d.available ?? 0)), requested: formatAmount(String(d.requested)) };
      return new DomainError(d.unit === 'HOURS' ? 'insufficient_hours' : 'insufficient_points', params);
    }
    case 'LE404':
      return new DomainError('entry_not_found', { entryId: detail });
    case 'LE405':
      return new DomainError('account_not_found', { accountId: detail });
    case 'LE406':
      return new DomainError('entry_not_reversible', { entryId: detail });
    case 'LE409':
      return new DomainError('already_reversed', { entryId: detail });
    case 'LE422':
      return new DomainError('unit_mismatch', json());
    case '22003':
      // numeric_value_out_of_range: a balance would leave NUMERIC(20,2).
      return new DomainError('amount_out_of_range');
    case '23505':
      // Backstop: the unique index on reverses_entry_id caught a second reversal.
      if (input.reversesEntryId) return new DomainError('already_reversed', { entryId: input.reversesEntryId });
      return err;
    default:
      return err;
  }
}
