import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Unit } from './amount.js';

// The trial balance as of a time: every account's balance from the entries recorded at or
// before it. Read from whichever side of that time holds fewer entries (by their sequence
// numbers): for a recent time, the stored balance (all slots summed) less the postings of the
// entries recorded since; for an early one, the postings of the entries recorded up to it. Either
// way the entries are found off ledger_entries_recorded (migration 0015), not by summing every
// posting the ledger holds. The caller runs it in a REPEATABLE READ transaction: the balances and
// the postings are of one snapshot, so whole entries are in or out and each unit sums to zero.

export interface TrialBalanceRow {
  accountId: string;
  unit: Unit;
  type: string;
  name: string | null;
  /** Signed: what was credited less what was debited. */
  balance: string;
}

type Row = { account_id: string; unit: Unit; type: string; name: string | null; balance: string };

/**
 * Every account of the tenant that existed at `asOf` or had a balance then, by account id.
 * asOf is RFC 3339 text, given to the database as it is (its microseconds kept).
 */
export async function trialBalanceRows(db: Kysely<DB>, tenantId: string, asOf: string): Promise<TrialBalanceRow[]> {
  const { rows: [where] } = await sql<{ first_after: string | null; last: string | null }>`SELECT
      (SELECT e.seq FROM ledger_entries e WHERE e.tenant_id = ${tenantId} AND e.recorded_at > ${asOf}::timestamptz
        ORDER BY e.recorded_at LIMIT 1)::text AS first_after,
      (SELECT max(e.seq) FROM ledger_entries e WHERE e.tenant_id = ${tenantId})::text AS last`.execute(db);
  const after = where?.first_after ? BigInt(where.last!) - BigInt(where.first_after) : 0n;
  const before = where?.first_after ? BigInt(where.first_after) : 0n;
  const { rows } = after > before ? await forward(db, tenantId, asOf) : await backward(db, tenantId, asOf);
  // NUMERIC(20, 2) as text is already the wire form ("-12.50"): no Decimal per row for 10^5 rows.
  return rows.map((r) => ({ accountId: r.account_id, unit: r.unit, type: r.type, name: r.name, balance: r.balance }));
}

/** The stored balances less what was posted after asOf. */
function backward(db: Kysely<DB>, tenantId: string, asOf: string) {
  return sql<Row>`
    WITH stored AS (
      SELECT b.account_id, sum(b.balance) AS balance FROM ledger_balances b WHERE b.tenant_id = ${tenantId} GROUP BY b.account_id
    ), later AS (
      SELECT p.account_id, sum(p.amount) AS amount
      FROM ledger_entries e JOIN ledger_postings p ON p.tenant_id = e.tenant_id AND p.entry_id = e.entry_id
      WHERE e.tenant_id = ${tenantId} AND e.recorded_at > ${asOf}::timestamptz
      GROUP BY p.account_id
    ), asof AS (
      SELECT a.account_id, a.unit, a.type, a.name, a.created_at, coalesce(s.balance, 0) - coalesce(l.amount, 0) AS balance
      FROM ledger_accounts a
      LEFT JOIN stored s ON s.account_id = a.account_id
      LEFT JOIN later l ON l.account_id = a.account_id
      WHERE a.tenant_id = ${tenantId}
    )
    SELECT account_id, unit, type, name, balance::numeric(20, 2)::text AS balance FROM asof
    WHERE created_at <= ${asOf}::timestamptz OR balance <> 0
    ORDER BY account_id`.execute(db);
}

/** What was posted up to asOf. */
function forward(db: Kysely<DB>, tenantId: string, asOf: string) {
  return sql<Row>`
    WITH upto AS (
      SELECT p.account_id, sum(p.amount) AS amount
      FROM ledger_entries e JOIN ledger_postings p ON p.tenant_id = e.tenant_id AND p.entry_id = e.entry_id
      WHERE e.tenant_id = ${tenantId} AND e.recorded_at <= ${asOf}::timestamptz
      GROUP BY p.account_id
    ), asof AS (
      SELECT a.account_id, a.unit, a.type, a.name, a.created_at, coalesce(u.amount, 0) AS balance
      FROM ledger_accounts a LEFT JOIN upto u ON u.account_id = a.account_id
      WHERE a.tenant_id = ${tenantId}
    )
    SELECT account_id, unit, type, name, balance::numeric(20, 2)::text AS balance FROM asof
    WHERE created_at <= ${asOf}::timestamptz OR balance <> 0
    ORDER BY account_id`.execute(db);
}
