import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// A hold's writes find their rows by key (issue 17 item 3, found by bench/callgrind.sh's
// `capture` shape, where a capture read 330 index entries).
//
// 1. The resolution's status UPDATE (ledger_hold_resolve, and ledger_holds_expire for the
//    sweeper's holds) said `AND h.status = 'open'` beside the key. That condition lets the
//    planner use the partial indexes of open holds, and the generic plan the service runs
//    (plan_cache_mode=force_generic_plan) took ledger_holds_account with only the tenant as its
//    condition when the statistics were taken while few holds were open: every capture or void
//    then read every open hold of the tenant (EXPLAIN ANALYZE: "Rows Removed by Filter: 310").
//    The UPDATE now names the key alone. Nothing is lost: both functions lock the hold FOR UPDATE
//    before it (the sweeper with `status = 'open'` in that locking statement, which Postgres
//    re-checks on the newest row), the resolution checks the status under that lock, the trigger
//    ledger_hold_resolve_once refuses any change of a hold that is not open, and the unique index
//    of resolution events refuses a second one.
// 2. ledger_holds keeps no foreign key to tenants or to ledger_accounts, as 0006 did for entries
//    and postings: each took a KEY SHARE lock on a parent row (the tenant's, on every hold of the
//    tenant), and checked what the write path checks already. ledger_hold_create looks the account
//    up (LE405 when missing) and changes its balance row in the same transaction; the hold is made
//    for the tenant of an API key; tenants and accounts cannot be deleted or re-keyed (0006's
//    triggers). ledger_hold_events keeps its keys: their parents are the transaction's own rows.
//
// Each function is changed in place: its definition as it stands (pg_get_functiondef), with the
// one statement replaced, so the rest of its text stays exactly what 0018 and 0005 made.

const EDITS: { fn: string; from: string; to: string }[] = [
  {
    fn: 'ledger_hold_resolve',
    from: `UPDATE ledger_holds h SET status = v_status WHERE h.tenant_id = p_tenant AND h.hold_id = p_hold AND h.status = 'open';`,
    to: `UPDATE ledger_holds h SET status = v_status WHERE h.tenant_id = p_tenant AND h.hold_id = p_hold;`,
  },
  {
    fn: 'ledger_holds_expire',
    from: `WHERE h.tenant_id = e.tenant_id AND h.hold_id = e.hold_id AND h.status = 'open';`,
    to: `WHERE h.tenant_id = e.tenant_id AND h.hold_id = e.hold_id;`,
  },
];

/** Replaces `from` by `to` in the function's definition, which must hold it exactly once. */
async function edit(db: Kysely<any>, fn: string, from: string, to: string): Promise<void> {
  const { rows } = await sql<{ def: string }>`SELECT pg_get_functiondef(${fn}::regproc) AS def`.execute(db);
  const def = rows[0]!.def;
  const found = def.split(from).length - 1;
  if (found !== 1) throw new Error(`0019: ${fn} holds the statement to replace ${found} times, not once`);
  await sql.raw(def.replace(from, () => to)).execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  for (const e of EDITS) await edit(db, e.fn, e.from, e.to);
  await sql`ALTER TABLE ledger_holds DROP CONSTRAINT ledger_holds_tenant_id_fkey`.execute(db);
  await sql`ALTER TABLE ledger_holds DROP CONSTRAINT ledger_holds_tenant_id_account_id_fkey`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const e of EDITS) await edit(db, e.fn, e.to, e.from);
  await sql`ALTER TABLE ledger_holds ADD CONSTRAINT ledger_holds_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id)`.execute(db);
  await sql`ALTER TABLE ledger_holds ADD CONSTRAINT ledger_holds_tenant_id_account_id_fkey
    FOREIGN KEY (tenant_id, account_id) REFERENCES ledger_accounts (tenant_id, account_id)`.execute(db);
}
