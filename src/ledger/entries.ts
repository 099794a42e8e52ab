import { Decimal } from 'decimal.js';
import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { Unit } from './amount.js';
import type { DB } from '../db/schema.js';
import { DomainError } from '../problems.js';
import { type Entry, type EntryInput, type EntryKind, post, toPosting } from './post.js';

/** One entry with its postings, read in one statement (the postings as a JSON array, in order). */
export async function getEntry(db: Kysely<DB>, tenantId: string, entryId: string): Promise<Entry | null> {
  const entry = await db
    .selectFrom('ledger_entries as e')
    .leftJoin('ledger_entries as r', (j) =>
      j.onRef('r.tenant_id', '=', 'e.tenant_id').onRef('r.reverses_entry_id', '=', 'e.entry_id'),
    )
    .where('e.tenant_id', '=', tenantId)
    .where('e.entry_id', '=', entryId)
    .select([
      'e.entry_id', 'e.seq', 'e.kind', 'e.reason', 'e.occurred_at', 'e.recorded_at', 'e.tx_id',
      'e.reverses_entry_id', 'e.object_type', 'e.object_id', 'e.rule_version', 'e.created_by',
      'r.entry_id as reversed_by',
      // Amounts as text: a JSON number would lose digits past 2^53.
      sql<[string, Unit, string, string | null][]>`(SELECT json_agg(json_build_array(p.account_id, p.unit, p.amount::text, p.balance_after::text) ORDER BY p.idx)
        FROM ledger_postings p WHERE p.tenant_id = e.tenant_id AND p.entry_id = e.entry_id)`.as('postings'),
    ])
    .executeTakeFirst();
  if (!entry) return null;
  return {
    id: entry.entry_id,
    seq: entry.seq,
    kind: entry.kind as EntryKind,
    reason: entry.reason,
    occurredAt: new Date(entry.occurred_at).toISOString(),
    recordedAt: new Date(entry.recorded_at).toISOString(),
    txId: String(entry.tx_id),
    reversesEntryId: entry.reverses_entry_id,
    reversedByEntryId: entry.reversed_by,
    objectType: entry.object_type,
    objectId: entry.object_id,
    ruleVersion: entry.rule_version,
    createdBy: entry.created_by,
    postings: (entry.postings ?? []).map(([account, unit, amount, after]) => toPosting(account, unit, amount, after)),
  };
}

/**
 * The reversal of an entry, to post: its mirror image, every posting with the opposite sign,
 * pointing at the original (which is never touched). An entry is reversed at most once, and a
 * reversal is not itself reversed (post a new entry instead): the write path refuses both.
 */
export async function reversalOf(
  db: Kysely<DB>,
  tenantId: string,
  entryId: string,
  opts: { reason: string; createdBy?: string | null },
): Promise<EntryInput> {
  const original = await getEntry(db, tenantId, entryId);
  if (!original) throw new DomainError('entry_not_found', { entryId });
  return {
    tenantId,
    kind: 'reversal',
    reason: opts.reason,
    reversesEntryId: entryId,
    objectType: original.objectType,
    objectId: original.objectId,
    createdBy: opts.createdBy ?? null,
    postings: original.postings.map((p) => ({
      accountId: p.accountId,
      unit: p.unit,
      // credit → debit and back: the mirror of the original leg
      amount: new Decimal(p.amount).times(p.direction === 'credit' ? -1 : 1),
    })),
  };
}

/** Reverses an entry (reversalOf, posted). */
export async function reverseEntry(
  trx: Transaction<DB>,
  tenantId: string,
  entryId: string,
  opts: { reason: string; createdBy?: string | null },
): Promise<Entry> {
  return post(trx, await reversalOf(trx, tenantId, entryId, opts));
}

/**
 * An entry's recorded time as a scalar subquery, exactly as stored (microseconds), for a statement
 * of another module that stamps its own rows with the time of the entry it wrote (a sale's
 * receipt and stock movements), so that a day's cut-off never falls between them.
 */
export function entryRecordedAtSql(tenantId: string, entryId: string | RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`(SELECT e.recorded_at FROM ledger_entries e WHERE e.tenant_id = ${tenantId} AND e.entry_id = (${entryId})::uuid)`;
}

/**
 * What an entry posted to one account (the signed sum of its postings there; NULL when it posted
 * nothing there or there is no such entry), as a scalar subquery over expressions of the caller's
 * statement (e.g. its columns): a module's verification compares its own rows with the entries
 * they name (a market's receipts, src/markets/verify.ts) without naming a ledger table.
 */
export function entryPostedSql(tenantId: RawBuilder<string>, entryId: RawBuilder<string>, accountId: RawBuilder<string>): RawBuilder<string | null> {
  return sql<string | null>`(SELECT sum(p.amount) FROM ledger_postings p
    WHERE p.tenant_id = ${tenantId} AND p.entry_id = ${entryId} AND p.account_id = ${accountId})`;
}
