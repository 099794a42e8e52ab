import { type Kysely, sql } from 'kysely';
import * as m0003 from './0003_ledger_post_lookups.js';

// Frozen: a later change is a new migration, never an edit here.
//
// The write path for many entries at once, measured under load (perf on the Postgres backends,
// bench/): ledger_post ran about ten statements per entry, and starting each statement's executor
// (its CHECK constraints read again each time) cost more than the work; an award group or a batch
// of 100 records paid that once per entry. ledger_post_many takes all the entries of a
// transaction in one call:
//  - the checks of every entry in one query (each entry has two postings or more, every amount is
//    non-zero with at most two decimals, each unit balances within its entry);
//  - reversals (rare) checked one reversed entry at a time, locked in id order;
//  - the accounts looked up, each by key, with their net change over all the entries, in the
//    fixed lock order (single-slot accounts by id, then slotted accounts by id, "C" collation),
//    and one guarded UPDATE per account in that order: an issuance account that ten awards of a
//    group debit is updated once, and two calls never wait on each other in a cycle;
//  - the guard of a non-negative account that a posting takes from: after each entry that takes
//    from it, in order, the balance less holds must stay >= 0, exactly as if the entries were
//    posted one by one. It sits in the UPDATE's WHERE, which Postgres re-checks on the newest row
//    after a lock wait;
//  - one INSERT of every entry and every posting with its running balance.
// Measured against 0003 in the same runs (npm run bench -- --quick): award +6 %, award-batch
// +26 %, a single entry per transaction (ledger-post-sql, post-direct) -20 %: one entry now pays
// for the set-based statements. ledger_post keeps its signature and answers and calls
// ledger_post_many with one entry: there is still one write path.

