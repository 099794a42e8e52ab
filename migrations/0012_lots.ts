import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// Points that expire (积分清零, DESIGN §3 "Lots and expiry", issue 20). A member's points account
// is a sum of lots: each credit opens one, with the expiry date its tenant's policy gave at that
// moment; a debit takes from the lots earliest expiry first (a lot opened earlier first among
// equal dates); a refund or the reversal of a debit puts the points back into the lots that debit
// took them from; a hold reserves from the lots in the same order (held), and its capture takes
// what it reserved. The lots always sum to the account's balance (and their held to its held).
//
// Where it happens: in the database, beside the one write path, so that no caller can post to a
// member's points without its lots following. ledger_post_many is not changed: a statement
// trigger on ledger_postings (ledger_lots_apply) sees the postings each call wrote, in entry
// order, and a row trigger on ledger_hold_events reserves a new hold's points and releases a
// resolved one's. Both run under the lock of the account's balance row, which the write path
// took before: every change of an account's lots is serialised by that lock, and nothing locks
// a lot row without holding it first (the expiry below takes it first, as the write path does).
//
// Dates are China time (UTC+8, no daylight saving). A lot's expires_on is the last day its
// points can be spent; it lapses at 00:00 the next day. 'infinity' is "never". The time the
// policy and the lapse are read against is ledger_clock(): the database's clock, plus an offset
// that stays zero unless an operator sets one in ledger_clock (a drill, or a test that must see
// 31 December without waiting for it). Entries keep the real clock in recorded_at.
//
// Spending (redemption, capture beyond its reservation, transfer, a new hold) never takes points
// from a lot that had lapsed at the spend's own time (occurred_at: an offline sale made on 31
// December and uploaded on 1 January still spends 31 December's points if the expiry has not
// moved them yet), even before the expiry run has moved them: what lapsed is the expiry's. A
// correction (reversal, adjustment) takes from the earliest lots, lapsed ones included.
// Expiry (ledger_lots_expire) posts one `expiry` entry per account and expiry date, moving what
// is left of that date's lots (less what a hold still reserves) to the tenant's expiry:points
// account; its time (occurred_at) is the moment they lapsed, however late it runs.

const CN = sql.raw(`INTERVAL '+08:00'`);

