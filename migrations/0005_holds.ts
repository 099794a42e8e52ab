import { type Kysely, sql } from 'kysely';
import * as m0004 from './0004_ledger_post_many.js';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// Holds (DESIGN §3, two-phase). A hold reserves an amount of one account until it is captured
// (all or less: the capture posts the real entry and releases the rest), voided or expired:
//  - ledger_holds: one row per hold, its facts fixed at creation; its status moves once, from
//    'open' to 'captured', 'voided' or 'expired' (a trigger refuses anything else), so a guarded
//    UPDATE ... WHERE status = 'open' is the transition that resolves a hold at most once;
//  - ledger_hold_events: every change of a hold (created, captured, voided, expired) with its time
//    and actor, append-only like the entries; a hold's status is derivable from them, and a
//    partial unique index lets a hold have one resolution only;
//  - ledger_balances.held (since 0001) is the sum of the account's open holds; verify proves it.
//
// The write path stays one: ledger_post_many takes the changes of `held` per account with the
// entries (p_held_accounts, p_held_deltas) and applies both in the one guarded UPDATE of each
// balance row, in the fixed lock order. A change of held counts before the call's entries: a
// capture releases its hold and debits the captured amount in the same UPDATE, so the guard does
// not count the held amount twice; a new hold must leave balance - held >= 0 (a non-negative
// account), so a hold never overdraws. Holds sit only on single-slot accounts (a slotted account
// has no one row to guard): LEH23 otherwise.
//
// SQLSTATEs (mapped to wire codes by src/ledger/holds.ts): LEH04 no such hold, LEH09 already
// resolved (DETAIL: status, expiresAt), LEH10 past its expiry time, LEH22 capture more than held,
// LEH23 account cannot be held, LEH24 expiry not in the future.