export async function up(db: Kysely<any>): Promise<void> {
  // One account's change entry by entry, in order: its net change in each entry that touches it,
  // and its running change through that entry. Plain SQL, so Postgres inlines it where it is used.
  await sql`CREATE FUNCTION ledger_running_change(p_accounts text[], p_amounts numeric[], p_entry_of integer[], p_account text)
    RETURNS TABLE (en integer, delta numeric, through numeric)
    LANGUAGE sql IMMUTABLE AS $$
      SELECT q.en, q.delta, sum(q.delta) OVER (ORDER BY q.en)
      FROM (SELECT u.en, sum(u.amount) AS delta FROM unnest(p_accounts, p_amounts, p_entry_of) AS u(account_id, amount, en)
            WHERE u.account_id = p_account GROUP BY u.en) q
    $$`.execute(db);

  await sql`CREATE FUNCTION ledger_post_many(
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
      p_amounts numeric[]
    ) RETURNS TABLE (n integer, entry_id uuid, seq bigint, tx_id text, recorded_at timestamptz, balances_after text[])
    LANGUAGE plpgsql ROWS 100 AS $$
    #variable_conflict use_column
    DECLARE
      v_count integer := coalesce(cardinality(p_kinds), 0);
      v_postings integer := coalesce(cardinality(p_accounts), 0);
      v_ids uuid[] := '{}';
      v_seqs bigint[] := '{}';
      v_sequence regclass;
      v_kind text;
      v_rev record;
      v_acc record;
      v_fail record;
      v_slot integer;
      v_lowest numeric;
      v_new numeric;
      v_accounts text[] := '{}';
      v_old numeric[] := '{}';
      v_slotted boolean[] := '{}';
    BEGIN
      IF v_count = 0
         OR coalesce(cardinality(p_occurred_at), 0) <> v_count OR coalesce(cardinality(p_reasons), 0) <> v_count
         OR coalesce(cardinality(p_reverses), 0) <> v_count OR coalesce(cardinality(p_object_types), 0) <> v_count
         OR coalesce(cardinality(p_object_ids), 0) <> v_count OR coalesce(cardinality(p_rule_versions), 0) <> v_count
         OR coalesce(cardinality(p_created_by), 0) <> v_count OR coalesce(cardinality(p_metadata), 0) <> v_count
         OR coalesce(cardinality(p_entry_of), 0) <> v_postings OR coalesce(cardinality(p_units), 0) <> v_postings
         OR coalesce(cardinality(p_amounts), 0) <> v_postings THEN
        RAISE EXCEPTION 'an entry needs at least two postings' USING ERRCODE = 'LE001';
      END IF;
      IF EXISTS (SELECT 1 FROM generate_series(1, v_count) AS g(i)
                 LEFT JOIN (SELECT u.en, count(*) AS c FROM unnest(p_entry_of) AS u(en) GROUP BY u.en) c ON c.en = g.i
                 WHERE coalesce(c.c, 0) < 2)
         OR EXISTS (SELECT 1 FROM unnest(p_entry_of, p_amounts) AS u(en, amount)
                 WHERE u.en IS NULL OR u.en < 1 OR u.en > v_count
                    OR u.amount IS NULL OR u.amount = 0 OR u.amount <> round(u.amount, 2))
         OR EXISTS (SELECT 1 FROM unnest(p_entry_of, p_units, p_amounts) AS u(en, unit, amount)
                 GROUP BY u.en, u.unit HAVING sum(u.amount) <> 0) THEN
        RAISE EXCEPTION 'postings do not balance per unit' USING ERRCODE = 'LE001';
      END IF;

      -- Most calls reverse nothing; array_remove is evaluated without starting a query.
      IF array_remove(p_reverses, NULL) <> '{}' THEN
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

      -- Each account with its net change, in the fixed lock order; its balance row is updated (and
      -- locked) in that order, one account after the other, so two calls never wait on each
      -- other in a cycle.
      FOR v_acc IN
        SELECT d.account_id, d.delta, d.debited, d.units, a.unit AS account_unit, a.allow_negative, a.slots
        FROM (
          SELECT u.account_id, sum(u.amount) AS delta, bool_or(u.amount < 0) AS debited, array_agg(DISTINCT u.unit) AS units
          FROM unnest(p_accounts, p_units, p_amounts) AS u(account_id, unit, amount)
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
        IF cardinality(v_acc.units) <> 1 OR v_acc.units[1] <> v_acc.account_unit THEN
          RAISE EXCEPTION 'account % holds %', v_acc.account_id, v_acc.account_unit
            USING ERRCODE = 'LE422', DETAIL = json_build_object('accountId', v_acc.account_id, 'unit', v_acc.account_unit)::text;
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
        UPDATE ledger_balances b SET balance = b.balance + v_acc.delta
          WHERE b.tenant_id = p_tenant AND b.account_id = v_acc.account_id AND b.slot = v_slot
            AND (b.allow_negative OR v_lowest IS NULL OR b.balance - b.held + v_lowest >= 0)
          RETURNING b.balance INTO v_new;
        IF NOT FOUND THEN
          -- The first entry, in order, that the account does not cover.
          SELECT r.delta, b.free + r.through - r.delta AS available INTO v_fail
          FROM (SELECT sum(x.balance - x.held) AS free FROM ledger_balances x
                WHERE x.tenant_id = p_tenant AND x.account_id = v_acc.account_id) b,
               ledger_running_change(p_accounts, p_amounts, p_entry_of, v_acc.account_id) r
          WHERE r.delta < 0 AND b.free + r.through < 0
          ORDER BY r.en LIMIT 1;
          RAISE EXCEPTION 'insufficient balance on %', v_acc.account_id
            USING ERRCODE = 'LE402', DETAIL = json_build_object('accountId', v_acc.account_id,
              'unit', v_acc.account_unit, 'available', v_fail.available, 'requested', -v_fail.delta)::text;
        END IF;
        v_accounts := v_accounts || v_acc.account_id::text;
        v_old := v_old || (v_new - v_acc.delta);
        v_slotted := v_slotted || (v_acc.slots > 1);
      END LOOP;

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

  await sql`CREATE OR REPLACE FUNCTION ledger_post(
      p_tenant text,
      p_kind text,
      p_occurred_at timestamptz,
      p_reason text,
      p_reverses uuid,
      p_object_type text,
      p_object_id text,
      p_rule_version integer,
      p_created_by text,
      p_metadata jsonb,
      p_accounts text[],
      p_units text[],
      p_amounts numeric[]
    ) RETURNS TABLE (entry_id uuid, seq bigint, tx_id text, recorded_at timestamptz, balances_after text[])
    LANGUAGE plpgsql ROWS 1 AS $$
    BEGIN
      RETURN QUERY
      SELECT m.entry_id, m.seq, m.tx_id, m.recorded_at, m.balances_after
      FROM ledger_post_many(p_tenant, ARRAY[p_kind], ARRAY[p_occurred_at], ARRAY[p_reason], ARRAY[p_reverses],
        ARRAY[p_object_type], ARRAY[p_object_id], ARRAY[p_rule_version], ARRAY[p_created_by], ARRAY[p_metadata],
        array_fill(1, ARRAY[coalesce(cardinality(p_accounts), 0)]), p_accounts, p_units, p_amounts) AS m;
    END
    $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // ledger_post as 0003 left it, then the functions it no longer calls.
  await m0003.up(db);
  await sql`DROP FUNCTION IF EXISTS ledger_post_many`.execute(db);
  await sql`DROP FUNCTION IF EXISTS ledger_running_change`.execute(db);
}
