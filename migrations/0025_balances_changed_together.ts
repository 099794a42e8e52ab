import { type Kysely, sql } from 'kysely';
import { editFunction } from './editFunction.js';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// The balances of a call of several entries (a group of awards, a batch), changed with two
// statements instead of one UPDATE per account (issue 17: the award's database CPU). A group of
// sixteen awards moves 34 accounts (its sixteen members' hours and points, the two issuance
// accounts), and ledger_post_many ran an UPDATE for each, through the executor one by one.
// Counted by bench/awardcost.ts (the service's own statements for 2,000 awards, replayed under
// callgrind on the schema as of 0024): 3.56 M instructions an award with the UPDATE per account,
// 3.38 M with the two statements.
//
// What stays as it was:
//  - the lock order. The rows are locked first, by a SELECT … FOR UPDATE whose lateral subquery
//    runs once per account in the order of the loop (the fixed order: unslotted accounts first,
//    then by account id in "C" order), so a call still takes its locks one after the other in
//    that order and two calls never wait on each other in a cycle;
//  - the guard. The UPDATE's WHERE is the loop's, account by account; every row is locked by then,
//    so it reads each row as it stands. An account the guard refuses is not changed, and the first
//    such account in lock order is refused as the loop refused it (LE402, with what it has and
//    what the first entry it does not cover asks), by the same function (below) the loop now calls;
//  - a call of one entry (ledger_post, a capture) or of holds only: the UPDATE per account, as
//    before (two to four accounts; the two statements were not counted there).
// What changes: which refusal a call of several entries gets when it has more than one fault.
// The loop's checks of each account (it exists, its unit, no hold on a slotted account) now all
// come before any balance is guarded, so such a call that names an account in the wrong unit and
// also overdraws an account earlier in lock order is refused for the unit (LE422), not the
// balance (LE402). It is refused either way, with nothing written, and the same call always gets
// the same refusal.

const REFUSE = sql`CREATE FUNCTION ledger_refuse_insufficient(p_tenant text, p_account text, p_unit text, p_held numeric,
    p_lowest numeric, p_accounts text[], p_amounts numeric[], p_entry_of integer[]) RETURNS void LANGUAGE plpgsql AS $$
  DECLARE
    v_free numeric;
    v_available numeric;
    v_requested numeric;
  BEGIN
    SELECT sum(x.balance - x.held) - p_held INTO v_free FROM ledger_balances x
      WHERE x.tenant_id = p_tenant AND x.account_id = p_account;
    -- The first entry, in order, that the account does not cover; else the hold itself.
    SELECT v_free + r.through - r.delta, -r.delta INTO v_available, v_requested
    FROM ledger_running_change(p_accounts, p_amounts, p_entry_of, p_account) r
    WHERE p_lowest IS NOT NULL AND r.delta < 0 AND v_free + r.through < 0
    ORDER BY r.en LIMIT 1;
    IF NOT FOUND THEN
      v_available := v_free + p_held;
      v_requested := p_held;
    END IF;
    RAISE EXCEPTION 'insufficient balance on %', p_account
      USING ERRCODE = 'LE402', DETAIL = json_build_object('accountId', p_account,
        'unit', p_unit, 'available', v_available, 'requested', v_requested)::text;
  END
  $$`;

