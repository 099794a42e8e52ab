import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { DomainError } from '../problems.js';
import { formatAmount, type Unit } from './amount.js';
import { toBalance } from './balances.js';
import { type EntryKind, type Posting, toPosting } from './post.js';

export const AccountTypes = ['member', 'issuance', 'market', 'expiry', 'adjustment', 'system'] as const;
export type AccountType = (typeof AccountTypes)[number];

export interface NewAccount {
  id: string;
  unit: Unit;
  type: AccountType;
  allowNegative: boolean;
  /** Balance slots: more than one spreads a hot system account's writers over several rows. */
  slots: number;
  name?: string | null;
}

export interface Account {
  id: string;
  unit: Unit;
  type: string;
  allowNegative: boolean;
  slots: number;
  name: string | null;
  balance: string;
  held: string;
  available: string;
  createdAt: string;
}

/**
 * A new tenant's ledger: entry numbers come from a SEQUENCE per tenant (gaps where a transaction
 * rolls back, but no counter row that every writer of the tenant would queue on).
 */
export async function openLedger(db: Kysely<DB>, tenantId: string): Promise<void> {
  await sql`CREATE SEQUENCE ${sql.id(`ledger_seq_${tenantId}`)}`.execute(db);
}

export async function createAccount(db: Kysely<DB>, tenantId: string, input: NewAccount): Promise<Account> {
  // Member accounts never go negative (DESIGN §3), and only a negative-allowed account may be slotted.
  if (input.type === 'member' && input.allowNegative) throw new DomainError('validation_failed');
  if (input.slots > 1 && !input.allowNegative) throw new DomainError('validation_failed');
  const inserted = await db
    .insertInto('ledger_accounts')
    .values({
      tenant_id: tenantId,
      account_id: input.id,
      unit: input.unit,
      type: input.type,
      allow_negative: input.allowNegative,
      slots: input.slots,
      name: input.name ?? null,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('account_id')
    .executeTakeFirst();
  if (!inserted) throw new DomainError('account_exists', { accountId: input.id });
  await sql`INSERT INTO ledger_balances (tenant_id, account_id, slot, allow_negative)
    SELECT ${tenantId}, ${input.id}, s, ${input.allowNegative} FROM generate_series(0, ${input.slots - 1}::integer) AS s`.execute(db);
  const account = await getAccount(db, tenantId, input.id);
  return account!;
}

/** O(1) in the number of postings: the balance table holds the running sums. */
export async function getAccount(db: Kysely<DB>, tenantId: string, accountId: string): Promise<Account | null> {
  const row = await db
    .selectFrom('ledger_accounts as a')
    .innerJoin('ledger_balances as b', (j) => j.onRef('b.tenant_id', '=', 'a.tenant_id').onRef('b.account_id', '=', 'a.account_id'))
    .where('a.tenant_id', '=', tenantId)
    .where('a.account_id', '=', accountId)
    .groupBy(['a.tenant_id', 'a.account_id'])
    .select([
      'a.account_id', 'a.unit', 'a.type', 'a.allow_negative', 'a.slots', 'a.name', 'a.created_at',
      sql<string>`sum(b.balance)`.as('balance'),
      sql<string>`sum(b.held)`.as('held'),
    ])
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.account_id,
    unit: row.unit,
    type: row.type,
    allowNegative: row.allow_negative,
    slots: row.slots,
    name: row.name,
    ...toBalance(row.balance, row.held),
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export interface StatementLine extends Posting {
  entryId: string;
  seq: string;
  kind: EntryKind;
  reason: string | null;
  occurredAt: string;
  recordedAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

// Cursors are opaque to clients: base64url of the last (seq, idx) seen.
function encodeCursor(seq: string, idx: number): string {
  return Buffer.from(JSON.stringify([seq, idx])).toString('base64url');
}

function decodeCursor(cursor: string): [string, number] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && /^\d{1,19}$/.test(String(value[0])) && Number.isInteger(value[1])) {
      return [String(value[0]), value[1] as number];
    }
  } catch {
    // fall through
  }
  throw new DomainError('invalid_cursor');
}

/** Postings of one account, newest first, keyset-paged. */
export async function listPostings(
  db: Kysely<DB>,
  tenantId: string,
  accountId: string,
  opts: { limit: number; cursor?: string | undefined },
): Promise<Page<StatementLine>> {
  const after = opts.cursor ? decodeCursor(opts.cursor) : null;
  const exists = await db
    .selectFrom('ledger_accounts')
    .select('account_id')
    .where('tenant_id', '=', tenantId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  if (!exists) throw new DomainError('account_not_found', { accountId });
  let query = db
    .selectFrom('ledger_postings as p')
    .innerJoin('ledger_entries as e', (j) => j.onRef('e.tenant_id', '=', 'p.tenant_id').onRef('e.entry_id', '=', 'p.entry_id'))
    .where('p.tenant_id', '=', tenantId)
    .where('p.account_id', '=', accountId)
    .select(['p.entry_id', 'p.idx', 'p.seq', 'p.unit', 'p.amount', 'p.balance_after', 'e.kind', 'e.reason', 'e.occurred_at', 'e.recorded_at'])
    .orderBy('p.seq', 'desc')
    .orderBy('p.idx', 'desc')
    .limit(opts.limit + 1);
  if (after) query = query.where(sql<boolean>`(p.seq, p.idx) < (${after[0]}::bigint, ${after[1]}::smallint)`);
  const rows = await query.execute();
  const page = rows.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      entryId: r.entry_id,
      seq: r.seq,
      kind: r.kind as EntryKind,
      reason: r.reason,
      occurredAt: new Date(r.occurred_at).toISOString(),
      recordedAt: new Date(r.recorded_at).toISOString(),
      ...toPosting(accountId, r.unit, r.amount, r.balance_after),
    })),
    nextCursor: rows.length > opts.limit && last ? encodeCursor(last.seq, last.idx) : null,
  };
}

/** What moved an account over a period: the sum of its postings and how many there were. */
export interface AccountMovement {
  accountId: string;
  /** Signed: credits positive, debits negative, as postings are. */
  amount: string;
  postings: number;
}

/**
 * The sum of an account's postings whose entries were recorded in [from, to) (by the ledger's
 * commit-side clock, recorded_at): a market's day report reconciles its receipts against it.
 * Summed over every slot, so a slotted account (balance_after null on its postings) reads the
 * same as any other. Null when there is no such account.
 */
export async function accountMovement(db: Kysely<DB>, tenantId: string, accountId: string, period: { from: Date; to: Date }): Promise<AccountMovement | null> {
  const { rows } = await sql<{ found: boolean; amount: string; postings: string }>`SELECT
      EXISTS (SELECT 1 FROM ledger_accounts WHERE tenant_id = ${tenantId} AND account_id = ${accountId}) AS found,
      coalesce(sum(p.amount), 0)::text AS amount, count(*)::text AS postings
    FROM ledger_postings p JOIN ledger_entries e ON e.tenant_id = p.tenant_id AND e.entry_id = p.entry_id
    WHERE p.tenant_id = ${tenantId} AND p.account_id = ${accountId}
      AND e.recorded_at >= ${period.from.toISOString()}::timestamptz AND e.recorded_at < ${period.to.toISOString()}::timestamptz`.execute(db);
  const row = rows[0]!;
  return row.found ? { accountId, amount: formatAmount(row.amount), postings: Number(row.postings) } : null;
}
