import { type Kysely, sql } from 'kysely';
import { foldInSteps } from '../db/fold.js';
import type { DB } from '../db/schema.js';

// Day totals of sealed postings (migration 0014): per account, China-time day of the entry's
// business time (occurred_at) and entry kind, for every account but the members' (their expiry
// entries apart). A participation report sums a year of a county's issuance and market accounts
// from a few thousand of these rows, not a million postings joined to their entries. Only sealed
// entries are folded in, in sequence order, each once (src/db/fold.ts): ledger_day_totals_through
// says how far.

/** Folds the tenant's entries up to `uptoSeq` (sealed) into the day totals; a no-op when they are. Returns the entries' sequence numbers folded. */
export async function foldDayTotals(db: Kysely<DB>, tenantId: string, uptoSeq: string): Promise<bigint> {
  return foldInSteps(db, tenantId, uptoSeq, {
    lock: 23023,
    step: 250_000n,
    through: async (trx) => {
      const { rows } = await sql<{ seq: string }>`SELECT seq::text FROM ledger_day_totals_through WHERE tenant_id = ${tenantId}`.execute(trx);
      return BigInt(rows[0]?.seq ?? '0');
    },
    fold: async (trx, after, upto) => {
      await sql`INSERT INTO ledger_day_totals (tenant_id, account_id, day, kind, amount, postings)
        SELECT p.tenant_id, p.account_id, (e.occurred_at AT TIME ZONE 'UTC' + interval '8 hours')::date, e.kind, sum(p.amount), count(*)
        FROM ledger_entries e JOIN ledger_postings p ON p.tenant_id = e.tenant_id AND p.entry_id = e.entry_id
        WHERE e.tenant_id = ${tenantId} AND e.seq > ${String(after)}::bigint AND e.seq <= ${String(upto)}::bigint
          AND (p.account_id NOT LIKE 'member:%' OR e.kind = 'expiry')
        GROUP BY 1, 2, 3, 4
        ON CONFLICT (tenant_id, account_id, day, kind) DO UPDATE
          SET amount = ledger_day_totals.amount + EXCLUDED.amount, postings = ledger_day_totals.postings + EXCLUDED.postings`.execute(trx);
      await sql`INSERT INTO ledger_day_totals_through (tenant_id, seq) VALUES (${tenantId}, ${String(upto)}::bigint)
        ON CONFLICT (tenant_id) DO UPDATE SET seq = EXCLUDED.seq`.execute(trx);
    },
  });
}
