import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

/**
 * Runs fn in one REPEATABLE READ read-only transaction: every query of it sees the same snapshot,
 * so the figures of one answer (sums and rows, balances and later postings) agree with each other
 * under concurrent writes. Works the same on PGlite.
 */
export function readSnapshot<T>(db: Kysely<DB>, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(fn);
}
