import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

// The lots' part of verify (DESIGN §3: the lots of an account always sum to its balance). Run by
// verifyLedger in its snapshot; each check names what broke.
export const LOT_CHECKS = 4;

export async function verifyLots(
  trx: Transaction<DB>,
  t: string | null,
  problems: { check: string; detail: Record<string, string> }[],
  onCheck: (check: string) => void,
  limit: number,
): Promise<void> {
  onCheck('lots_equal_balance');
  // Every member's points account: its lots' points are its balance, their held its held.
  const accounts = await sql<{ tenant_id: string; account_id: string; balance: string; lots: string; held: string; lots_held: string }>`
    SELECT b.tenant_id, b.account_id, b.balance::text, coalesce(l.remaining, 0)::text AS lots, b.held::text, coalesce(l.held, 0)::text AS lots_held
    FROM (SELECT tenant_id, account_id, sum(balance) AS balance, sum(held) AS held FROM ledger_balances
          WHERE account_id LIKE 'member:%:points' AND (${t}::text IS NULL OR tenant_id = ${t}) GROUP BY tenant_id, account_id) b
    LEFT JOIN (SELECT tenant_id, account_id, sum(remaining) AS remaining, sum(held) AS held FROM ledger_lots
               WHERE (${t}::text IS NULL OR tenant_id = ${t}) GROUP BY tenant_id, account_id) l
      ON l.tenant_id = b.tenant_id AND l.account_id = b.account_id
    WHERE b.balance <> coalesce(l.remaining, 0) OR b.held <> coalesce(l.held, 0)
    UNION ALL
    SELECT l.tenant_id, l.account_id, 'no account', sum(l.remaining)::text, '0', sum(l.held)::text FROM ledger_lots l
    WHERE l.account_id NOT LIKE 'member:%:points' AND (${t}::text IS NULL OR l.tenant_id = ${t}) GROUP BY l.tenant_id, l.account_id
    LIMIT ${limit}`.execute(trx);
  for (const r of accounts.rows) {
    problems.push({
      check: 'lots_equal_balance',
      detail: { tenantId: r.tenant_id, accountId: r.account_id, balance: r.balance, lots: r.lots, held: r.held, lotsHeld: r.lots_held },
    });
  }

  onCheck('lot_equals_history');
  // Each lot is the sum of its history, and it began with what opened it.
  const lots = await sql<{ tenant_id: string; lot_id: string; remaining: string; moved: string; held: string; held_moved: string; first: string | null }>`
    SELECT l.tenant_id, l.lot_id::text, l.remaining::text, coalesce(m.moved, 0)::text AS moved, l.held::text, coalesce(m.held, 0)::text AS held_moved,
      (SELECT f.amount::text FROM ledger_lot_moves f WHERE f.tenant_id = l.tenant_id AND f.lot_id = l.lot_id ORDER BY f.move_id LIMIT 1) AS first
    FROM ledger_lots l
    LEFT JOIN (SELECT tenant_id, lot_id, sum(amount) AS moved, sum(held) AS held FROM ledger_lot_moves
               WHERE (${t}::text IS NULL OR tenant_id = ${t}) GROUP BY tenant_id, lot_id) m ON m.tenant_id = l.tenant_id AND m.lot_id = l.lot_id
    WHERE (${t}::text IS NULL OR l.tenant_id = ${t})
      AND (l.remaining <> coalesce(m.moved, 0) OR l.held <> coalesce(m.held, 0)
           OR (SELECT f.amount FROM ledger_lot_moves f WHERE f.tenant_id = l.tenant_id AND f.lot_id = l.lot_id ORDER BY f.move_id LIMIT 1) IS DISTINCT FROM l.amount)
    LIMIT ${limit}`.execute(trx);
  for (const r of lots.rows) {
    problems.push({
      check: 'lot_equals_history',
      detail: { tenantId: r.tenant_id, lotId: r.lot_id, remaining: r.remaining, moved: r.moved, held: r.held, heldMoved: r.held_moved, opened: r.first ?? 'no move' },
    });
  }

  onCheck('entry_moves_lots');
  // What each entry changed on a member's points account, its lots moved by as much (every entry
  // since lots began: ledger_lots_began keeps where that was for a ledger older than them).
  const entries = await sql<{ tenant_id: string; entry_id: string; account_id: string; posted: string; moved: string }>`
    SELECT coalesce(p.tenant_id, m.tenant_id) AS tenant_id, coalesce(p.entry_id, m.entry_id)::text AS entry_id,
      coalesce(p.account_id, m.account_id) AS account_id, coalesce(p.posted, 0)::text AS posted, coalesce(m.moved, 0)::text AS moved
    FROM (SELECT x.tenant_id, x.entry_id, x.account_id, sum(x.amount) AS posted FROM ledger_postings x
          LEFT JOIN ledger_lots_began s ON s.tenant_id = x.tenant_id
          WHERE x.account_id LIKE 'member:%:points' AND x.seq > coalesce(s.after_seq, 0) AND (${t}::text IS NULL OR x.tenant_id = ${t})
          GROUP BY x.tenant_id, x.entry_id, x.account_id) p
    FULL JOIN (SELECT mv.tenant_id, mv.entry_id, l.account_id, sum(mv.amount) AS moved FROM ledger_lot_moves mv
               JOIN ledger_lots l ON l.tenant_id = mv.tenant_id AND l.lot_id = mv.lot_id
               WHERE mv.entry_id IS NOT NULL AND (${t}::text IS NULL OR mv.tenant_id = ${t}) GROUP BY mv.tenant_id, mv.entry_id, l.account_id) m
      ON m.tenant_id = p.tenant_id AND m.entry_id = p.entry_id AND m.account_id = p.account_id
    WHERE coalesce(p.posted, 0) <> coalesce(m.moved, 0)
    LIMIT ${limit}`.execute(trx);
  for (const r of entries.rows) {
    problems.push({ check: 'entry_moves_lots', detail: { tenantId: r.tenant_id, entryId: r.entry_id, accountId: r.account_id, posted: r.posted, moved: r.moved } });
  }

  onCheck('hold_reserves_lots');
  // An open hold on a member's points reserves exactly its amount in lots; a resolved one nothing.
  const holds = await sql<{ tenant_id: string; hold_id: string; status: string; amount: string; reserved: string }>`
    SELECT h.tenant_id, h.hold_id::text, h.status, h.amount::text, coalesce(r.reserved, 0)::text AS reserved
    FROM ledger_holds h
    LEFT JOIN (SELECT tenant_id, hold_id, sum(held) AS reserved FROM ledger_lot_moves
               WHERE hold_id IS NOT NULL AND (${t}::text IS NULL OR tenant_id = ${t}) GROUP BY tenant_id, hold_id) r
      ON r.tenant_id = h.tenant_id AND r.hold_id = h.hold_id
    WHERE h.account_id LIKE 'member:%:points' AND (${t}::text IS NULL OR h.tenant_id = ${t})
      AND coalesce(r.reserved, 0) <> CASE WHEN h.status = 'open' THEN h.amount ELSE 0 END
    LIMIT ${limit}`.execute(trx);
  for (const r of holds.rows) {
    problems.push({ check: 'hold_reserves_lots', detail: { tenantId: r.tenant_id, holdId: r.hold_id, status: r.status, amount: r.amount, reserved: r.reserved } });
  }
}
