import { Decimal } from 'decimal.js';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { formatAmount } from './amount.js';

/** An account's balance as every answer shows it. */
export interface Balance {
  balance: string;
  /** The sum of the account's open holds. */
  held: string;
  /** balance − held: what a debit or a new hold may take. */
  available: string;
}

/**
 * The one place `available` is worked out: from a balance and what is held (the sums over an
 * account's balance rows, or a single-slot account's row as a hot statement read it).
 */
export function toBalance(balance: Decimal.Value, held: Decimal.Value): Balance {
  const b = new Decimal(balance);
  const h = new Decimal(held);
  return { balance: formatAmount(b), held: formatAmount(h), available: formatAmount(b.minus(h)) };
}

/** The same as a Decimal, for checks against an amount. */
export function availableOf(balance: Decimal.Value, held: Decimal.Value): Decimal {
  return new Decimal(balance).minus(held);
}

/** An account's balance now (summed over its slots); null when there is no such account. */
export async function readBalance(db: Kysely<DB>, tenantId: string, accountId: string): Promise<Balance | null> {
  const row = await db
    .selectFrom('ledger_balances')
    .select([sql<string>`sum(balance)`.as('balance'), sql<string>`sum(held)`.as('held')])
    .where('tenant_id', '=', tenantId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return row && row.balance !== null ? toBalance(row.balance, row.held) : null;
}

// For a statement of another module that must read a member's balance together with its own rows
// (one round trip on a hot path): the balance row of a single-slot account as SQL, so that
// ledger_balances is named only in this module. The caller works `available` out with toBalance.

type SqlValue = string | RawBuilder<unknown>;

// available: balance − held of a balance row `b`, as toBalance works it out, for a statement that stores it.
const availableOfRow = sql`b.balance - b.held`;

/** One column of a single-slot account's balance row, as a scalar subquery. */
export function balanceColumnSql(tenantId: SqlValue, accountId: SqlValue, column: 'balance' | 'held' | 'available'): RawBuilder<string> {
  const value = column === 'available' ? availableOfRow : sql`b.${sql.ref(column)}`;
  return sql<string>`(SELECT ${value} FROM ledger_balances b WHERE b.tenant_id = ${tenantId} AND b.account_id = ${accountId} AND b.slot = 0)`;
}

/**
 * A single-slot account's Balance as JSON, as toBalance formats it (two decimals: the columns are
 * NUMERIC(20,2)), for a statement that stores an answer showing it. `balanceAfter`: the balance an
 * entry of this transaction left (its posting's running balance), where later entries of the same
 * transaction moved the row on (when it is NULL, the row's); held is the row's (entries do not
 * change it).
 */
export function balanceJsonSql(tenantId: SqlValue, accountId: SqlValue, balanceAfter?: SqlValue): RawBuilder<Balance> {
  const balance = balanceAfter === undefined ? sql`b.balance` : sql`coalesce((${balanceAfter})::numeric, b.balance)`;
  return sql<Balance>`(SELECT jsonb_build_object('balance', round(${balance}, 2)::text, 'held', round(b.held, 2)::text, 'available', round(${balance} - b.held, 2)::text)
    FROM ledger_balances b WHERE b.tenant_id = ${tenantId} AND b.account_id = ${accountId} AND b.slot = 0)`;
}

/** A single-slot account's balance row (balance, held) as a subquery for a LATERAL join. */
export function balanceRowSql(tenantId: SqlValue, accountId: SqlValue): RawBuilder<{ balance: string; held: string }> {
  // LIMIT 1 keeps the planner from turning the lookup into a scan of the whole table.
  return sql`(SELECT balance, held FROM ledger_balances WHERE tenant_id = ${tenantId} AND account_id = ${accountId} AND slot = 0 LIMIT 1)`;
}
