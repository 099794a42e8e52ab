import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.

export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`CREATE TABLE tenants (
      tenant_id text PRIMARY KEY CHECK (tenant_id ~ '^[a-z][a-z0-9-]{1,39}$'),
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,

    sql`CREATE TABLE api_keys (
      tenant_id text NOT NULL REFERENCES tenants (tenant_id),
      key_id text NOT NULL,
      secret_hash text NOT NULL,
      role text NOT NULL CHECK (role IN ('admin', 'station', 'pos', 'auditor')),
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz,
      PRIMARY KEY (tenant_id, key_id)
    )`,

    sql`CREATE TABLE ledger_accounts (
      tenant_id text NOT NULL REFERENCES tenants (tenant_id),
      account_id text NOT NULL,
      unit text NOT NULL CHECK (unit IN ('HOURS', 'POINTS')),
      type text NOT NULL,
      allow_negative boolean NOT NULL,
      slots integer NOT NULL DEFAULT 1 CHECK (slots BETWEEN 1 AND 64 AND (slots = 1 OR allow_negative)),
      name text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, account_id)
    )`,

    // One row per balance slot. Hot system accounts (allow_negative) get several slots so that
    // concurrent writers update different rows; the balance is the sum of the slots.
    // The CHECK is a backstop: the write path guards the update itself and never trips it.
    sql`CREATE TABLE ledger_balances (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      slot integer NOT NULL,
      allow_negative boolean NOT NULL,
      balance numeric(20, 2) NOT NULL DEFAULT 0,
      held numeric(20, 2) NOT NULL DEFAULT 0 CHECK (held >= 0),
      PRIMARY KEY (tenant_id, account_id, slot),
      FOREIGN KEY (tenant_id, account_id) REFERENCES ledger_accounts (tenant_id, account_id),
      CHECK (allow_negative OR balance - held >= 0)
    )`,

    sql`CREATE TABLE ledger_entries (
      tenant_id text NOT NULL REFERENCES tenants (tenant_id),
      entry_id uuid NOT NULL,
      seq bigint NOT NULL,
      tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
      kind text NOT NULL CHECK (kind IN ('award', 'bonus', 'redemption', 'hold', 'capture', 'void',
        'refund', 'reversal', 'adjustment', 'transfer', 'expiry')),
      reason text,
      reverses_entry_id uuid,
      object_type text,
      object_id text,
      rule_version integer,
      occurred_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      created_by text,
      metadata jsonb NOT NULL DEFAULT '{}',
      PRIMARY KEY (tenant_id, entry_id),
      UNIQUE (tenant_id, seq),
      FOREIGN KEY (tenant_id, reverses_entry_id) REFERENCES ledger_entries (tenant_id, entry_id),
      CHECK ((kind = 'reversal') = (reverses_entry_id IS NOT NULL))
    )`,
    // An entry is reversed at most once, enforced by the database as well as by the write path.
    sql`CREATE UNIQUE INDEX ledger_entries_reverses ON ledger_entries (tenant_id, reverses_entry_id)
      WHERE reverses_entry_id IS NOT NULL`,
    sql`CREATE INDEX ledger_entries_tx ON ledger_entries (tenant_id, tx_id)`,
    sql`CREATE INDEX ledger_entries_object ON ledger_entries (tenant_id, object_type, object_id)
      WHERE object_id IS NOT NULL`,

    sql`CREATE TABLE ledger_postings (
      tenant_id text NOT NULL,
      entry_id uuid NOT NULL,
      idx smallint NOT NULL,
      seq bigint NOT NULL,
      account_id text NOT NULL,
      unit text NOT NULL CHECK (unit IN ('HOURS', 'POINTS')),
      amount numeric(20, 2) NOT NULL CHECK (amount <> 0),
      balance_after numeric(20, 2),
      PRIMARY KEY (tenant_id, entry_id, idx),
      FOREIGN KEY (tenant_id, entry_id) REFERENCES ledger_entries (tenant_id, entry_id),
      FOREIGN KEY (tenant_id, account_id) REFERENCES ledger_accounts (tenant_id, account_id)
    )`,
    // Account statements page newest first by (seq, idx).
    sql`CREATE INDEX ledger_postings_account ON ledger_postings (tenant_id, account_id, seq DESC, idx DESC)`,

    sql`CREATE TABLE idempotency_keys (
      tenant_id text NOT NULL REFERENCES tenants (tenant_id),
      idempotency_key text NOT NULL,
      request_hash text NOT NULL,
      status_code integer NOT NULL,
      response jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, idempotency_key)
    )`,

    // Append-only, enforced by the database: no role that can reach these tables can change history.
    sql`CREATE FUNCTION ledger_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% on % is not allowed: the ledger is append-only; post a reversal instead',
          TG_OP, TG_TABLE_NAME USING ERRCODE = 'LE000';
      END
    $$`,
    sql`CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
      FOR EACH ROW EXECUTE FUNCTION ledger_reject_change()`,
    sql`CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change()`,
    sql`CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings
      FOR EACH ROW EXECUTE FUNCTION ledger_reject_change()`,
    sql`CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change()`,

    // The one write path. One call per entry keeps the round trips per entry at one.
    //  - balance per unit is checked here as well as in the caller;
    //  - balance rows are updated in one fixed order (single-slot accounts by id, then slotted
    //    accounts by id, "C" collation), so two entries never wait on each other in a cycle;
    //  - a non-negative account is only debited when balance - held covers it: the guard is in
    //    the UPDATE's WHERE, which Postgres re-checks on the newest row version after a lock wait;
    //  - any failure raises an LExxx SQLSTATE and the caller's transaction rolls back whole.
    sql`CREATE FUNCTION ledger_post(
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
    LANGUAGE plpgsql AS $$
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
        LEFT JOIN ledger_accounts a ON a.tenant_id = p_tenant AND a.account_id = d.account_id
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
    $$`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['idempotency_keys', 'ledger_postings', 'ledger_entries', 'ledger_balances', 'ledger_accounts', 'api_keys', 'tenants']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)} CASCADE`.execute(db);
  }
  await sql`DROP FUNCTION IF EXISTS ledger_post`.execute(db);
  await sql`DROP FUNCTION IF EXISTS ledger_reject_change`.execute(db);
}
