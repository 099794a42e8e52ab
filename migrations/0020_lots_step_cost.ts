import { type Kysely, sql } from 'kysely';
import { editFunction } from './editFunction.js';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// What the lots step (0012) costs every credit of a member's points, measured on the award-shaped
// four-posting ledger_post (pgbench, one client, `perf record` on its backend, 2026-12-06): the
// trigger ledger_lots_apply was 22 % of the call's CPU, and 6 % of the call was ledger_clock().
//
// 1. ledger_clock() was a SQL function. Its body reads a table through a sub-select, so Postgres
//    cannot inline it, and a SQL function called from plpgsql is planned again in every
//    transaction (fmgr_sql keeps its plan only as long as the calling expression's state, which
//    plpgsql makes anew per transaction). As plpgsql its one query is planned once per session.
//    Same body, same answer: the database's clock plus the offset an operator may set.
// 2. ledger_lots_apply read the tenant's expiry policy once for every credit that opens a lot:
//    fourteen times for a statement of fourteen awards. It now reads it once per statement (per
//    tenant, though a statement writes one tenant's entries). The policy is taken at v_now, which
//    is read once per statement already, so every lot a statement opens gets the policy of one
//    moment, as before; a policy changed by another transaction while the statement runs is now
//    seen by none of its lots rather than by the later ones.
//
// ledger_lots_apply is changed in place (editFunction): its definition as it stands, with the
// declaration and the one statement replaced, so the rest of its text stays what 0012 made.

const CLOCK_SQL = sql`CREATE OR REPLACE FUNCTION ledger_clock() RETURNS timestamptz LANGUAGE sql VOLATILE AS $$
      SELECT clock_timestamp() + coalesce((SELECT c.offset_by FROM ledger_clock c), interval '0')
    $$`;

const CLOCK_PLPGSQL = sql`CREATE OR REPLACE FUNCTION ledger_clock() RETURNS timestamptz LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      RETURN clock_timestamp() + coalesce((SELECT c.offset_by FROM ledger_clock c), interval '0');
    END
    $$`;

const POLICY_EACH = `SELECT p.version, p.policy, p.months INTO v_pol FROM ledger_expiry_policies p
              WHERE p.tenant_id = v_p.tenant_id AND p.effective_from <= v_now ORDER BY p.version DESC LIMIT 1;`;
const POLICY_ONCE = `IF v_pol_tenant IS DISTINCT FROM v_p.tenant_id THEN
              SELECT p.version, p.policy, p.months INTO v_pol FROM ledger_expiry_policies p
                WHERE p.tenant_id = v_p.tenant_id AND p.effective_from <= v_now ORDER BY p.version DESC LIMIT 1;
              v_pol_tenant := v_p.tenant_id;
            END IF;`;

const EDITS = [
  { from: 'v_pol record;', to: 'v_pol record;\n      v_pol_tenant text;' },
  { from: POLICY_EACH, to: POLICY_ONCE },
];

export async function up(db: Kysely<any>): Promise<void> {
  await CLOCK_PLPGSQL.execute(db);
  await editFunction(db, '0020', 'ledger_lots_apply', EDITS);
}

export async function down(db: Kysely<any>): Promise<void> {
  await CLOCK_SQL.execute(db);
  await editFunction(db, '0020', 'ledger_lots_apply', EDITS.map((e) => ({ from: e.to, to: e.from })).reverse());
}
