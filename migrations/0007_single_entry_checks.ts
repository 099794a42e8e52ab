import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
//
// A leaner write path (issue 17 item 3). ledger_post_many keeps its signature (the
// same sixteen parameters, replaced in place: a second overload would make every call
// ambiguous), its answers, its errors and every guard; what changes is how many statements one
// entry starts. Measured with callgrind on one single-user backend (bench/callgrind.sh, README
// "Performance"), each statement a function runs pays executor start-up, CHECK constraints read
// again and shutdown, so for a call with one entry (ledger_post, a capture) or none (a hold's
// change of held):
//  - the checks of the postings (two postings or more, every amount non-zero with at most two
//    decimals, each unit balances, every change of held valid) run as plpgsql simple
//    expressions in a loop instead of one query with four sub-queries. Calls of many entries
//    keep the query: a loop would pay per posting what the query pays once;
//  - the lowest running change of a debited non-negative account that only one of the call's
//    entries touches (every account of a one-entry call, most accounts of a batch) is its net
//    change in that entry when that is negative, none otherwise: what ledger_running_change
//    answers for it, without starting that query. The account query tells (min(en) = max(en)).
// Measured: see the README's "Performance" for the instruction counts before and after.
//  - one entry is written by two plain INSERTs (the entry, then its postings with their running
//    balances) and answered with RETURN NEXT, instead of the set-based statement many entries use.
// The guard stays in the UPDATE's WHERE (Postgres re-checks it on the newest row after a lock
// wait), with the change of held in the same UPDATE, in the same lock order; a refusal still
// reports the first entry in order that the account does not cover (that query runs only then).

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE OR REPLACE FUNCTION ledger_post_many(
      p_tenant text,
      p_kinds text[],
      p_occurred_at timestamptz[],
      p_reasons text[],
      p_reverses uuid[],
      p_object_types text[],
      p_object_ids text[],
      p_rule_versions integer[],
      p_created_by text[],
      p_metadata jsonb[],
      p_entry_of integer[],
      p_accounts text[],
      p_units text[],
      p_amounts numeric[],
      p_held_accounts text[] DEFAULT NULL,
      p_held_deltas numeric[] DEFAULT NULL
    ) RETURNS TABLE (n integer, entry_id uuid, seq bigint, tx_id text, recorded_at timestamptz, balances_after text[])
    LANGUAGE plpgsql ROWS 100 AS $$
    #variable_conflict use_column
    DECLARE
      v_count integer := coalesce(cardinality(p_kinds), 0);
      v_postings integer := coalesce(cardinality(p_accounts), 0);
      v_helds integer := coalesce(cardinality(p_held_accounts), 0);
      v_ids uuid[] := '{}';
      v_seqs bigint[] := '{}';
      v_sequence regclass;
      v_kind text;
      v_rev record;
      v_acc record;
      v_slot integer;
      v_lowest numeric;
      v_new numeric;
      v_free numeric;
      v_available numeric;
      v_requested numeric;
      v_accounts text[] := '{}';
      v_old numeric[] := '{}';
      v_slotted boolean[] := '{}';
      v_bad boolean;
      v_amount numeric;
      v_at integer;
      v_unit_list text[] := '{}';
      v_unit_sums numeric[] := '{}';
    BEGIN
      IF (v_count = 0 AND v_helds = 0)
         OR coalesce(cardinality(p_occurred_at), 0) <> v_count OR coalesce(cardinality(p_reasons), 0) <> v_count
         OR coalesce(cardinality(p_reverses), 0) <> v_count OR coalesce(cardinality(p_object_types), 0) <> v_count
         OR coalesce(cardinality(p_object_ids), 0) <> v_count OR coalesce(cardinality(p_rule_versions), 0) <> v_count
         OR coalesce(cardinality(p_created_by), 0) <> v_count OR coalesce(cardinality(p_metadata), 0) <> v_count
         OR coalesce(cardinality(p_entry_of), 0) <> v_postings OR coalesce(cardinality(p_units), 0) <> v_postings
         OR coalesce(cardinality(p_amounts), 0) <> v_postings OR coalesce(cardinality(p_held_deltas), 0) <> v_helds THEN
        RAISE EXCEPTION 'an entry needs at least two postings' USING ERRCODE = 'LE001';
      END IF;
      IF v_count <= 1 THEN
        -- One entry (ledger_post, a capture) or none (a hold's change): the checks of the query
        -- below in plpgsql's simple expressions, which start no executor. Every posting is of
        -- entry 1, non-zero, with at most two decimals; each unit (a NULL unit is a unit of its
        -- own, as in GROUP BY) sums to zero; each change of held names an account and is a
        -- non-zero amount with at most two decimals.
        v_bad := CASE WHEN v_count = 1 THEN v_postings < 2 ELSE v_postings > 0 END;
        FOR i IN 1..v_postings LOOP
          EXIT WHEN v_bad;
          v_amount := p_amounts[i];
          v_bad := p_entry_of[i] IS DISTINCT FROM 1 OR v_amount IS NULL OR v_amount = 0 OR v_amount <> round(v_amount, 2);
          v_at := array_position(v_unit_list, p_units[i]);
          IF v_at IS NULL THEN
            v_unit_list := v_unit_list || p_units[i];
            v_unit_sums := v_unit_sums || v_amount;
          ELSE
            v_unit_sums[v_at] := v_unit_sums[v_at] + v_amount;
          END IF;
        END LOOP;
        FOR i IN 1..v_helds LOOP
          EXIT WHEN v_bad;
          v_amount := p_held_deltas[i];
          v_bad := p_held_accounts[i] IS NULL OR v_amount IS NULL OR v_amount = 0 OR v_amount <> round(v_amount, 2);
        END LOOP;
        IF v_bad OR 0 <> ANY (v_unit_sums) THEN
          RAISE EXCEPTION 'postings do not balance per unit' USING ERRCODE = 'LE001';
        END IF;
      ELSIF EXISTS (SELECT 1 FROM generate_series(1, v_count) AS g(i)
                 LEFT JOIN (SELECT u.en, count(*) AS c FROM unnest(p_entry_of) AS u(en) GROUP BY u.en) c ON c.en = g.i
                 WHERE coalesce(c.c, 0) < 2)
         OR EXISTS (SELECT 1 FROM unnest(p_entry_of, p_amounts) AS u(en, amount)
                 WHERE u.en IS NULL OR u.en < 1 OR u.en > v_count
                    OR u.amount IS NULL OR u.amount = 0 OR u.amount <> round(u.amount, 2))
         OR EXISTS (SELECT 1 FROM unnest(p_entry_of, p_units, p_amounts) AS u(en, unit, amount)
                 GROUP BY u.en, u.unit HAVING sum(u.amount) <> 0)
         OR (v_helds > 0 AND EXISTS (SELECT 1 FROM unnest(p_held_accounts, p_held_deltas) AS h(account_id, delta)
                 WHERE h.account_id IS NULL OR h.delta IS NULL OR h.delta = 0 OR h.delta <> round(h.delta, 2))) THEN
        RAISE EXCEPTION 'postings do not balance per unit' USING ERRCODE = 'LE001';
      END IF;

      -- Most calls reverse nothing; array_remove is evaluated without starting a query.
      IF v_count > 0 AND array_remove(p_reverses, NULL) <> '{}' THEN
        FOR v_rev IN
          SELECT r.id, count(*) AS times FROM unnest(array_remove(p_reverses, NULL)) AS r(id) GROUP BY r.id ORDER BY r.id
        LOOP
          -- Two reversals of one entry queue on this row lock; the second then sees the first.
          SELECT e.kind INTO v_kind FROM ledger_entries e
            WHERE e.tenant_id = p_tenant AND e.entry_id = v_rev.id FOR UPDATE;
          IF NOT FOUND THEN
            RAISE EXCEPTION 'entry % not found', v_rev.id USING ERRCODE = 'LE404', DETAIL = v_rev.id::text;
          END IF;
          IF v_kind = 'reversal' THEN
            RAISE EXCEPTION 'entry % is a reversal', v_rev.id USING ERRCODE = 'LE406', DETAIL = v_rev.id::text;
          END IF;
          IF v_rev.times > 1 OR EXISTS (SELECT 1 FROM ledger_entries e WHERE e.tenant_id = p_tenant AND e.reverses_entry_id = v_rev.id) THEN
            RAISE EXCEPTION 'entry % is already reversed', v_rev.id USING ERRCODE = 'LE409', DETAIL = v_rev.id::text;
          END IF;
        END LOOP;
      END IF;

      -- Each account with its net change and its change of held, in the fixed lock order; its
      -- balance row is updated (and locked) in that order, one account after the other, so two
      -- calls never wait on each other in a cycle.
      FOR v_acc IN
        SELECT d.account_id, d.delta, d.debited, d.one_entry, d.units, d.held, a.unit AS account_unit, a.allow_negative, a.slots
        FROM (
          SELECT u.account_id, sum(u.amount) AS delta, bool_or(u.amount < 0) AS debited, min(u.en) = max(u.en) AS one_entry,
            array_agg(DISTINCT u.unit) FILTER (WHERE u.unit IS NOT NULL) AS units, sum(u.held) AS held
          FROM (
            SELECT p.account_id, p.unit, p.amount, 0::numeric AS held, p.en FROM unnest(p_accounts, p_units, p_amounts, p_entry_of) AS p(account_id, unit, amount, en)
            UNION ALL
            SELECT h.account_id, NULL, 0, h.delta, NULL FROM unnest(p_held_accounts, p_held_deltas) AS h(account_id, delta)
          ) u
          GROUP BY u.account_id
        ) d
        -- One index lookup per account: a join here was planned as a scan of every account.
        LEFT JOIN LATERAL (
          SELECT x.unit, x.allow_negative, x.slots FROM ledger_accounts x
          WHERE x.tenant_id = p_tenant AND x.account_id = d.account_id LIMIT 1
        ) a ON true
        ORDER BY coalesce(a.slots, 1) > 1, d.account_id COLLATE "C"
      LOOP
        IF v_acc.account_unit IS NULL THEN
          RAISE EXCEPTION 'account % not found', v_acc.account_id USING ERRCODE = 'LE405', DETAIL = v_acc.account_id;
        END IF;
        IF v_acc.units IS NOT NULL AND (cardinality(v_acc.units) <> 1 OR v_acc.units[1] <> v_acc.account_unit) THEN
          RAISE EXCEPTION 'account % holds %', v_acc.account_id, v_acc.account_unit
            USING ERRCODE = 'LE422', DETAIL = json_build_object('accountId', v_acc.account_id, 'unit', v_acc.account_unit)::text;
        END IF;
        IF v_acc.held <> 0 AND v_acc.slots > 1 THEN
          RAISE EXCEPTION 'account % has % balance slots and cannot be held', v_acc.account_id, v_acc.slots
            USING ERRCODE = 'LEH23', DETAIL = v_acc.account_id;
        END IF;
        -- A non-negative account that a posting takes from: after each entry that takes from it,
        -- in order, the balance less holds must stay >= 0, i.e. it must cover the lowest the
        -- account's running change reaches at such an entry. (Awards only add to members.)
        v_lowest := NULL;
        IF v_acc.debited AND NOT v_acc.allow_negative AND v_acc.one_entry THEN
          -- An account in one entry only (always so when the call has one entry, and so for most
          -- accounts of a batch): its running change has one step, its net change in that entry.
          v_lowest := CASE WHEN v_acc.delta < 0 THEN v_acc.delta END;
        ELSIF v_acc.debited AND NOT v_acc.allow_negative THEN
          SELECT min(r.through) FILTER (WHERE r.delta < 0) INTO v_lowest
          FROM ledger_running_change(p_accounts, p_amounts, p_entry_of, v_acc.account_id) r;
        END IF;
        v_slot := CASE WHEN v_acc.slots > 1 THEN pg_backend_pid() % v_acc.slots ELSE 0 END;
        -- The guard is in the WHERE: Postgres re-checks it on the newest row after a lock wait.
        -- The change of held counts first: a new hold must fit in balance - held, and a capture's
        -- release makes room for its own debit in this same UPDATE.
        UPDATE ledger_balances b SET balance = b.balance + v_acc.delta, held = b.held + v_acc.held
          WHERE b.tenant_id = p_tenant AND b.account_id = v_acc.account_id AND b.slot = v_slot
            AND (b.allow_negative OR (v_lowest IS NULL AND v_acc.held <= 0)
                 OR b.balance - b.held - v_acc.held + coalesce(v_lowest, 0) >= 0)
          RETURNING b.balance INTO v_new;
        IF NOT FOUND THEN
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
        END IF;
        v_accounts := v_accounts || v_acc.account_id::text;
        v_old := v_old || (v_new - v_acc.delta);
        v_slotted := v_slotted || (v_acc.slots > 1);
      END LOOP;

      IF v_count = 0 THEN
        RETURN; -- only holds changed: no entry
      END IF;

      v_sequence := format('%I', 'ledger_seq_' || p_tenant)::regclass;
      FOR i IN 1..v_count LOOP
        v_ids := v_ids || gen_random_uuid();
        v_seqs := v_seqs || nextval(v_sequence);
      END LOOP;

      -- balance_after is the account's running balance after each posting; a slotted account has
      -- no single running balance, so it stays NULL there.
      IF v_count = 1 THEN
        -- One entry: its row, then its postings with their running balances, and the answer as
        -- the function's own row; two plain statements start fewer executor nodes than the
        -- set-based one below (no generate_series, no numbering, no joins back to the entries).
        INSERT INTO ledger_entries AS e (tenant_id, entry_id, seq, kind, reason, reverses_entry_id,
            object_type, object_id, rule_version, occurred_at, created_by, metadata)
        VALUES (p_tenant, v_ids[1], v_seqs[1], p_kinds[1], p_reasons[1], p_reverses[1], p_object_types[1],
          p_object_ids[1], p_rule_versions[1], p_occurred_at[1], p_created_by[1], coalesce(p_metadata[1], '{}'))
        RETURNING e.tx_id::text, e.recorded_at INTO tx_id, recorded_at;
        WITH postings AS (
          INSERT INTO ledger_postings AS p (tenant_id, entry_id, idx, seq, account_id, unit, amount, balance_after)
          SELECT p_tenant, v_ids[1], (u.ord - 1)::smallint, v_seqs[1], u.account_id, u.unit, u.amount,
            CASE WHEN b.slotted THEN NULL ELSE b.old + sum(u.amount) OVER (PARTITION BY u.account_id ORDER BY u.ord) END
          FROM unnest(p_accounts, p_units, p_amounts) WITH ORDINALITY AS u(account_id, unit, amount, ord)
          JOIN unnest(v_accounts, v_old, v_slotted) AS b(account_id, old, slotted) ON b.account_id = u.account_id
          RETURNING p.idx, p.balance_after
        )
        SELECT array_agg(x.balance_after::text ORDER BY x.idx) INTO balances_after FROM postings x;
        n := 1;
        entry_id := v_ids[1];
        seq := v_seqs[1];
        RETURN NEXT;
        RETURN;
      END IF;

      RETURN QUERY
      WITH entries AS (
        INSERT INTO ledger_entries AS e (tenant_id, entry_id, seq, kind, reason, reverses_entry_id,
            object_type, object_id, rule_version, occurred_at, created_by, metadata)
        SELECT p_tenant, v_ids[g.i], v_seqs[g.i], p_kinds[g.i], p_reasons[g.i], p_reverses[g.i], p_object_types[g.i],
          p_object_ids[g.i], p_rule_versions[g.i], p_occurred_at[g.i], p_created_by[g.i], coalesce(p_metadata[g.i], '{}')
        FROM generate_series(1, v_count) AS g(i)
        RETURNING e.entry_id, e.tx_id, e.recorded_at
      ),
      postings AS (
        INSERT INTO ledger_postings AS p (tenant_id, entry_id, idx, seq, account_id, unit, amount, balance_after)
        SELECT p_tenant, v_ids[u.en], (row_number() OVER (PARTITION BY u.en ORDER BY u.ord) - 1)::smallint, v_seqs[u.en],
          u.account_id, u.unit, u.amount,
          CASE WHEN b.slotted THEN NULL
               ELSE b.old + sum(u.amount) OVER (PARTITION BY u.account_id ORDER BY u.en, u.ord) END
        FROM unnest(p_accounts, p_units, p_amounts, p_entry_of) WITH ORDINALITY AS u(account_id, unit, amount, en, ord)
        JOIN unnest(v_accounts, v_old, v_slotted) AS b(account_id, old, slotted) ON b.account_id = u.account_id
        RETURNING p.entry_id, p.idx, p.balance_after
      ),
      balances AS (
        SELECT p.entry_id, array_agg(p.balance_after::text ORDER BY p.idx) AS after FROM postings p GROUP BY p.entry_id
      )
      SELECT g.i, v_ids[g.i], v_seqs[g.i], e.tx_id::text, e.recorded_at, b.after
      FROM generate_series(1, v_count) AS g(i)
      JOIN entries e ON e.entry_id = v_ids[g.i]
      JOIN balances b ON b.entry_id = v_ids[g.i]
      ORDER BY g.i;
    END
    $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // ledger_post_many as 0005 made it: the same signature, so replaced in place.
  await sql`CREATE OR REPLACE FUNCTION ledger_post_many(
      p_tenant text,
      p_kinds text[],
      p_occurred_at timestamptz[],
      p_reasons text[],
      p_reverses uuid[],
      p_object_types text[],
      p_object_ids text[],
      p_rule_versions integer[],
      p_created_by text[],
      p_metadata jsonb[],
      p_entry_of integer[],
      p_accounts text[],
      p_units text[],
      p_amounts numeric[],
      p_held_accounts text[] DEFAULT NULL,
      p_held_deltas numeric[] DEFAULT NULL
    ) RETURNS TABLE (n integer, entry_id uuid, seq bigint, tx_id text, recorded_at timestamptz, balances_after text[])
    LANGUAGE plpgsql ROWS 100 AS $$
    #variable_conflict use_column
    DECLARE
      v_count integer := coalesce(cardinality(p_kinds), 0);
      v_postings integer := coalesce(cardinality(p_accounts), 0);
      v_helds integer := coalesce(cardinality(p_held_accounts), 0);
      v_ids uuid[] := '{}';
      v_seqs bigint[] := '{}';
      v_sequence regclass;
      v_kind text;
      v_rev record;
      v_acc record;
      v_slot integer;
      v_lowest numeric;
      v_new numeric;
      v_free numeric;
      v_available numeric;
      v_requested numeric;
      v_accounts text[] := '{}';
      v_old numeric[] := '{}';
      v_slotted boolean[] := '{}';
    BEGIN
      IF (v_count = 0 AND v_helds = 0)
         OR coalesce(cardinality(p_occurred_at), 0) <> v_count OR coalesce(cardinality(p_reasons), 0) <> v_count
         OR coalesce(cardinality(p_reverses), 0) <> v_count OR coalesce(cardinality(p_object_types), 0) <> v_count
         OR coalesce(cardinality(p_object_ids), 0) <> v_count OR coalesce(cardinality(p_rule_versions), 0) <> v_count
         OR coalesce(cardinality(p_created_by), 0) <> v_count OR coalesce(cardinality(p_metadata), 0) <> v_count
         OR coalesce(cardinality(p_entry_of), 0) <> v_postings OR coalesce(cardinality(p_units), 0) <> v_postings
         OR coalesce(cardinality(p_amounts), 0) <> v_postings OR coalesce(cardinality(p_held_deltas), 0) <> v_helds THEN
        RAISE EXCEPTION 'an entry needs at least two postings' USING ERRCODE = 'LE001';
      END IF;
      IF EXISTS (SELECT 1 FROM generate_series(1, v_count) AS g(i)
                 LEFT JOIN (SELECT u.en, count(*) AS c FROM unnest(p_entry_of) AS u(en) GROUP BY u.en) c ON c.en = g.i
                 WHERE coalesce(c.c, 0) < 2)
         OR EXISTS (SELECT 1 FROM unnest(p_entry_of, p_amounts) AS u(en, amount)
                 WHERE u.en IS NULL OR u.en < 1 OR u.en > v_count
                    OR u.amount IS NULL OR u.amount = 0 OR u.amount <> round(u.amount, 2))
         OR EXISTS (SELECT 1 FROM unnest(p_entry_of, p_units, p_amounts) AS u(en, unit, amount)
                 GROUP BY u.en, u.unit HAVING sum(u.amount) <> 0)
         OR (v_helds > 0 AND EXISTS (SELECT 1 FROM unnest(p_held_accounts, p_held_deltas) AS h(account_id, delta)
                 WHERE h.account_id IS NULL OR h.delta IS NULL OR h.delta = 0 OR h.delta <> round(h.delta, 2))) THEN
        RAISE EXCEPTION 'postings do not balance per unit' USING ERRCODE = 'LE001';
      END IF;

      -- Most calls reverse nothing; array_remove is evaluated without starting a query.
      IF v_count > 0 AND array_remove(p_reverses, NULL) <> '{}' THEN
        FOR v_rev IN
          SELECT r.id, count(*) AS times FROM unnest(array_remove(p_reverses, NULL)) AS r(id) GROUP BY r.id ORDER BY r.id
        LOOP
          -- Two reversals of one entry queue on this row lock; the second then sees the first.
          SELECT e.kind INTO v_kind FROM ledger_entries e
            WHERE e.tenant_id = p_tenant AND e.entry_id = v_rev.id FOR UPDATE;
          IF NOT FOUND THEN
            RAISE EXCEPTION 'entry % not found', v_rev.id USING ERRCODE = 'LE404', DETAIL = v_rev.id::text;
          END IF;
          IF v_kind = 'reversal' THEN
            RAISE EXCEPTION 'entry % is a reversal', v_rev.id USING ERRCODE = 'LE406', DETAIL = v_rev.id::text;
          END IF;
          IF v_rev.times > 1 OR EXISTS (SELECT 1 FROM ledger_entries e WHERE e.tenant_id = p_tenant AND e.reverses_entry_id = v_rev.id) THEN
            RAISE EXCEPTION 'entry % is already reversed', v_rev.id USING ERRCODE = 'LE409', DETAIL = v_rev.id::text;
          END IF;
        END LOOP;
      END IF;

      -- Each account with its net change and its change of held, in the fixed lock order; its
      -- balance row is updated (and locked) in that order, one account after the other, so two
      -- calls never wait on each other in a cycle.
      FOR v_acc IN
        SELECT d.account_id, d.delta, d.debited, d.units, d.held, a.unit AS account_unit, a.allow_negative, a.slots
        FROM (
          SELECT u.account_id, sum(u.amount) AS delta, bool_or(u.amount < 0) AS debited,
            array_agg(DISTINCT u.unit) FILTER (WHERE u.unit IS NOT NULL) AS units, sum(u.held) AS held
          FROM (
            SELECT p.account_id, p.unit, p.amount, 0::numeric AS held FROM unnest(p_accounts, p_units, p_amounts) AS p(account_id, unit, amount)
            UNION ALL
            SELECT h.account_id, NULL, 0, h.delta FROM unnest(p_held_accounts, p_held_deltas) AS h(account_id, delta)
          ) u
          GROUP BY u.account_id
        ) d
        -- One index lookup per account: a join here was planned as a scan of every account.
        LEFT JOIN LATERAL (
          SELECT x.unit, x.allow_negative, x.slots FROM ledger_accounts x
          WHERE x.tenant_id = p_tenant AND x.account_id = d.account_id LIMIT 1
        ) a ON true
        ORDER BY coalesce(a.slots, 1) > 1, d.account_id COLLATE "C"
      LOOP
        IF v_acc.account_unit IS NULL THEN
          RAISE EXCEPTION 'account % not found', v_acc.account_id USING ERRCODE = 'LE405', DETAIL = v_acc.account_id;
        END IF;
        IF v_acc.units IS NOT NULL AND (cardinality(v_acc.units) <> 1 OR v_acc.units[1] <> v_acc.account_unit) THEN
          RAISE EXCEPTION 'account % holds %', v_acc.account_id, v_acc.account_unit
            USING ERRCODE = 'LE422', DETAIL = json_build_object('accountId', v_acc.account_id, 'unit', v_acc.account_unit)::text;
        END IF;
        IF v_acc.held <> 0 AND v_acc.slots > 1 THEN
          RAISE EXCEPTION 'account % has % balance slots and cannot be held', v_acc.account_id, v_acc.slots
            USING ERRCODE = 'LEH23', DETAIL = v_acc.account_id;
        END IF;
        -- A non-negative account that a posting takes from: after each entry that takes from it,
        -- in order, the balance less holds must stay >= 0, i.e. it must cover the lowest the
        -- account's running change reaches at such an entry. (Awards only add to members.)
        v_lowest := NULL;
        IF v_acc.debited AND NOT v_acc.allow_negative THEN
          SELECT min(r.through) FILTER (WHERE r.delta < 0) INTO v_lowest
          FROM ledger_running_change(p_accounts, p_amounts, p_entry_of, v_acc.account_id) r;
        END IF;
        v_slot := CASE WHEN v_acc.slots > 1 THEN pg_backend_pid() % v_acc.slots ELSE 0 END;
        -- The guard is in the WHERE: Postgres re-checks it on the newest row after a lock wait.
        -- The change of held counts first: a new hold must fit in balance - held, and a capture's
        -- release makes room for its own debit in this same UPDATE.
        UPDATE ledger_balances b SET balance = b.balance + v_acc.delta, held = b.held + v_acc.held
          WHERE b.tenant_id = p_tenant AND b.account_id = v_acc.account_id AND b.slot = v_slot
            AND (b.allow_negative OR (v_lowest IS NULL AND v_acc.held <= 0)
                 OR b.balance - b.held - v_acc.held + coalesce(v_lowest, 0) >= 0)
          RETURNING b.balance INTO v_new;
        IF NOT FOUND THEN
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
        END IF;
        v_accounts := v_accounts || v_acc.account_id::text;
        v_old := v_old || (v_new - v_acc.delta);
        v_slotted := v_slotted || (v_acc.slots > 1);
      END LOOP;

      IF v_count = 0 THEN
        RETURN; -- only holds changed: no entry
      END IF;

      v_sequence := format('%I', 'ledger_seq_' || p_tenant)::regclass;
      FOR i IN 1..v_count LOOP
        v_ids := v_ids || gen_random_uuid();
        v_seqs := v_seqs || nextval(v_sequence);
      END LOOP;

      -- balance_after is the account's running balance after each posting; a slotted account has
      -- no single running balance, so it stays NULL there.
      RETURN QUERY
      WITH entries AS (
        INSERT INTO ledger_entries AS e (tenant_id, entry_id, seq, kind, reason, reverses_entry_id,
            object_type, object_id, rule_version, occurred_at, created_by, metadata)
        SELECT p_tenant, v_ids[g.i], v_seqs[g.i], p_kinds[g.i], p_reasons[g.i], p_reverses[g.i], p_object_types[g.i],
          p_object_ids[g.i], p_rule_versions[g.i], p_occurred_at[g.i], p_created_by[g.i], coalesce(p_metadata[g.i], '{}')
        FROM generate_series(1, v_count) AS g(i)
        RETURNING e.entry_id, e.tx_id, e.recorded_at
      ),
      postings AS (
        INSERT INTO ledger_postings AS p (tenant_id, entry_id, idx, seq, account_id, unit, amount, balance_after)
        SELECT p_tenant, v_ids[u.en], (row_number() OVER (PARTITION BY u.en ORDER BY u.ord) - 1)::smallint, v_seqs[u.en],
          u.account_id, u.unit, u.amount,
          CASE WHEN b.slotted THEN NULL
               ELSE b.old + sum(u.amount) OVER (PARTITION BY u.account_id ORDER BY u.en, u.ord) END
        FROM unnest(p_accounts, p_units, p_amounts, p_entry_of) WITH ORDINALITY AS u(account_id, unit, amount, en, ord)
        JOIN unnest(v_accounts, v_old, v_slotted) AS b(account_id, old, slotted) ON b.account_id = u.account_id
        RETURNING p.entry_id, p.idx, p.balance_after
      ),
      balances AS (
        SELECT p.entry_id, array_agg(p.balance_after::text ORDER BY p.idx) AS after FROM postings p GROUP BY p.entry_id
      )
      SELECT g.i, v_ids[g.i], v_seqs[g.i], e.tx_id::text, e.recorded_at, b.after
      FROM generate_series(1, v_count) AS g(i)
      JOIN entries e ON e.entry_id = v_ids[g.i]
      JOIN balances b ON b.entry_id = v_ids[g.i]
      ORDER BY g.i;
    END
    $$`.execute(db);
}