export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`CREATE TABLE ledger_holds (
      tenant_id text NOT NULL REFERENCES tenants (tenant_id),
      hold_id uuid NOT NULL,
      account_id text NOT NULL,
      unit text NOT NULL CHECK (unit IN ('HOURS', 'POINTS')),
      amount numeric(20, 2) NOT NULL CHECK (amount > 0),
      expires_at timestamptz NOT NULL,
      reference text,
      reason text,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      created_by text,
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'captured', 'voided', 'expired')),
      PRIMARY KEY (tenant_id, hold_id),
      FOREIGN KEY (tenant_id, account_id) REFERENCES ledger_accounts (tenant_id, account_id)
    )`,
    // The sweeper's scan: open holds by expiry time.
    sql`CREATE INDEX ledger_holds_open ON ledger_holds (expires_at) WHERE status = 'open'`,
    sql`CREATE INDEX ledger_holds_account ON ledger_holds (tenant_id, account_id) WHERE status = 'open'`,

    sql`CREATE TABLE ledger_hold_events (
      tenant_id text NOT NULL,
      hold_id uuid NOT NULL,
      kind text NOT NULL CHECK (kind IN ('created', 'captured', 'voided', 'expired')),
      -- created: the amount held; captured: the amount posted; voided, expired: nothing posted.
      amount numeric(20, 2) NOT NULL CHECK (amount >= 0),
      -- What the change released from held (the whole hold on resolution, 0 on creation).
      released numeric(20, 2) NOT NULL CHECK (released >= 0),
      entry_id uuid,
      reason text,
      at timestamptz NOT NULL DEFAULT clock_timestamp(),
      actor text,
      PRIMARY KEY (tenant_id, hold_id, kind),
      FOREIGN KEY (tenant_id, hold_id) REFERENCES ledger_holds (tenant_id, hold_id),
      FOREIGN KEY (tenant_id, entry_id) REFERENCES ledger_entries (tenant_id, entry_id),
      CHECK ((kind = 'captured') = (entry_id IS NOT NULL))
    )`,
    // A hold resolves at most once, whatever the code does.
    sql`CREATE UNIQUE INDEX ledger_hold_events_resolved ON ledger_hold_events (tenant_id, hold_id) WHERE kind <> 'created'`,
    sql`CREATE TRIGGER ledger_hold_events_append_only BEFORE UPDATE OR DELETE ON ledger_hold_events
      FOR EACH ROW EXECUTE FUNCTION ledger_reject_change()`,
    sql`CREATE TRIGGER ledger_hold_events_no_truncate BEFORE TRUNCATE ON ledger_hold_events
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change()`,

    // A hold's facts never change, and its status moves once, out of 'open'.
    sql`CREATE FUNCTION ledger_hold_resolve_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'UPDATE' THEN
          RAISE EXCEPTION '% on % is not allowed: holds are kept', TG_OP, TG_TABLE_NAME USING ERRCODE = 'LE000';
        END IF;
        IF OLD.status <> 'open' OR NEW.status = 'open'
           OR (NEW.tenant_id, NEW.hold_id, NEW.account_id, NEW.unit, NEW.amount, NEW.expires_at, NEW.reference,
               NEW.reason, NEW.created_at, NEW.created_by)
              IS DISTINCT FROM (OLD.tenant_id, OLD.hold_id, OLD.account_id, OLD.unit, OLD.amount, OLD.expires_at,
               OLD.reference, OLD.reason, OLD.created_at, OLD.created_by) THEN
          RAISE EXCEPTION '% on % is not allowed: a hold only resolves, once', TG_OP, TG_TABLE_NAME USING ERRCODE = 'LE000';
        END IF;
        RETURN NEW;
      END
    $$`,
    sql`CREATE TRIGGER ledger_holds_resolve_once BEFORE UPDATE OR DELETE ON ledger_holds
      FOR EACH ROW EXECUTE FUNCTION ledger_hold_resolve_once()`,
    sql`CREATE TRIGGER ledger_holds_no_truncate BEFORE TRUNCATE ON ledger_holds
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change()`,

    // The write path, as 0004 left it, with changes of held beside the entries (see above). Its
    // signature grows by two parameters with defaults, so every call of 0004's shape still works.
    sql`DROP FUNCTION ledger_post_many(text, text[], timestamptz[], text[], uuid[], text[], text[], integer[], text[], jsonb[], integer[], text[], text[], numeric[])`,
    sql`CREATE FUNCTION ledger_post_many(
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
    $$`,

    // A new hold: the row, its 'created' event, and held raised through the write path (which
    // refuses it when balance - held does not cover it). The expiry is the caller's time or the
    // database's clock plus a TTL; it must lie ahead of the database's clock.
    sql`CREATE FUNCTION ledger_hold_create(
      p_tenant text,
      p_hold uuid,
      p_account text,
      p_unit text,
      p_amount numeric,
      p_expires_at timestamptz,
      p_ttl_seconds integer,
      p_reference text,
      p_reason text,
      p_actor text
    ) RETURNS TABLE (expires_at timestamptz, created_at timestamptz)
    LANGUAGE plpgsql ROWS 1 AS $$
    #variable_conflict use_column
    DECLARE
      v_now timestamptz := clock_timestamp();
      v_expires timestamptz := coalesce(p_expires_at, v_now + make_interval(secs => p_ttl_seconds));
      v_acc record;
    BEGIN
      IF p_amount IS NULL OR p_amount <= 0 OR p_amount <> round(p_amount, 2) THEN
        RAISE EXCEPTION 'a hold needs a positive amount' USING ERRCODE = 'LE001';
      END IF;
      IF v_expires IS NULL OR v_expires <= v_now THEN
        RAISE EXCEPTION 'hold expiry % is not in the future', v_expires USING ERRCODE = 'LEH24';
      END IF;
      SELECT a.unit, a.slots INTO v_acc FROM ledger_accounts a WHERE a.tenant_id = p_tenant AND a.account_id = p_account;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'account % not found', p_account USING ERRCODE = 'LE405', DETAIL = p_account;
      END IF;
      IF v_acc.unit <> p_unit THEN
        RAISE EXCEPTION 'account % holds %', p_account, v_acc.unit
          USING ERRCODE = 'LE422', DETAIL = json_build_object('accountId', p_account, 'unit', v_acc.unit)::text;
      END IF;
      PERFORM 1 FROM ledger_post_many(p_tenant, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
        ARRAY[p_account], ARRAY[p_amount]);
      INSERT INTO ledger_holds (tenant_id, hold_id, account_id, unit, amount, expires_at, reference, reason, created_at, created_by)
        VALUES (p_tenant, p_hold, p_account, p_unit, p_amount, v_expires, p_reference, p_reason, v_now, p_actor);
      INSERT INTO ledger_hold_events (tenant_id, hold_id, kind, amount, released, reason, at, actor)
        VALUES (p_tenant, p_hold, 'created', p_amount, 0, p_reason, v_now, p_actor);
      RETURN QUERY SELECT v_expires, v_now;
    END
    $$`,

    // Capture (p_amount, posted to the credit accounts) or void one hold. The hold row is locked
    // first, before any balance row (as the sweeper does: no wait in a cycle), then checked
    // against the database's clock: past its expiry it is refused even if no sweeper ran.
    sql`CREATE FUNCTION ledger_hold_resolve(
      p_tenant text,
      p_hold uuid,
      p_action text,
      p_amount numeric,
      p_credit_accounts text[],
      p_credit_amounts numeric[],
      p_reason text,
      p_actor text,
      p_metadata jsonb
    ) RETURNS TABLE (status text, entry_id uuid, resolved_at timestamptz)
    LANGUAGE plpgsql ROWS 1 AS $$
    #variable_conflict use_column
    DECLARE
      v_hold record;
      v_now timestamptz;
      v_amount numeric;
      v_entry uuid;
      v_status text := CASE p_action WHEN 'capture' THEN 'captured' WHEN 'void' THEN 'voided' END;
    BEGIN
      IF v_status IS NULL THEN
        RAISE EXCEPTION 'unknown hold action %', p_action USING ERRCODE = 'LE001';
      END IF;
      SELECT h.account_id, h.unit, h.amount, h.expires_at, h.status, h.reference INTO v_hold FROM ledger_holds h
        WHERE h.tenant_id = p_tenant AND h.hold_id = p_hold FOR UPDATE;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'hold % not found', p_hold USING ERRCODE = 'LEH04', DETAIL = p_hold::text;
      END IF;
      IF v_hold.status <> 'open' THEN
        RAISE EXCEPTION 'hold % is %', p_hold, v_hold.status
          USING ERRCODE = 'LEH09', DETAIL = json_build_object('status', v_hold.status, 'expiresAt', v_hold.expires_at)::text;
      END IF;
      v_now := clock_timestamp();
      IF v_hold.expires_at <= v_now THEN
        RAISE EXCEPTION 'hold % expired at %', p_hold, v_hold.expires_at USING ERRCODE = 'LEH10', DETAIL = json_build_object('status', 'open', 'expiresAt', v_hold.expires_at)::text;
      END IF;
      IF p_action = 'capture' THEN
        v_amount := coalesce(p_amount, v_hold.amount);
        IF v_amount > v_hold.amount THEN
          RAISE EXCEPTION 'capture % exceeds hold %', v_amount, v_hold.amount
            USING ERRCODE = 'LEH22', DETAIL = json_build_object('held', v_hold.amount, 'requested', v_amount)::text;
        END IF;
        -- One credit account without an amount takes the whole capture.
        IF cardinality(p_credit_accounts) = 1 AND cardinality(p_credit_amounts) = 1 AND p_credit_amounts[1] IS NULL THEN
          p_credit_amounts := ARRAY[v_amount];
        END IF;
        IF coalesce(cardinality(p_credit_accounts), 0) = 0 OR coalesce(cardinality(p_credit_amounts), 0) <> cardinality(p_credit_accounts)
           OR (SELECT sum(c) FROM unnest(p_credit_amounts) AS c) IS DISTINCT FROM v_amount
           OR v_hold.account_id = ANY(p_credit_accounts) THEN
          RAISE EXCEPTION 'credits do not balance the capture' USING ERRCODE = 'LE001';
        END IF;
        SELECT m.entry_id INTO v_entry FROM ledger_post_many(p_tenant, ARRAY['capture'], ARRAY[v_now], ARRAY[p_reason],
          ARRAY[NULL::uuid], ARRAY['hold'], ARRAY[p_hold::text], ARRAY[NULL::integer], ARRAY[p_actor], ARRAY[coalesce(p_metadata, '{}')],
          array_fill(1, ARRAY[1 + cardinality(p_credit_accounts)]),
          v_hold.account_id || p_credit_accounts, array_fill(v_hold.unit, ARRAY[1 + cardinality(p_credit_accounts)]),
          (-v_amount) || p_credit_amounts,
          ARRAY[v_hold.account_id], ARRAY[-v_hold.amount]) AS m;
      ELSE
        v_amount := 0;
        PERFORM 1 FROM ledger_post_many(p_tenant, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
          ARRAY[v_hold.account_id], ARRAY[-v_hold.amount]);
      END IF;
      UPDATE ledger_holds h SET status = v_status WHERE h.tenant_id = p_tenant AND h.hold_id = p_hold AND h.status = 'open';
      INSERT INTO ledger_hold_events (tenant_id, hold_id, kind, amount, released, entry_id, reason, at, actor)
        VALUES (p_tenant, p_hold, v_status, v_amount, v_hold.amount, v_entry, p_reason, v_now, p_actor);
      RETURN QUERY SELECT v_status, v_entry, v_now;
    END
    $$`,

    // The sweeper: releases open holds past their expiry, at most p_limit of them, of one tenant
    // or all. FOR UPDATE SKIP LOCKED: two sweepers (two service processes) take different holds,
    // and a hold that another one expired meanwhile fails the status re-check on its newest row;
    // the guarded UPDATE and the unique resolution event are the backstops. Each tenant's
    // releases go through the write path in one call (its fixed lock order).
    sql`CREATE FUNCTION ledger_holds_expire(p_tenant text, p_limit integer, p_actor text)
    RETURNS TABLE (tenant_id text, hold_id uuid)
    LANGUAGE plpgsql AS $$
    #variable_conflict use_column
    DECLARE
      v_now timestamptz := clock_timestamp();
      v_tenants text[];
      v_holds uuid[];
      v_accounts text[];
      v_amounts numeric[];
      v_tenant record;
    BEGIN
      SELECT array_agg(x.tenant_id ORDER BY x.tenant_id COLLATE "C", x.hold_id), array_agg(x.hold_id ORDER BY x.tenant_id COLLATE "C", x.hold_id),
             array_agg(x.account_id ORDER BY x.tenant_id COLLATE "C", x.hold_id), array_agg(x.amount ORDER BY x.tenant_id COLLATE "C", x.hold_id)
        INTO v_tenants, v_holds, v_accounts, v_amounts
      FROM (SELECT h.tenant_id, h.hold_id, h.account_id, h.amount FROM ledger_holds h
            WHERE h.status = 'open' AND h.expires_at <= v_now AND (p_tenant IS NULL OR h.tenant_id = p_tenant)
            ORDER BY h.expires_at
            LIMIT p_limit
            FOR UPDATE SKIP LOCKED) x;
      IF v_holds IS NULL THEN
        RETURN;
      END IF;
      FOR v_tenant IN SELECT e.tenant_id, array_agg(e.account_id) AS accounts, array_agg(-e.amount) AS deltas
                      FROM unnest(v_tenants, v_accounts, v_amounts) AS e(tenant_id, account_id, amount)
                      GROUP BY e.tenant_id ORDER BY e.tenant_id COLLATE "C"
      LOOP
        PERFORM 1 FROM ledger_post_many(v_tenant.tenant_id, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
          v_tenant.accounts, v_tenant.deltas);
      END LOOP;
      UPDATE ledger_holds h SET status = 'expired' FROM unnest(v_tenants, v_holds) AS e(tenant_id, hold_id)
        WHERE h.tenant_id = e.tenant_id AND h.hold_id = e.hold_id AND h.status = 'open';
      INSERT INTO ledger_hold_events (tenant_id, hold_id, kind, amount, released, at, actor)
        SELECT e.tenant_id, e.hold_id, 'expired', 0, e.amount, v_now, p_actor
        FROM unnest(v_tenants, v_holds, v_amounts) AS e(tenant_id, hold_id, amount);
      RETURN QUERY SELECT e.tenant_id, e.hold_id FROM unnest(v_tenants, v_holds) AS e(tenant_id, hold_id);
    END
    $$`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const f of ['ledger_holds_expire', 'ledger_hold_resolve', 'ledger_hold_create']) {
    await sql`DROP FUNCTION IF EXISTS ${sql.raw(f)}`.execute(db);
  }
  await sql`DROP TABLE IF EXISTS ledger_hold_events`.execute(db);
  await sql`DROP TABLE IF EXISTS ledger_holds`.execute(db);
  await sql`DROP FUNCTION IF EXISTS ledger_hold_resolve_once`.execute(db);
  // ledger_post_many as 0004 left it (its down() drops what 0004 made, then its up() makes it again).
  await sql`DROP FUNCTION IF EXISTS ledger_post_many`.execute(db);
  await sql`DROP FUNCTION IF EXISTS ledger_running_change`.execute(db);
  await m0004.up(db);
}
