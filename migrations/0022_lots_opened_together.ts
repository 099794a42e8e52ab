import type { Kysely } from 'kysely';
import { editFunction } from './editFunction.js';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// What the lots step (0012, 0020) costs an award (issue 17: the award's database CPU). The award
// writer posts a group's awards with one call of ledger_post_many, and ledger_lots_apply then
// opened their lots one by one: for every credit of a member's points, one INSERT of the lot and
// its first move, each run through the executor on its own. A statement of awards changes
// members' points only by credits that give nothing back, and those need nothing of the lots
// already there: each opens a lot of its net amount, dated by the policy in force now. Such a
// statement now opens all of them with one INSERT (lots in the order of the entries, as the loop
// numbered them, and a move for each). Every other statement (a debit, a reversal or a refund
// among its changes of members' points) goes through the loop as before, in entry order; and a
// statement that changes no member's points (a transfer between other accounts, hours alone)
// leaves at the first look, without the loop's query.
//
// The time of the lots (v_now) and the policy are read once per statement, as before.

const DECLARE = { from: 'v_date date;', to: 'v_date date;\n      v_points integer;\n      v_debits integer;' };

const START = 'BEGIN\n      -- What each entry changed on each such account, net';
const TOGETHER = `BEGIN
      SELECT count(*), count(*) FILTER (WHERE x.amount < 0) INTO v_points, v_debits
        FROM new_postings x WHERE x.account_id LIKE 'member:%:points';
      IF v_points = 0 THEN
        RETURN NULL;
      END IF;
      -- Only credits, none a reversal or a refund (each entry's kind looked up by its key, as below):
      -- every lot opened at once (0022).
      IF v_debits = 0 AND NOT EXISTS (SELECT 1 FROM new_postings x
          CROSS JOIN LATERAL (SELECT y.kind FROM ledger_entries y WHERE y.tenant_id = x.tenant_id AND y.entry_id = x.entry_id LIMIT 1) e
          WHERE x.account_id LIKE 'member:%:points' AND e.kind IN ('reversal', 'refund')) THEN
        v_now := ledger_clock();
        WITH n AS (
          SELECT x.tenant_id, x.entry_id, x.account_id, sum(x.amount) AS amount, min(x.seq) AS seq, min(x.idx) AS idx
          FROM new_postings x WHERE x.account_id LIKE 'member:%:points'
          GROUP BY x.tenant_id, x.entry_id, x.account_id
        ),
        pol AS (
          SELECT t.tenant_id, p.version, p.policy, p.months FROM (SELECT DISTINCT n.tenant_id FROM n) t
          LEFT JOIN LATERAL (SELECT p.version, p.policy, p.months FROM ledger_expiry_policies p
            WHERE p.tenant_id = t.tenant_id AND p.effective_from <= v_now ORDER BY p.version DESC LIMIT 1) p ON true
        ),
        lot AS (
          INSERT INTO ledger_lots (tenant_id, account_id, expires_on, policy_version, opened_by, opened_at, amount, remaining)
          SELECT n.tenant_id, n.account_id, ledger_lot_expiry(coalesce(pol.policy, 'none'), coalesce(pol.months, 0), v_now),
            pol.version, n.entry_id, v_now, n.amount, n.amount
          FROM n JOIN pol ON pol.tenant_id = n.tenant_id
          ORDER BY n.seq, n.idx
          RETURNING tenant_id, lot_id, opened_by, amount
        )
        INSERT INTO ledger_lot_moves (tenant_id, lot_id, kind, amount, entry_id)
          SELECT lot.tenant_id, lot.lot_id, 'credit', lot.amount, lot.opened_by FROM lot ORDER BY lot.lot_id;
        RETURN NULL;
      END IF;
      -- What each entry changed on each such account, net`;

const EDITS = [DECLARE, { from: START, to: TOGETHER }];

export async function up(db: Kysely<any>): Promise<void> {
  await editFunction(db, '0022', 'ledger_lots_apply', EDITS);
}

export async function down(db: Kysely<any>): Promise<void> {
  await editFunction(db, '0022', 'ledger_lots_apply', EDITS.map((e) => ({ from: e.to, to: e.from })).reverse());
}
