import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// A capture answered without reading back what it wrote (issue 17: what a request costs is its
// statements). ledger_hold_resolve (0005) answered only the new status, the capture entry's id
// and the time, so a capture then read the hold with its events and the entry with its postings:
// two more statements per capture. It now also answers the hold's facts, the amount captured and
// what ledger_post_many answered for the entry (its sequence number, transaction, time recorded and
// the balance after each posting, in the order posted: the held account, then the credits), from
// which the service builds the same answer as a read gives (test/holds.test.ts compares them).
// The rules are 0005's, unchanged: same lock, same checks, same one call of the write path, the
// same guarded status UPDATE and resolution event. The first three columns are 0005's, so a
// caller that selects only them is answered as before.

const PARAMS = sql.raw(`p_tenant text,
      p_hold uuid,
      p_action text,
      p_amount numeric,
      p_credit_accounts text[],
      p_credit_amounts numeric[],
      p_reason text,
      p_actor text,
      p_metadata jsonb`);

/** The function, with the answer of 0018 (full) or of 0005 (for down). */
function resolveFunction(full: boolean) {
  const returns = full
    ? sql.raw(`(status text, entry_id uuid, resolved_at timestamptz, hold_account text, hold_unit text, hold_amount numeric,
      hold_expires_at timestamptz, hold_reference text, hold_reason text, hold_created_at timestamptz, hold_created_by text,
      captured_amount numeric, entry_seq bigint, entry_tx_id text, entry_recorded_at timestamptz, entry_balances_after text[])`)
    : sql.raw(`(status text, entry_id uuid, resolved_at timestamptz)`);
  const answer = full
    ? sql.raw(`SELECT v_status, v_entry, v_now, v_hold.account_id::text, v_hold.unit::text, v_hold.amount::numeric, v_hold.expires_at,
        v_hold.reference, v_hold.reason, v_hold.created_at, v_hold.created_by, v_amount, v_posted.seq, v_posted.tx_id,
        v_posted.recorded_at, v_posted.balances_after`)
    : sql.raw(`SELECT v_status, v_entry, v_now`);
  return sql`CREATE FUNCTION ledger_hold_resolve(
      ${PARAMS}
    ) RETURNS TABLE ${returns}
    LANGUAGE plpgsql ROWS 1 AS $$
    #variable_conflict use_column
    DECLARE
      v_hold record;
      v_posted record;
      v_now timestamptz;
      v_amount numeric;
      v_entry uuid;
      v_status text := CASE p_action WHEN 'capture' THEN 'captured' WHEN 'void' THEN 'voided' END;
    BEGIN
      IF v_status IS NULL THEN
        RAISE EXCEPTION 'unknown hold action %', p_action USING ERRCODE = 'LE001';
      END IF;
      SELECT h.account_id, h.unit, h.amount, h.expires_at, h.status, h.reference, h.reason, h.created_at, h.created_by
        INTO v_hold FROM ledger_holds h
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
        SELECT m.entry_id, m.seq, m.tx_id, m.recorded_at, m.balances_after INTO v_posted
        FROM ledger_post_many(p_tenant, ARRAY['capture'], ARRAY[v_now], ARRAY[p_reason],
          ARRAY[NULL::uuid], ARRAY['hold'], ARRAY[p_hold::text], ARRAY[NULL::integer], ARRAY[p_actor], ARRAY[coalesce(p_metadata, '{}')],
          array_fill(1, ARRAY[1 + cardinality(p_credit_accounts)]),
          v_hold.account_id || p_credit_accounts, array_fill(v_hold.unit, ARRAY[1 + cardinality(p_credit_accounts)]),
          (-v_amount) || p_credit_amounts,
          ARRAY[v_hold.account_id], ARRAY[-v_hold.amount]) AS m;
        v_entry := v_posted.entry_id;
      ELSE
        v_amount := 0;
        SELECT NULL::bigint AS seq, NULL::text AS tx_id, NULL::timestamptz AS recorded_at, NULL::text[] AS balances_after INTO v_posted;
        PERFORM 1 FROM ledger_post_many(p_tenant, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
          ARRAY[v_hold.account_id], ARRAY[-v_hold.amount]);
      END IF;
      UPDATE ledger_holds h SET status = v_status WHERE h.tenant_id = p_tenant AND h.hold_id = p_hold AND h.status = 'open';
      INSERT INTO ledger_hold_events (tenant_id, hold_id, kind, amount, released, entry_id, reason, at, actor)
        VALUES (p_tenant, p_hold, v_status, v_amount, v_hold.amount, v_entry, p_reason, v_now, p_actor);
      RETURN QUERY ${answer};
    END
    $$`;
}

const DROP = sql`DROP FUNCTION ledger_hold_resolve(text, uuid, text, numeric, text[], numeric[], text, text, jsonb)`;

// Its answer's columns change, which CREATE OR REPLACE cannot do: dropped and made again, in the
// migration's transaction, so no caller sees it missing.
export async function up(db: Kysely<any>): Promise<void> {
  await DROP.execute(db);
  await resolveFunction(true).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await DROP.execute(db);
  await resolveFunction(false).execute(db);
}
