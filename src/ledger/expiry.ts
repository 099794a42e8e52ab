import { Decimal } from 'decimal.js';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { afterCommit, inTransaction, pgErrorCode } from '../db/transaction.js';
import { countEntries } from '../metrics.js';
import { DomainError } from '../problems.js';
import { formatAmount } from './amount.js';

// The expiry run (积分清零): for every member's points account with lots lapsed by `until`, one
// `expiry` entry per account and expiry date moves what is left of those lots to the tenant's
// expiry:points account (ledger_lots_expire, migrations/0012_lots.ts). Each batch of accounts is
// its own transaction: a run killed half-way keeps the batches it committed, and the next run
// does the rest. Two runs at once wait for each other account by account (each takes the
// account's balance row first, as the write path does) and the second finds nothing left: each
// lapsed lot expires once. A run that comes late expires what had lapsed by then, dated when it
// lapsed, since spending never takes lapsed points.

export const EXPIRY_BATCH = 200;

export interface ExpiryRun {
  /** Accounts the run looked at (each had lapsed points when its batch began). */
  accounts: number;
  /** expiry entries posted: one per account and expiry date. */
  entries: number;
  points: string;
}

type ExpiredRow = { tenant_id: string; account_id: string; entry_id: string | null; amount: string };

/**
 * Expires what has lapsed, batch after batch (each its own transaction), until a batch finds
 * nothing left or, with budgetMs, until that much time has gone: the service's job works a
 * short while each time it looks, so that expiring a large backlog never takes the machine from
 * the writes for long (the CLI goes on to the end).
 */
export async function expireLots(
  db: Kysely<DB>,
  opts: { tenantId?: string | null; until?: Date | null; actor?: string; batch?: number; budgetMs?: number; onBatch?: (run: ExpiryRun) => void } = {},
): Promise<ExpiryRun> {
  const batch = opts.batch ?? EXPIRY_BATCH;
  const started = Date.now();
  const run = { accounts: 0, entries: 0, points: new Decimal(0) };
  for (;;) {
    const rows: ExpiredRow[] = await inTransaction(db, async (trx) => {
      try {
        const { rows } = await sql<ExpiredRow>`SELECT tenant_id, account_id, entry_id::text, amount::text FROM ledger_lots_expire(
          ${opts.tenantId ?? null}, ${opts.until?.toISOString() ?? null}::timestamptz, ${batch}::integer, ${opts.actor ?? 'expiry'})`.execute(trx);
        const entries = rows.filter((r) => r.entry_id !== null).length;
        if (entries > 0) afterCommit(trx, () => countEntries('expiry', entries));
        return rows;
      } catch (err) {
        if (pgErrorCode(err) === 'LEL02') throw new DomainError('expiry_until_in_future');
        throw err;
      }
    });
    if (rows.length === 0) break;
    run.accounts += new Set(rows.map((r) => `${r.tenant_id} ${r.account_id}`)).size;
    for (const r of rows) {
      if (r.entry_id === null) continue;
      run.entries++;
      run.points = run.points.plus(r.amount);
    }
    opts.onBatch?.({ accounts: run.accounts, entries: run.entries, points: formatAmount(run.points) });
    if (opts.budgetMs !== undefined && Date.now() - started >= opts.budgetMs) break;
  }
  return { accounts: run.accounts, entries: run.entries, points: formatAmount(run.points) };
}
