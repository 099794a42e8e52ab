import type { Kysely, Transaction } from 'kysely';
import type { DB } from './schema.js';

// SQLSTATEs that mean "try the same transaction again": deadlock, serialization failure.
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 5;

export const transactionStats = { retries: 0 };

export function pgErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Runs fn in one transaction, retrying a bounded number of times when Postgres aborts it for a
 * deadlock or a serialization failure, so a client never sees those as errors. fn must be safe
 * to run again: all its effects are inside the transaction that was rolled back.
 */
export async function inTransaction<T>(db: Kysely<DB>, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      const code = pgErrorCode(err);
      if (!code || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw err;
      transactionStats.retries++;
      // Jittered back-off so the transactions that collided do not collide again.
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
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
