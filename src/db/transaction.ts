import { type Kysely, sql, type Transaction } from 'kysely';
import { countRetry } from '../metrics.js';
import type { DB } from './schema.js';

// SQLSTATEs that mean "try the same transaction again": deadlock, serialization failure.
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 5;

export const transactionStats = { retries: 0 };

/**
 * Plans made for each statement's own values, to the end of the transaction: for statements over a
 * range of sequence numbers or transaction ids. The service's sessions plan generically
 * (SESSION_OPTIONS), and a generic plan prices `seq > $1` or `tx_id >= $1` at a fixed share of the
 * table whatever the value, so with enough rows it joins the few rows past a horizon to whole
 * tables. An expression (set_config(…, true) is SET LOCAL): a caller puts it in the select list of
 * a statement it runs anyway, and it costs no round trip of its own.
 */
export const customPlans = sql<string>`set_config('plan_cache_mode', 'force_custom_plan', true)`;

/**
 * A conflict the service itself found, which a new attempt of the whole transaction resolves (it
 * reads again what changed under it): inTransaction retries it as it does a serialization failure.
 */
export function staleRead(message: string): Error {
  return Object.assign(new Error(message), { code: '40001' });
}

export function pgErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

// What to do once a transaction of inTransaction has committed (null: nothing yet). A rolled-back
// or retried attempt drops its list with its Transaction object, so its work is never done.
const committed = new WeakMap<Transaction<DB>, (() => void)[] | null>();

/**
 * Runs f once trx has committed (counting what it wrote, for the metrics). On a transaction that
 * inTransaction did not start, nobody would run it later: it runs at once.
 */
export function afterCommit(trx: Transaction<DB>, f: () => void): void {
  const done = committed.get(trx);
  if (done) done.push(f);
  else if (done === null) committed.set(trx, [f]);
  else f();
}

/**
 * Runs fn in one transaction, retrying a bounded number of times when Postgres aborts it for a
 * deadlock or a serialization failure, so a client never sees those as errors. fn must be safe
 * to run again: all its effects are inside the transaction that was rolled back.
 */
export async function inTransaction<T>(db: Kysely<DB>, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let current: Transaction<DB> | undefined;
    let result: T;
    try {
      result = await db.transaction().execute((trx) => {
        current = trx;
        committed.set(trx, null);
        return fn(trx);
      });
    } catch (err) {
      const code = pgErrorCode(err);
      if (!code || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw err;
      transactionStats.retries++;
      countRetry(code);
      // Jittered back-off so the transactions that collided do not collide again.
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
      continue;
    }
    const done = committed.get(current!);
    if (done) runCommitted(done);
    return result;
  }
}

function runCommitted(done: (() => void)[]): void {
  for (const f of done) {
    try {
      f();
    } catch {
      // The transaction has committed: nothing run after it (a count) may turn it into an error.
    }
  }
}

// Connection-level failures: the database is down, restarting or unreachable. The request can be
// retried later; it is a 503, not a bug.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

export function isDatabaseUnavailable(err: unknown): boolean {
  const code = pgErrorCode(err);
  if (code && (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || UNAVAILABLE_ERRNOS.has(code))) return true;
  const message = err instanceof Error ? err.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|connection error|Client was closed|terminating connection/i.test(
    message,
  );
}