export async function up(db: Kysely<any>): Promise<void> {
  const appendOnly = (table: string) => [
    sql`CREATE TRIGGER ${sql.id(`${table}_append_only`)} BEFORE UPDATE OR DELETE ON ${sql.id(table)}
      FOR EACH ROW EXECUTE FUNCTION ledger_reject_change()`,
    sql`CREATE TRIGGER ${sql.id(`${table}_no_truncate`)} BEFORE TRUNCATE ON ${sql.id(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change()`,
  ];
  const statements = [
    sql`CREATE TABLE ledger_clock (
      one boolean PRIMARY KEY DEFAULT true CHECK (one),
      offset_by interval NOT NULL DEFAULT interval '0'
    )`,
    sql`CREATE FUNCTION ledger_clock() RETURNS timestamptz LANGUAGE sql VOLATILE AS $$
      SELECT clock_timestamp() + coalesce((SELECT c.offset_by FROM ledger_clock c), interval '0')
    $$`,

    // A tenant's expiry policy, versioned like its points rules: a version applies to the points
    // credited while it is the newest, never to lots already open. No row: points never expire.
    sql`CREATE TABLE ledger_expiry_policies (
      tenant_id text NOT NULL REFERENCES tenants (tenant_id),
      version integer NOT NULL CHECK (version >= 1),
      policy text NOT NULL CHECK (policy IN ('none', 'yearEnd', 'monthsAfter')),
      months integer NOT NULL DEFAULT 0 CHECK (months BETWEEN 0 AND 120),
      effective_from timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      created_by text,
      PRIMARY KEY (tenant_id, version),
      CHECK (policy <> 'none' OR months = 0),
      CHECK (policy <> 'monthsAfter' OR months >= 1)
    )`,
    ...appendOnly('ledger_expiry_policies'),

    // The last day on which points earned at p_earned can be spent, by a policy.
    sql`CREATE FUNCTION ledger_lot_expiry(p_policy text, p_months integer, p_earned timestamptz) RETURNS date
    LANGUAGE sql IMMUTABLE AS $$
      SELECT CASE p_policy
        WHEN 'yearEnd' THEN (date_trunc('year', (p_earned AT TIME ZONE ${CN})) + interval '1 year'
                             + make_interval(months => p_months) - interval '1 day')::date
        WHEN 'monthsAfter' THEN ((p_earned AT TIME ZONE ${CN})::date + make_interval(months => p_months))::date
        ELSE 'infinity'::date END
    $$`,

    sql`CREATE TABLE ledger_lots (
      tenant_id text NOT NULL,
      lot_id bigint GENERATED ALWAYS AS IDENTITY,
      account_id text NOT NULL,
      expires_on date NOT NULL,
      policy_version integer,
      opened_by uuid,
      opened_at timestamptz NOT NULL,
      amount numeric(20, 2) NOT NULL CHECK (amount > 0),
      remaining numeric(20, 2) NOT NULL CHECK (remaining >= 0),
      held numeric(20, 2) NOT NULL DEFAULT 0 CHECK (held >= 0 AND held <= remaining),
      -- No foreign key to ledger_accounts (as ledger_postings has none since 0006): a lot is opened
      -- only for an account the write path has just updated, which can never be deleted, and the
      -- check would cost every award a query and a shared lock on the account row.
      PRIMARY KEY (tenant_id, lot_id)
    )`,
    // Spending order (earliest expiry, then the older lot) over the lots with points left.
    sql`CREATE INDEX ledger_lots_spend ON ledger_lots (tenant_id, account_id, expires_on, lot_id) WHERE remaining > 0`,
    sql`CREATE INDEX ledger_lots_account ON ledger_lots (tenant_id, account_id, lot_id)`,
    // What the expiry run looks for, earliest first: lots with unreserved points that can lapse.
    // Finding "nothing lapsed" (the service looks every few seconds) reads one index entry.
    sql`CREATE INDEX ledger_lots_lapsing ON ledger_lots (expires_on) WHERE remaining > held AND expires_on < 'infinity'`,

    // Each lot's history, append-only: amount is the change of remaining, held the change of held.
    //  opening  the balance a member's account had when lots began (migration 0012)
    //  credit   a credit opened the lot                return   a refund/reversal gave points back
    //  debit    a debit took points                     expiry   they lapsed
    //  reserve  a hold reserved points                  release  a resolved hold let them go
    //  capture  a hold's capture took what it reserved
    sql`CREATE TABLE ledger_lot_moves (
      tenant_id text NOT NULL,
      move_id bigint GENERATED ALWAYS AS IDENTITY,
      lot_id bigint NOT NULL,
      kind text NOT NULL CHECK (kind IN ('opening', 'credit', 'debit', 'return', 'expiry', 'reserve', 'release', 'capture')),
      amount numeric(20, 2) NOT NULL DEFAULT 0,
      held numeric(20, 2) NOT NULL DEFAULT 0,
      entry_id uuid,
      hold_id uuid,
      source_entry_id uuid,
      at timestamptz NOT NULL DEFAULT clock_timestamp(),
      PRIMARY KEY (tenant_id, move_id),
      FOREIGN KEY (tenant_id, lot_id) REFERENCES ledger_lots (tenant_id, lot_id),
      CHECK (amount <> 0 OR held <> 0),
      CHECK ((kind IN ('reserve', 'release', 'capture')) = (hold_id IS NOT NULL)),
      CHECK ((kind = 'return') = (source_entry_id IS NOT NULL))
    )`,
    sql`CREATE INDEX ledger_lot_moves_lot ON ledger_lot_moves (tenant_id, lot_id, move_id)`,
    sql`CREATE INDEX ledger_lot_moves_entry ON ledger_lot_moves (tenant_id, entry_id) WHERE entry_id IS NOT NULL`,
    sql`CREATE INDEX ledger_lot_moves_source ON ledger_lot_moves (tenant_id, source_entry_id) WHERE source_entry_id IS NOT NULL`,
    sql`CREATE INDEX ledger_lot_moves_hold ON ledger_lot_moves (tenant_id, hold_id) WHERE hold_id IS NOT NULL`,
    ...appendOnly('ledger_lot_moves'),

    // Takes up to p_need from the account's lots in spending order (lapsed ones only when
    // p_lapsed; lapsed means by p_asof), recording each take; answers what is still missing. The
    // caller holds the account's balance row.
    sql`CREATE FUNCTION ledger_lots_take(p_tenant text, p_account text, p_need numeric, p_entry uuid, p_lapsed boolean, p_asof timestamptz)
    RETURNS numeric LANGUAGE plpgsql AS $$
    DECLARE
      v_today date := (p_asof AT TIME ZONE ${CN})::date;
      v_lot record;
      v_take numeric;
    BEGIN
      FOR v_lot IN SELECT l.lot_id, l.remaining - l.held AS free FROM ledger_lots l
        WHERE l.tenant_id = p_tenant AND l.account_id = p_account AND l.remaining > 0 AND l.remaining > l.held
          AND (p_lapsed OR l.expires_on >= v_today)
        ORDER BY l.expires_on, l.lot_id FOR UPDATE
      LOOP
        EXIT WHEN p_need <= 0;
        v_take := least(v_lot.free, p_need);
        UPDATE ledger_lots SET remaining = remaining - v_take WHERE tenant_id = p_tenant AND lot_id = v_lot.lot_id;
        INSERT INTO ledger_lot_moves (tenant_id, lot_id, kind, amount, entry_id) VALUES (p_tenant, v_lot.lot_id, 'debit', -v_take, p_entry);
        p_need := p_need - v_take;
      END LOOP;
      RETURN p_need;
    END
    $$`,

    // The lots step of the write path: each entry a statement wrote, in order, moves the lots of
    // every member's points account it changed by its net change there.
    sql`CREATE FUNCTION ledger_lots_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      v_p record;
      v_lot record;
      v_pol record;
      v_now timestamptz;
      v_left numeric;
      v_take numeric;
      v_src uuid;
      v_date date;
    BEGIN
      -- What each entry changed on each such account, net (an entry may name an account twice).
      -- The entry is looked up by its key for each (LIMIT 1 keeps the planner from joining the
      -- transition table, of unknown size to it, to every entry in a hash join).
      FOR v_p IN SELECT n.tenant_id, n.entry_id, n.account_id, n.amount, e.kind, e.reverses_entry_id, e.object_type, e.object_id, e.metadata, e.age
        FROM (SELECT x.tenant_id, x.entry_id, x.account_id, sum(x.amount) AS amount, min(x.seq) AS seq, min(x.idx) AS idx
              FROM new_postings x WHERE x.account_id LIKE 'member:%:points'
              GROUP BY x.tenant_id, x.entry_id, x.account_id HAVING sum(x.amount) <> 0) n
        CROSS JOIN LATERAL (SELECT y.kind, y.reverses_entry_id, y.object_type, y.object_id, y.metadata,
            greatest(y.recorded_at - y.occurred_at, interval '0') AS age
          FROM ledger_entries y WHERE y.tenant_id = n.tenant_id AND y.entry_id = n.entry_id LIMIT 1) e
        ORDER BY n.seq, n.idx
      LOOP
        v_now := coalesce(v_now, ledger_clock());
        IF v_p.amount > 0 THEN
          v_left := v_p.amount;
          -- Points given back: to the lots the debit took them from, the latest expiry first.
          v_src := CASE v_p.kind WHEN 'reversal' THEN v_p.reverses_entry_id
                                 WHEN 'refund' THEN (v_p.metadata ->> 'returnsEntryId')::uuid END;
          IF v_src IS NOT NULL THEN
            FOR v_lot IN SELECT l.lot_id, -sum(m.amount) AS open FROM ledger_lot_moves m
                JOIN ledger_lots l ON l.tenant_id = m.tenant_id AND l.lot_id = m.lot_id
              WHERE m.tenant_id = v_p.tenant_id AND (m.entry_id = v_src OR m.source_entry_id = v_src) AND l.account_id = v_p.account_id
              GROUP BY l.lot_id, l.expires_on HAVING sum(m.amount) < 0
              ORDER BY l.expires_on DESC, l.lot_id DESC
            LOOP
              EXIT WHEN v_left <= 0;
              v_take := least(v_lot.open, v_left);
              UPDATE ledger_lots SET remaining = remaining + v_take WHERE tenant_id = v_p.tenant_id AND lot_id = v_lot.lot_id;
              INSERT INTO ledger_lot_moves (tenant_id, lot_id, kind, amount, entry_id, source_entry_id)
                VALUES (v_p.tenant_id, v_lot.lot_id, 'return', v_take, v_p.entry_id, v_src);
              v_left := v_left - v_take;
            END LOOP;
          END IF;
          IF v_left > 0 THEN
            -- A new lot, dated by the policy in force now.
            SELECT p.version, p.policy, p.months INTO v_pol FROM ledger_expiry_policies p
              WHERE p.tenant_id = v_p.tenant_id AND p.effective_from <= v_now ORDER BY p.version DESC LIMIT 1;
            WITH lot AS (
              INSERT INTO ledger_lots (tenant_id, account_id, expires_on, policy_version, opened_by, opened_at, amount, remaining)
              VALUES (v_p.tenant_id, v_p.account_id, ledger_lot_expiry(coalesce(v_pol.policy, 'none'), coalesce(v_pol.months, 0), v_now),
                v_pol.version, v_p.entry_id, v_now, v_left, v_left)
              RETURNING lot_id
            )
            INSERT INTO ledger_lot_moves (tenant_id, lot_id, kind, amount, entry_id)
              SELECT v_p.tenant_id, lot.lot_id, 'credit', v_left, v_p.entry_id FROM lot;
          END IF;
        ELSE
          v_left := -v_p.amount;
          IF v_p.kind = 'capture' AND v_p.object_type = 'hold' THEN
            -- A capture takes what its hold reserved, lot by lot, in spending order.
            FOR v_lot IN SELECT l.lot_id, sum(m.held) AS reserved FROM ledger_lot_moves m
                JOIN ledger_lots l ON l.tenant_id = m.tenant_id AND l.lot_id = m.lot_id
              WHERE m.tenant_id = v_p.tenant_id AND m.hold_id = v_p.object_id::uuid
              GROUP BY l.lot_id, l.expires_on HAVING sum(m.held) > 0
              ORDER BY l.expires_on, l.lot_id
            LOOP
              EXIT WHEN v_left <= 0;
              v_take := least(v_lot.reserved, v_left);
              UPDATE ledger_lots SET remaining = remaining - v_take, held = held - v_take
                WHERE tenant_id = v_p.tenant_id AND lot_id = v_lot.lot_id;
              INSERT INTO ledger_lot_moves (tenant_id, lot_id, kind, amount, held, entry_id, hold_id)
                VALUES (v_p.tenant_id, v_lot.lot_id, 'capture', -v_take, -v_take, v_p.entry_id, v_p.object_id::uuid);
              v_left := v_left - v_take;
            END LOOP;
          ELSIF v_p.kind = 'expiry' THEN
            -- Exactly the unreserved points of the lots that lapsed on the entry's date.
            v_date := (v_p.metadata ->> 'expiresOn')::date;
            FOR v_lot IN SELECT l.lot_id, l.remaining - l.held AS free FROM ledger_lots l
              WHERE l.tenant_id = v_p.tenant_id AND l.account_id = v_p.account_id AND l.expires_on = v_date AND l.remaining > l.held
              ORDER BY l.lot_id FOR UPDATE
            LOOP
              UPDATE ledger_lots SET remaining = remaining - v_lot.free WHERE tenant_id = v_p.tenant_id AND lot_id = v_lot.lot_id;
              INSERT INTO ledger_lot_moves (tenant_id, lot_id, kind, amount, entry_id)
                VALUES (v_p.tenant_id, v_lot.lot_id, 'expiry', -v_lot.free, v_p.entry_id);
              v_left := v_left - v_lot.free;
            END LOOP;
            IF v_left <> 0 THEN
              RAISE EXCEPTION 'expiry of % on % does not match its lots', v_p.account_id, v_date USING ERRCODE = 'LEL01';
            END IF;
          END IF;
          IF v_left > 0 THEN
            -- A sale made before a lot lapsed (an offline terminal's, uploaded later) may still take
            -- it, if the expiry has not moved it yet: lapsed is judged at the sale's own time, as
            -- long before the ledger's clock as its occurred_at lies before its recorded_at.
            v_take := ledger_lots_take(v_p.tenant_id, v_p.account_id, v_left, v_p.entry_id, v_p.kind IN ('reversal', 'adjustment'),
              v_now - v_p.age);
            IF v_take > 0 THEN
              RAISE EXCEPTION 'insufficient unexpired points on %', v_p.account_id
                USING ERRCODE = 'LE402', DETAIL = json_build_object('accountId', v_p.account_id, 'unit', 'POINTS',
                  'available', -v_p.amount - v_take, 'requested', -v_p.amount)::text;
            END IF;
          END IF;
        END IF;
      END LOOP;
      RETURN NULL;
    END
    $$`,
    sql`CREATE TRIGGER ledger_postings_lots AFTER INSERT ON ledger_postings
      REFERENCING NEW TABLE AS new_postings FOR EACH STATEMENT EXECUTE FUNCTION ledger_lots_apply()`,

    // A hold on a member's points reserves from the lots in spending order (never lapsed ones);
    // once it is resolved (captured, voided, expired), whatever it still reserves is let go.
    sql`CREATE FUNCTION ledger_lots_hold() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      v_hold record;
      v_lot record;
      v_need numeric;
      v_take numeric;
      v_today date;
    BEGIN
      SELECT h.account_id, h.amount INTO v_hold FROM ledger_holds h WHERE h.tenant_id = NEW.tenant_id AND h.hold_id = NEW.hold_id;
      IF v_hold.account_id IS NULL OR v_hold.account_id NOT LIKE 'member:%:points' THEN
        RETURN NULL;
      END IF;
      IF NEW.kind = 'created' THEN
        v_need := v_hold.amount;
        v_today := (ledger_clock() AT TIME ZONE ${CN})::date;
        FOR v_lot IN SELECT l.lot_id, l.remaining - l.held AS free FROM ledger_lots l
          WHERE l.tenant_id = NEW.tenant_id AND l.account_id = v_hold.account_id AND l.remaining > l.held AND l.expires_on >= v_today
          ORDER BY l.expires_on, l.lot_id FOR UPDATE
        LOOP
          EXIT WHEN v_need <= 0;
          v_take := least(v_lot.free, v_need);
          UPDATE ledger_lots SET held = held + v_take WHERE tenant_id = NEW.tenant_id AND lot_id = v_lot.lot_id;
          INSERT INTO ledger_lot_moves (tenant_id, lot_id, kind, held, hold_id) VALUES (NEW.tenant_id, v_lot.lot_id, 'reserve', v_take, NEW.hold_id);
          v_need := v_need - v_take;
        END LOOP;
        IF v_need > 0 THEN
          RAISE EXCEPTION 'insufficient unexpired points on %', v_hold.account_id
            USING ERRCODE = 'LE402', DETAIL = json_build_object('accountId', v_hold.account_id, 'unit', 'POINTS',
              'available', v_hold.amount - v_need, 'requested', v_hold.amount)::text;
        END IF;
      ELSE
        FOR v_lot IN SELECT m.lot_id, sum(m.held) AS reserved FROM ledger_lot_moves m
          WHERE m.tenant_id = NEW.tenant_id AND m.hold_id = NEW.hold_id GROUP BY m.lot_id HAVING sum(m.held) > 0 ORDER BY m.lot_id
        LOOP
          UPDATE ledger_lots SET held = held - v_lot.reserved WHERE tenant_id = NEW.tenant_id AND lot_id = v_lot.lot_id;
          INSERT INTO ledger_lot_moves (tenant_id, lot_id, kind, held, hold_id) VALUES (NEW.tenant_id, v_lot.lot_id, 'release', -v_lot.reserved, NEW.hold_id);
        END LOOP;
      END IF;
      RETURN NULL;
    END
    $$`,
    sql`CREATE TRIGGER ledger_hold_events_lots AFTER INSERT ON ledger_hold_events
      FOR EACH ROW EXECUTE FUNCTION ledger_lots_hold()`,

    // The expiry run: for the member accounts of up to p_limit lots lapsed by p_until (itself not
    // past ledger_clock()), one `expiry` entry per account and expiry date. Each account's balance
    // row is locked first, as the write path locks it, and its lots read under that lock: a second
    // run at the same time waits there and then finds nothing left, a refund that reopens a lapsed
    // lot meanwhile is counted by whichever of the two comes second.
    sql`CREATE FUNCTION ledger_lots_expire(p_tenant text, p_until timestamptz, p_limit integer, p_actor text)
    RETURNS TABLE (tenant_id text, account_id text, expires_on date, amount numeric, entry_id uuid)
    LANGUAGE plpgsql AS $$
    #variable_conflict use_column
    DECLARE
      v_until timestamptz := coalesce(p_until, ledger_clock());
      v_day date := (v_until AT TIME ZONE ${CN})::date;
      v_acc record;
      v_date record;
      v_entry uuid;
      v_any boolean;
      v_tenant text;
    BEGIN
      IF v_until > ledger_clock() THEN
        RAISE EXCEPTION 'cannot expire points before they lapse (until %)', v_until USING ERRCODE = 'LEL02';
      END IF;
      -- The accounts of the earliest lapsed lots (read off ledger_lots_lapsing, a few hundred
      -- entries), locked in account order. What a batch expires no longer qualifies, so the next
      -- call finds the next accounts; the caller stops when one finds none.
      FOR v_acc IN SELECT DISTINCT x.tenant_id, x.account_id FROM (
          SELECT l.tenant_id, l.account_id FROM ledger_lots l
          WHERE l.remaining > l.held AND l.expires_on < 'infinity' AND l.expires_on < v_day
            AND (p_tenant IS NULL OR l.tenant_id = p_tenant)
          ORDER BY l.expires_on LIMIT p_limit) x
        ORDER BY x.tenant_id, x.account_id
      LOOP
        IF v_tenant IS DISTINCT FROM v_acc.tenant_id THEN
          -- The tenant's expiry account, opened by its first expiry; slotted, so the write path
          -- locks it after the member's row, as this run does.
          v_tenant := v_acc.tenant_id;
          INSERT INTO ledger_accounts (tenant_id, account_id, unit, type, allow_negative, slots, name)
            VALUES (v_acc.tenant_id, 'expiry:points', 'POINTS', 'expiry', true, 4, 'Expired points')
            ON CONFLICT DO NOTHING;
          INSERT INTO ledger_balances (tenant_id, account_id, slot, allow_negative)
            SELECT v_acc.tenant_id, 'expiry:points', s, true FROM generate_series(0, 3) AS s ON CONFLICT DO NOTHING;
        END IF;
        PERFORM 1 FROM ledger_balances b WHERE b.tenant_id = v_acc.tenant_id AND b.account_id = v_acc.account_id FOR UPDATE;
        v_any := false;
        FOR v_date IN SELECT l.expires_on, sum(l.remaining - l.held) AS free FROM ledger_lots l
          WHERE l.tenant_id = v_acc.tenant_id AND l.account_id = v_acc.account_id AND l.remaining > l.held AND l.expires_on < v_day
          GROUP BY l.expires_on ORDER BY l.expires_on
        LOOP
          SELECT m.entry_id INTO v_entry FROM ledger_post_many(v_acc.tenant_id, ARRAY['expiry'],
            ARRAY[((v_date.expires_on + 1)::timestamp AT TIME ZONE ${CN})], ARRAY['points lapsed'], ARRAY[NULL::uuid],
            ARRAY['lots'], ARRAY[v_date.expires_on::text], ARRAY[NULL::integer], ARRAY[p_actor],
            ARRAY[jsonb_build_object('expiresOn', v_date.expires_on)], ARRAY[1, 1],
            ARRAY[v_acc.account_id, 'expiry:points'], ARRAY['POINTS', 'POINTS'], ARRAY[-v_date.free, v_date.free]) AS m;
          tenant_id := v_acc.tenant_id;
          account_id := v_acc.account_id;
          expires_on := v_date.expires_on;
          amount := v_date.free;
          entry_id := v_entry;
          v_any := true;
          RETURN NEXT;
        END LOOP;
        IF NOT v_any THEN
          -- Another run (or nothing left after a wait): the account is answered, with no entry.
          tenant_id := v_acc.tenant_id;
          account_id := v_acc.account_id;
          expires_on := NULL;
          amount := 0;
          entry_id := NULL;
          RETURN NEXT;
        END IF;
      END LOOP;
    END
    $$`,
  ];
  for (const statement of statements) await statement.execute(db);

  // Lots begin now: the points each member holds open one lot that never expires (they were
  // earned under no policy), and each open hold on them reserves from it. The entries written
  // before (up to after_seq of their tenant) moved no lots; verify starts after them.
  await sql`CREATE TABLE ledger_lots_began (
    tenant_id text PRIMARY KEY,
    after_seq bigint NOT NULL
  )`.execute(db);
  await sql`INSERT INTO ledger_lots_began (tenant_id, after_seq)
    SELECT tenant_id, max(seq) FROM ledger_entries GROUP BY tenant_id`.execute(db);
  await sql`INSERT INTO ledger_lots (tenant_id, account_id, expires_on, opened_at, amount, remaining, held)
    SELECT b.tenant_id, b.account_id, 'infinity', clock_timestamp(), sum(b.balance), sum(b.balance), sum(b.held)
    FROM ledger_balances b WHERE b.account_id LIKE 'member:%:points'
    GROUP BY b.tenant_id, b.account_id HAVING sum(b.balance) > 0`.execute(db);
  await sql`INSERT INTO ledger_lot_moves (tenant_id, lot_id, kind, amount)
    SELECT l.tenant_id, l.lot_id, 'opening', l.amount FROM ledger_lots l`.execute(db);
  await sql`INSERT INTO ledger_lot_moves (tenant_id, lot_id, kind, held, hold_id)
    SELECT h.tenant_id, l.lot_id, 'reserve', h.amount, h.hold_id
    FROM ledger_holds h JOIN ledger_lots l ON l.tenant_id = h.tenant_id AND l.account_id = h.account_id
    WHERE h.status = 'open'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS ledger_hold_events_lots ON ledger_hold_events`.execute(db);
  await sql`DROP TRIGGER IF EXISTS ledger_postings_lots ON ledger_postings`.execute(db);
  for (const f of ['ledger_lots_expire', 'ledger_lots_hold', 'ledger_lots_apply', 'ledger_lots_take', 'ledger_lot_expiry', 'ledger_clock']) {
    await sql`DROP FUNCTION IF EXISTS ${sql.raw(f)}`.execute(db);
  }
  for (const t of ['ledger_lots_began', 'ledger_lot_moves', 'ledger_lots', 'ledger_expiry_policies', 'ledger_clock']) {
    await sql`DROP TABLE IF EXISTS ${sql.raw(t)}`.execute(db);
  }
}
