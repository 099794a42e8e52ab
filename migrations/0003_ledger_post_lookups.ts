import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
//
// ledger_post, measured under load (perf on the Postgres backends, bench/):
//  - it looked its accounts up with a join that Postgres planned as a hash join over every
//    account of the database (20,000 in the benchmark county): a fifth of all database CPU.
//    The lookup is now one index probe per account; nothing else in the function changes;
//  - an award is written in one statement that embeds ledger_post (src/hours/intake.ts).
//    Postgres plans a set-returning function at 1000 rows unless told otherwise; joined with the
//    other parts of that statement the estimate reached 10^12 rows, which switched on JIT
//    compilation and cost about 1.5 s per award. ledger_post returns exactly one row: ROWS 1.

export async function up(db: Kysely<any>): Promise<void> {
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
    DECLARE
      v_entry uuid := gen_random_uuid();
      v_seq bigint;
      v_tx xid8;
      v_recorded timestamptz;
      v_kind text;
      v_acc record;
      v_slot integer;
      v_new numeric;
      v_available numeric;
      v_ids text[] := '{}';
      v_old numeric[] := '{}';
      v_slotted boolean[] := '{}';
    BEGIN
      IF coalesce(cardinality(p_accounts), 0) < 2
         OR cardinality(p_units) <> cardinality(p_accounts)
         OR cardinality(p_amounts) <> cardinality(p_accounts) THEN
        RAISE EXCEPTION 'an entry needs at least two postings' USING ERRCODE = 'LE001';
      END IF;
      IF EXISTS (SELECT 1 FROM unnest(p_amounts) AS a(amount) WHERE a.amount IS NULL OR a.amount = 0 OR a.amount <> round(a.amount, 2))
         OR EXISTS (SELECT 1 FROM unnest(p_units, p_amounts) AS u(unit, amount) GROUP BY u.unit HAVING sum(u.amount) <> 0) THEN
        RAISE EXCEPTION 'postings do not balance per unit' USING ERRCODE = 'LE001';
      END IF;

      IF p_reverses IS NOT NULL THEN
        -- Two reversals of one entry queue on this row lock; the second then sees the first.
        SELECT e.kind INTO v_kind FROM ledger_entries e
          WHERE e.tenant_id = p_tenant AND e.entry_id = p_reverses FOR UPDATE;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'entry % not found', p_reverses USING ERRCODE = 'LE404', DETAIL = p_reverses::text;
        END IF;
        IF v_kind = 'reversal' THEN
          RAISE EXCEPTION 'entry % is a reversal', p_reverses USING ERRCODE = 'LE406', DETAIL = p_reverses::text;
        END IF;
        IF EXISTS (SELECT 1 FROM ledger_entries e WHERE e.tenant_id = p_tenant AND e.reverses_entry_id = p_reverses) THEN
          RAISE EXCEPTION 'entry % is already reversed', p_reverses USING ERRCODE = 'LE409', DETAIL = p_reverses::text;
        END IF;
      END IF;

      FOR v_acc IN
        SELECT d.account_id, d.delta, d.units, a.unit AS account_unit, a.allow_negative, a.slots
        FROM (
          SELECT u.account_id, sum(u.amount) AS delta, array_agg(DISTINCT u.unit) AS units
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
        v_slot := CASE WHEN v_acc.slots > 1 THEN pg_backend_pid() % v_acc.slots ELSE 0 END;
        UPDATE ledger_balances b SET balance = b.balance + v_acc.delta
          WHERE b.tenant_id = p_tenant AND b.account_id = v_acc.account_id AND b.slot = v_slot
            AND (b.allow_negative OR v_acc.delta >= 0 OR b.balance - b.held + v_acc.delta >= 0)
          RETURNING b.balance INTO v_new;
        IF NOT FOUND THEN
          SELECT sum(b.balance - b.held) INTO v_available FROM ledger_balances b
            WHERE b.tenant_id = p_tenant AND b.account_id = v_acc.account_id;
          RAISE EXCEPTION 'insufficient balance on %', v_acc.account_id
            USING ERRCODE = 'LE402', DETAIL = json_build_object('accountId', v_acc.account_id,
              'unit', v_acc.account_unit, 'available', v_available, 'requested', -v_acc.delta)::text;
        END IF;
        v_ids := v_ids || v_acc.account_id::text;
        v_old := v_old || (v_new - v_acc.delta);
        v_slotted := v_slotted || (v_acc.slots > 1);
      END LOOP;

      v_seq := nextval(format('%I', 'ledger_seq_' || p_tenant)::regclass);
      INSERT INTO ledger_entries AS e (tenant_id, entry_id, seq, kind, reason, reverses_entry_id,
          object_type, object_id, rule_version, occurred_at, created_by, metadata)
        VALUES (p_tenant, v_entry, v_seq, p_kind, p_reason, p_reverses, p_object_type, p_object_id,
          p_rule_version, p_occurred_at, p_created_by, coalesce(p_metadata, '{}'))
        RETURNING e.tx_id, e.recorded_at INTO v_tx, v_recorded;

      -- balance_after is the account's running balance after each posting; a slotted account has
      -- no single running balance, so it stays NULL there.
      RETURN QUERY
      WITH inserted AS (
        INSERT INTO ledger_postings AS p (tenant_id, entry_id, idx, seq, account_id, unit, amount, balance_after)
        SELECT p_tenant, v_entry, (u.ord - 1)::smallint, v_seq, u.account_id, u.unit, u.amount,
          CASE WHEN b.slotted THEN NULL
               ELSE b.old + sum(u.amount) OVER (PARTITION BY u.account_id ORDER BY u.ord) END
        FROM unnest(p_accounts, p_units, p_amounts) WITH ORDINALITY AS u(account_id, unit, amount, ord)
        JOIN unnest(v_ids, v_old, v_slotted) AS b(account_id, old, slotted) ON b.account_id = u.account_id
        RETURNING p.idx, p.balance_after
      )
      SELECT v_entry, v_seq, v_tx::text, v_recorded,
        (SELECT array_agg(i.balance_after::text ORDER BY i.idx) FROM inserted i);
    END
    $$`.execute(db);
}

export async function down(_db: Kysely<any>): Promise<void> {
  // Nothing to undo: this ledger_post answers exactly as the one of 0001 does, only faster, and
  // 0001's own down() drops it.
}
