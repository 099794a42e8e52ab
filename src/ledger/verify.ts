import { Decimal } from 'decimal.js';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { formatAmount } from './amount.js';
import { LOT_CHECKS, verifyLots } from './verifyLots.js';

export interface Verification {
  ok: boolean;
  tenantId: string | null;
  checkedAt: string;
  entries: string;
  postings: string;
  accounts: string;
  /** Per unit, the sum of all postings; a balanced ledger has zero everywhere. */
  unitTotals: { unit: string; total: string }[];
  problems: { check: string; detail: Record<string, string> }[];
}

/** How many times verifyLedger calls its onCheck. */
export const VERIFY_CHECKS = 8 + LOT_CHECKS;

const LIMIT = 100; // problems listed per check; one is enough to fail

/**
 * Proves the ledger's invariants from the rows themselves, in one snapshot (REPEATABLE READ), so
 * writers running meanwhile cannot make it see half an entry:
 * every entry balances per unit and has at least two postings, every stored balance equals the
 * sum of its account's postings, no non-negative account is below zero, each balance row's held
 * is the sum of its open holds and each hold's status is the one its events give; and the lots of
 * members' points (verifyLots).
 */
export async function verifyLedger(
  db: Kysely<DB>,
  tenantId: string | null,
  /** Told the name of each check as it starts (the CLI's progress bar); VERIFY_CHECKS of them. */
  onCheck: (check: string) => void = () => {},
): Promise<Verification> {
  return db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
    const t = tenantId;
    const problems: Verification['problems'] = [];

    onCheck('entry_balanced');
    const unbalanced = await sql<{ tenant_id: string; entry_id: string; unit: string; total: string; n: string }>`
      SELECT tenant_id, entry_id::text, unit, sum(amount)::text AS total, count(*)::text AS n
      FROM ledger_postings WHERE (${t}::text IS NULL OR tenant_id = ${t})
      GROUP BY tenant_id, entry_id, unit HAVING sum(amount) <> 0 LIMIT ${LIMIT}`.execute(trx);
    for (const r of unbalanced.rows) problems.push({ check: 'entry_balanced', detail: { tenantId: r.tenant_id, entryId: r.entry_id, unit: r.unit, total: r.total } });

    onCheck('entry_has_postings');
    const thin = await sql<{ tenant_id: string; entry_id: string; n: string }>`
      SELECT e.tenant_id, e.entry_id::text, count(p.idx)::text AS n
      FROM ledger_entries e LEFT JOIN ledger_postings p ON p.tenant_id = e.tenant_id AND p.entry_id = e.entry_id
      WHERE (${t}::text IS NULL OR e.tenant_id = ${t})
      GROUP BY e.tenant_id, e.entry_id HAVING count(p.idx) < 2 LIMIT ${LIMIT}`.execute(trx);
    for (const r of thin.rows) problems.push({ check: 'entry_has_postings', detail: { tenantId: r.tenant_id, entryId: r.entry_id, postings: r.n } });

    onCheck('balance_equals_postings');
    const mismatched = await sql<{ tenant_id: string; account_id: string; stored: string; posted: string }>`
      SELECT b.tenant_id, b.account_id, b.stored::text, coalesce(p.posted, 0)::text AS posted
      FROM (SELECT tenant_id, account_id, sum(balance) AS stored FROM ledger_balances
            WHERE (${t}::text IS NULL OR tenant_id = ${t}) GROUP BY tenant_id, account_id) b
      LEFT JOIN (SELECT tenant_id, account_id, sum(amount) AS posted FROM ledger_postings
            WHERE (${t}::text IS NULL OR tenant_id = ${t}) GROUP BY tenant_id, account_id) p
        ON p.tenant_id = b.tenant_id AND p.account_id = b.account_id
      WHERE b.stored <> coalesce(p.posted, 0) LIMIT ${LIMIT}`.execute(trx);
    for (const r of mismatched.rows) problems.push({ check: 'balance_equals_postings', detail: { tenantId: r.tenant_id, accountId: r.account_id, stored: r.stored, posted: r.posted } });

    onCheck('non_negative');
    const negative = await sql<{ tenant_id: string; account_id: string; available: string }>`
      SELECT tenant_id, account_id, sum(balance - held)::text AS available FROM ledger_balances
      WHERE NOT allow_negative AND (${t}::text IS NULL OR tenant_id = ${t})
      GROUP BY tenant_id, account_id HAVING sum(balance - held) < 0 LIMIT ${LIMIT}`.execute(trx);
    for (const r of negative.rows) problems.push({ check: 'non_negative', detail: { tenantId: r.tenant_id, accountId: r.account_id, available: r.available } });

    onCheck('held_equals_open_holds');
    // Each balance row's held is the sum of its account's open holds (holds sit on slot 0 of
    // single-slot accounts; any other row holds nothing).
    const held = await sql<{ tenant_id: string; account_id: string; slot: number; stored: string; open: string }>`
      SELECT b.tenant_id, b.account_id, b.slot, b.held::text AS stored, coalesce(h.open, 0)::text AS open
      FROM ledger_balances b
      LEFT JOIN (SELECT tenant_id, account_id, sum(amount) AS open FROM ledger_holds
                 WHERE status = 'open' AND (${t}::text IS NULL OR tenant_id = ${t}) GROUP BY tenant_id, account_id) h
        ON h.tenant_id = b.tenant_id AND h.account_id = b.account_id AND b.slot = 0
      WHERE (${t}::text IS NULL OR b.tenant_id = ${t}) AND b.held <> coalesce(h.open, 0)
      LIMIT ${LIMIT}`.execute(trx);
    for (const r of held.rows) {
      problems.push({ check: 'held_equals_open_holds', detail: { tenantId: r.tenant_id, accountId: r.account_id, slot: String(r.slot), stored: r.stored, open: r.open } });
    }

    onCheck('hold_matches_events');
    // A hold's status is what its events say: created once, then at most one resolution that
    // names the status (captured with its entry, which moved exactly the captured amount).
    const holds = await sql<{ tenant_id: string; hold_id: string; status: string; derived: string }>`
      SELECT h.tenant_id, h.hold_id::text, h.status, coalesce(r.kind, CASE WHEN c.kind IS NULL THEN 'no created event' ELSE 'open' END) AS derived
      FROM ledger_holds h
      LEFT JOIN ledger_hold_events c ON c.tenant_id = h.tenant_id AND c.hold_id = h.hold_id AND c.kind = 'created' AND c.amount = h.amount
      LEFT JOIN ledger_hold_events r ON r.tenant_id = h.tenant_id AND r.hold_id = h.hold_id AND r.kind <> 'created'
      LEFT JOIN ledger_postings p ON p.tenant_id = r.tenant_id AND p.entry_id = r.entry_id AND p.account_id = h.account_id
      WHERE (${t}::text IS NULL OR h.tenant_id = ${t})
        AND (c.kind IS NULL OR h.status <> coalesce(r.kind, 'open')
             OR (r.kind = 'captured' AND (p.amount IS DISTINCT FROM -r.amount OR r.amount > h.amount)))
      LIMIT ${LIMIT}`.execute(trx);
    for (const r of holds.rows) {
      problems.push({ check: 'hold_matches_events', detail: { tenantId: r.tenant_id, holdId: r.hold_id, status: r.status, events: r.derived } });
    }

    await verifyLots(trx, t, problems, onCheck, LIMIT);

    onCheck('unit_sums_zero');
    const totals = await sql<{ unit: string; total: string }>`
      SELECT unit, sum(amount)::text AS total FROM ledger_postings
      WHERE (${t}::text IS NULL OR tenant_id = ${t}) GROUP BY unit ORDER BY unit`.execute(trx);
    for (const r of totals.rows) if (!new Decimal(r.total).isZero()) problems.push({ check: 'unit_sums_zero', detail: { unit: r.unit, total: r.total } });

    onCheck('counts');
    const counts = await sql<{ entries: string; postings: string; accounts: string }>`
      SELECT (SELECT count(*) FROM ledger_entries WHERE (${t}::text IS NULL OR tenant_id = ${t}))::text AS entries,
             (SELECT count(*) FROM ledger_postings WHERE (${t}::text IS NULL OR tenant_id = ${t}))::text AS postings,
             (SELECT count(*) FROM ledger_accounts WHERE (${t}::text IS NULL OR tenant_id = ${t}))::text AS accounts`.execute(trx);
    const c = counts.rows[0]!;
    return {
      ok: problems.length === 0,
      tenantId,
      checkedAt: new Date().toISOString(),
      entries: c.entries,
      postings: c.postings,
      accounts: c.accounts,
      unitTotals: totals.rows.map((r) => ({ unit: r.unit, total: formatAmount(r.total) })),
      problems,
    };
  });
}
