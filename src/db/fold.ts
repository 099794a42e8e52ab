import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from './schema.js';
import { customPlans } from './transaction.js';

// Derived tables folded in from sealed entries (the ledger's day totals, the reports' counted
// records): each keeps how far a tenant's entries are in, and a backlog is taken in steps, each
// kept when it commits, so a crash or a kill loses at most the step under way and a later fold
// takes it again from where the last commit left off.

export interface FoldSteps {
  /** The advisory lock of this fold: one folder per tenant at a time (several processes, or a job beside the CLI). */
  lock: number;
  /** Entries per step (per transaction). */
  step: bigint;
  /** How far the tenant's entries are in. */
  through: (trx: Transaction<DB>) => Promise<bigint>;
  /** Folds the entries with sequence numbers in (after, upto] and records upto as how far they are in. */
  fold: (trx: Transaction<DB>, after: bigint, upto: bigint) => Promise<void>;
}

/** Folds a tenant's entries up to `uptoSeq` (sealed) in steps; a no-op when they are in. Returns the sequence numbers folded. */
export async function foldInSteps(db: Kysely<DB>, tenantId: string, uptoSeq: string, f: FoldSteps): Promise<bigint> {
  const upto = BigInt(uptoSeq);
  let folded = 0n;
  for (;;) {
    const step = await db.transaction().execute(async (trx) => {
      // Plans for this step's own range (generically planned, every second's fold hashed the
      // tenant's service records and read its counted records twice; test/fold-plans.test.ts).
      await sql`SELECT pg_advisory_xact_lock(${f.lock}, hashtext(${tenantId})), ${customPlans}`.execute(trx);
      const through = await f.through(trx);
      if (through >= upto) return 0n;
      const next = through + f.step < upto ? through + f.step : upto;
      await f.fold(trx, through, next);
      return next - through;
    });
    if (step === 0n) return folded;
    folded += step;
  }
}
