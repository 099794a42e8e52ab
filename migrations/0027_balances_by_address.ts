import type { Kysely } from 'kysely';
import { editFunction } from './editFunction.js';

// Frozen: a later change is a new migration, never an edit here.
//
// 0025's set-based balance UPDATE in ledger_post_many joined the call's accounts to
// ledger_balances by key, and the planner chose how. With the table's statistics in place it
// probes the primary key once per account; without them (a database restored from a dump, or a
// column whose type was altered, before ANALYZE or autovacuum runs) it estimated a handful of
// rows for the tenant and chose a bitmap scan of ALL the tenant's balance rows and a hash join:
// a group of sixteen awards on a county of 2,000 members read 4,700 balance rows, and the cost of
// every call grew with the county (found replaying bench/awardcost.ts on a copy without
// statistics, 2026-12-07).
//
// The lock step just before it already finds each row by its whole key, in the fixed lock order,
// with a lateral subquery the planner cannot turn into a scan (a subquery that locks is never
// merged into the join). It now also keeps each locked row's address (ctid), and the UPDATE finds
// the rows by those addresses, with no condition an index could serve (the key columns are still
// compared, the tenant with IS NOT DISTINCT FROM, which is not an index condition). Its only plans
// are then a TID scan or a full scan of the table, and the planner prices those by the table's
// size on disk when it plans, not by statistics: a full scan wins only on a small table (one of
// 1,500 balance rows was scanned whole in test/plans-without-statistics.test.ts's setting, one of
// 5,000 was not), where it costs little.
//
// Why an address is safe here: the rows are locked FOR UPDATE by this transaction before the
// UPDATE runs, so no other transaction can update them (and move them to a new address) in
// between, and nothing in between changes them in this one. In READ COMMITTED the lock step
// returns the newest version of a row it waited for, and the UPDATE, a later statement with a
// later snapshot, sees that version. A row that does not exist leaves a NULL address, matches
// nothing and is refused as before; the key columns compared as well mean a wrong address could
// only fail to match, never change another account's row.

const EDITS = [
  {
    from: 'v_set_done bigint[];',
    to: `v_set_done bigint[];
      v_set_tids tid[];`,
  },
  {
    from: `        -- Locked in the loop's order: the lateral subquery runs once per account, in the order of
        -- the arrays (a subquery that locks is never merged into the join).
        PERFORM FROM unnest(v_accounts, v_set_slots) WITH ORDINALITY AS u(account_id, slot, ord)
          CROSS JOIN LATERAL (SELECT 1 FROM ledger_balances b
            WHERE b.tenant_id = p_tenant AND b.account_id = u.account_id AND b.slot = u.slot FOR UPDATE OF b) x;`,
    to: `        -- Locked in the loop's order: the lateral subquery runs once per account, in the order of
        -- the arrays (a subquery that locks is never merged into the join). Each locked row's
        -- address is kept, in the same order (NULL for a row not found), for the UPDATE (0027).
        SELECT array_agg(x.tid ORDER BY u.ord) INTO v_set_tids
        FROM unnest(v_accounts, v_set_slots) WITH ORDINALITY AS u(account_id, slot, ord)
          LEFT JOIN LATERAL (SELECT b.ctid AS tid FROM ledger_balances b
            WHERE b.tenant_id = p_tenant AND b.account_id = u.account_id AND b.slot = u.slot FOR UPDATE OF b) x ON true;`,
  },
  {
    from: `          UPDATE ledger_balances b SET balance = b.balance + u.delta, held = b.held + u.held
          FROM unnest(v_accounts, v_set_slots, v_set_deltas, v_set_helds, v_set_lowest)
            WITH ORDINALITY AS u(account_id, slot, delta, held, lowest, ord)
          WHERE b.tenant_id = p_tenant AND b.account_id = u.account_id AND b.slot = u.slot
            AND (b.allow_negative OR (u.lowest IS NULL AND u.held <= 0)
                 OR b.balance - b.held - u.held + coalesce(u.lowest, 0) >= 0)
          RETURNING u.ord, b.balance - u.delta AS old`,
    to: `          UPDATE ledger_balances b SET balance = b.balance + u.delta, held = b.held + u.held
          FROM unnest(v_set_tids, v_accounts, v_set_slots, v_set_deltas, v_set_helds, v_set_lowest)
            WITH ORDINALITY AS u(tid, account_id, slot, delta, held, lowest, ord)
          -- By the locked rows' addresses, and by nothing an index could serve (IS NOT DISTINCT FROM
          -- is not an index condition): the rows are read by a TID scan whatever the statistics
          -- say; only on a table of a few pages may a full scan cost the planner less. The ANY is
          -- implied by the join's ctid = u.tid but not redundant: it lets the planner price the
          -- table's side as a TID scan of these addresses on its own, not only inside a join.
          WHERE b.ctid = ANY (v_set_tids) AND b.ctid = u.tid
            AND b.tenant_id IS NOT DISTINCT FROM p_tenant AND b.account_id = u.account_id AND b.slot = u.slot
            AND (b.allow_negative OR (u.lowest IS NULL AND u.held <= 0)
                 OR b.balance - b.held - u.held + coalesce(u.lowest, 0) >= 0)
          RETURNING u.ord, b.balance - u.delta AS old`,
  },
];

export async function up(db: Kysely<any>): Promise<void> {
  await editFunction(db, '0027', 'ledger_post_many', EDITS);
}

export async function down(db: Kysely<any>): Promise<void> {
  await editFunction(db, '0027', 'ledger_post_many', EDITS.map((e) => ({ from: e.to, to: e.from })).reverse());
}
