import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// A posting's entry exists: the same guard, checked once per statement instead of once per row
// (issue 17: the award's database CPU). The foreign key from ledger_postings to ledger_entries
// ran one check per posting: a query of its own, started and run for each of an award's four
// postings, taking a key-share lock on an entry that its own statement had just written. Counted
// by bench/callgrind.sh (`award16`, sixteen awards in one call of ledger_post_many, schema as of
// 0022): 24.3 M instructions a call with the foreign key, 21.4 M without it, about 0.18 M an award.
//
// What the foreign key guarded, and what guards it now:
//  - a posting inserted for an entry that does not exist: this statement trigger, after every
//    INSERT into ledger_postings, looks up each entry the statement's postings name (once per
//    entry, by its key) and refuses the statement with the foreign key's own SQLSTATE (23503);
//  - an entry deleted, re-keyed or truncated under its postings: ledger_entries is append-only
//    (0001's triggers refuse UPDATE, DELETE and TRUNCATE), and a posting is never updated either.
// The write path inserts an entry and its postings in one statement (ledger_post_many); an AFTER
// trigger sees the whole statement's rows, as the foreign key's check did.

export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`CREATE FUNCTION ledger_postings_entry_check() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      v_missing record;
    BEGIN
      -- Each entry once, looked up by its key (LIMIT 1 keeps the planner from a hash join of the
      -- transition table, of unknown size to it, against every entry).
      SELECT x.tenant_id, x.entry_id INTO v_missing
      FROM (SELECT DISTINCT p.tenant_id, p.entry_id FROM new_postings p) x
      LEFT JOIN LATERAL (SELECT true AS found FROM ledger_entries e
        WHERE e.tenant_id = x.tenant_id AND e.entry_id = x.entry_id LIMIT 1) e ON true
      WHERE e.found IS NULL
      LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'a posting names entry %, which does not exist', v_missing.entry_id
          USING ERRCODE = '23503', TABLE = 'ledger_postings',
            DETAIL = format('Key (tenant_id, entry_id)=(%s, %s) is not present in table "ledger_entries".', v_missing.tenant_id, v_missing.entry_id);
      END IF;
      RETURN NULL;
    END
    $$`,
    sql`CREATE TRIGGER ledger_postings_entry AFTER INSERT ON ledger_postings
      REFERENCING NEW TABLE AS new_postings FOR EACH STATEMENT EXECUTE FUNCTION ledger_postings_entry_check()`,
    sql`ALTER TABLE ledger_postings DROP CONSTRAINT ledger_postings_tenant_id_entry_id_fkey`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`ALTER TABLE ledger_postings ADD CONSTRAINT ledger_postings_tenant_id_entry_id_fkey
      FOREIGN KEY (tenant_id, entry_id) REFERENCES ledger_entries (tenant_id, entry_id)`,
    sql`DROP TRIGGER ledger_postings_entry ON ledger_postings`,
    sql`DROP FUNCTION ledger_postings_entry_check()`,
  ];
  for (const statement of statements) await statement.execute(db);
}