const EDITS = [
  {
    // The refusal's own variables move to ledger_refuse_insufficient.
    from: `v_new numeric;
      v_free numeric;
      v_available numeric;
      v_requested numeric;`,
    to: 'v_new numeric;',
  },
  {
    from: "v_unit_sums numeric[] := '{}';",
    to: `v_unit_sums numeric[] := '{}';
      v_set_units text[] := '{}';
      v_set_slots integer[] := '{}';
      v_set_deltas numeric[] := '{}';
      v_set_helds numeric[] := '{}';
      v_set_lowest numeric[] := '{}';
      v_set_done bigint[];
      v_refused integer;`,
  },
  {
    from: `        -- The guard is in the WHERE: Postgres re-checks it on the newest row after a lock wait.`,
    to: `        IF v_count > 1 THEN
          -- Several entries: the account's change is made with the others' after the loop (0025),
          -- every account of the call in v_accounts' order.
          v_set_units := v_set_units || v_acc.account_unit::text;
          v_set_slots := v_set_slots || v_slot;
          v_set_deltas := v_set_deltas || v_acc.delta;
          v_set_helds := v_set_helds || v_acc.held;
          v_set_lowest := v_set_lowest || v_lowest;
          v_accounts := v_accounts || v_acc.account_id::text;
          v_slotted := v_slotted || (v_acc.slots > 1);
          CONTINUE;
        END IF;
        -- The guard is in the WHERE: Postgres re-checks it on the newest row after a lock wait.`,
  },
  {
    from: `        IF NOT FOUND THEN
          SELECT sum(x.balance - x.held) - v_acc.held INTO v_free FROM ledger_balances x
            WHERE x.tenant_id = p_tenant AND x.account_id = v_acc.account_id;
          -- The first entry, in order, that the account does not cover; else the hold itself.
          SELECT v_free + r.through - r.delta, -r.delta INTO v_available, v_requested
          FROM ledger_running_change(p_accounts, p_amounts, p_entry_of, v_acc.account_id) r
          WHERE v_lowest IS NOT NULL AND r.delta < 0 AND v_free + r.through < 0
          ORDER BY r.en LIMIT 1;
          IF NOT FOUND THEN
            v_available := v_free + v_acc.held;
            v_requested := v_acc.held;
          END IF;
          RAISE EXCEPTION 'insufficient balance on %', v_acc.account_id
            USING ERRCODE = 'LE402', DETAIL = json_build_object('accountId', v_acc.account_id,
              'unit', v_acc.account_unit, 'available', v_available, 'requested', v_requested)::text;
        END IF;`,
    to: `        IF NOT FOUND THEN
          PERFORM ledger_refuse_insufficient(p_tenant, v_acc.account_id, v_acc.account_unit, v_acc.held, v_lowest,
            p_accounts, p_amounts, p_entry_of);
        END IF;`,
  },
  {
    from: `      END LOOP;

      IF v_count = 0 THEN`,
    to: `      END LOOP;

      IF v_count > 1 THEN
        -- Locked in the loop's order: the lateral subquery runs once per account, in the order of
        -- the arrays (a subquery that locks is never merged into the join).
        PERFORM FROM unnest(v_accounts, v_set_slots) WITH ORDINALITY AS u(account_id, slot, ord)
          CROSS JOIN LATERAL (SELECT 1 FROM ledger_balances b
            WHERE b.tenant_id = p_tenant AND b.account_id = u.account_id AND b.slot = u.slot FOR UPDATE OF b) x;
        -- Then changed under the loop's guard, account by account.
        WITH changed AS (
          UPDATE ledger_balances b SET balance = b.balance + u.delta, held = b.held + u.held
          FROM unnest(v_accounts, v_set_slots, v_set_deltas, v_set_helds, v_set_lowest)
            WITH ORDINALITY AS u(account_id, slot, delta, held, lowest, ord)
          WHERE b.tenant_id = p_tenant AND b.account_id = u.account_id AND b.slot = u.slot
            AND (b.allow_negative OR (u.lowest IS NULL AND u.held <= 0)
                 OR b.balance - b.held - u.held + coalesce(u.lowest, 0) >= 0)
          RETURNING u.ord, b.balance - u.delta AS old
        )
        SELECT array_agg(c.old ORDER BY c.ord), array_agg(c.ord ORDER BY c.ord) INTO v_old, v_set_done FROM changed c;
        IF coalesce(cardinality(v_set_done), 0) < cardinality(v_accounts) THEN
          SELECT min(g.i) INTO v_refused FROM generate_series(1, cardinality(v_accounts)) AS g(i)
            WHERE g.i <> ALL (coalesce(v_set_done, '{}'));
          PERFORM ledger_refuse_insufficient(p_tenant, v_accounts[v_refused], v_set_units[v_refused], v_set_helds[v_refused],
            v_set_lowest[v_refused], p_accounts, p_amounts, p_entry_of);
        END IF;
      END IF;

      IF v_count = 0 THEN`,
  },
];

export async function up(db: Kysely<any>): Promise<void> {
  await REFUSE.execute(db);
  await editFunction(db, '0025', 'ledger_post_many', EDITS);
}

export async function down(db: Kysely<any>): Promise<void> {
  await editFunction(db, '0025', 'ledger_post_many', EDITS.map((e) => ({ from: e.to, to: e.from })).reverse());
  await sql`DROP FUNCTION ledger_refuse_insufficient(text, text, text, numeric, numeric, text[], numeric[], integer[])`.execute(db);
}
