import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// The same guards, cheaper to run (issue 17 item 3, a leaner write path). A table's CHECK
// constraints are read back from their stored text (stringToNode) once for every statement
// that writes the table: a write path that runs one UPDATE per account and an INSERT per table
// pays that in each of them, though the checks themselves are trivial. bench/ablation.sh
// counted it: without any CHECK, a two-posting ledger_post costs 0.28 M fewer instructions of
// its 1.92 M. A domain's constraint is parsed once per session and kept in the type cache, so
// each single-column check becomes a domain of its column:
//   ledger_entries.kind     -> ledger_entry_kind   (one of the entry kinds)
//   ledger_accounts.unit,
//   ledger_postings.unit    -> ledger_unit         (HOURS or POINTS)
//   ledger_postings.amount  -> ledger_amount       (numeric(20, 2), never zero)
//   ledger_balances.held    -> ledger_held         (numeric(20, 2), never below zero)
// Measured (bench/callgrind.sh, prepared) on databases migrated to 0016 and to 0017: -0.15 M
// (-7.7 %) per two-posting ledger_post, -0.18 M (-7.0 %) per award-shaped one. The checks that
// span two columns stay CHECKs (an entry is a reversal exactly when it names the entry it
// reverses; a non-negative account's balance covers what it holds). A violation is still
// SQLSTATE 23514.
//
// How, so that no table is rewritten: each column first becomes a domain with no constraint
// over its own type (binary-compatible: neither the table nor an index is rebuilt), then the
// domain gets its constraint (Postgres checks every existing row: a scan, not a rewrite), then
// the table's CHECK is dropped. Clients see the base types (a row description names a domain
// column's base type), so nothing that reads these columns changes.

const KINDS = sql.raw(
  `'award', 'bonus', 'redemption', 'hold', 'capture', 'void', 'refund', 'reversal', 'adjustment', 'transfer', 'expiry'`,
);

export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`CREATE DOMAIN ledger_entry_kind AS text`,
    sql`CREATE DOMAIN ledger_unit AS text`,
    sql`CREATE DOMAIN ledger_amount AS numeric(20, 2)`,
    sql`CREATE DOMAIN ledger_held AS numeric(20, 2)`,
    sql`ALTER TABLE ledger_entries ALTER COLUMN kind TYPE ledger_entry_kind`,
    sql`ALTER TABLE ledger_accounts ALTER COLUMN unit TYPE ledger_unit`,
    sql`ALTER TABLE ledger_postings ALTER COLUMN unit TYPE ledger_unit, ALTER COLUMN amount TYPE ledger_amount`,
    sql`ALTER TABLE ledger_balances ALTER COLUMN held TYPE ledger_held`,
    sql`ALTER DOMAIN ledger_entry_kind ADD CONSTRAINT ledger_entry_kind_check CHECK (VALUE IN (${KINDS}))`,
    sql`ALTER DOMAIN ledger_unit ADD CONSTRAINT ledger_unit_check CHECK (VALUE IN ('HOURS', 'POINTS'))`,
    sql`ALTER DOMAIN ledger_amount ADD CONSTRAINT ledger_amount_check CHECK (VALUE <> 0)`,
    sql`ALTER DOMAIN ledger_held ADD CONSTRAINT ledger_held_check CHECK (VALUE >= 0)`,
    sql`ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check`,
    sql`ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_unit_check`,
    sql`ALTER TABLE ledger_postings DROP CONSTRAINT ledger_postings_unit_check, DROP CONSTRAINT ledger_postings_amount_check`,
    sql`ALTER TABLE ledger_balances DROP CONSTRAINT ledger_balances_held_check`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check CHECK (kind IN (${KINDS}))`,
    sql`ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_unit_check CHECK (unit IN ('HOURS', 'POINTS'))`,
    sql`ALTER TABLE ledger_postings ADD CONSTRAINT ledger_postings_unit_check CHECK (unit IN ('HOURS', 'POINTS')),
      ADD CONSTRAINT ledger_postings_amount_check CHECK (amount <> 0)`,
    sql`ALTER TABLE ledger_balances ADD CONSTRAINT ledger_balances_held_check CHECK (held >= 0)`,
    sql`ALTER TABLE ledger_entries ALTER COLUMN kind TYPE text`,
    sql`ALTER TABLE ledger_accounts ALTER COLUMN unit TYPE text`,
    sql`ALTER TABLE ledger_postings ALTER COLUMN unit TYPE text, ALTER COLUMN amount TYPE numeric(20, 2)`,
    sql`ALTER TABLE ledger_balances ALTER COLUMN held TYPE numeric(20, 2)`,
    sql`DROP DOMAIN ledger_entry_kind`,
    sql`DROP DOMAIN ledger_unit`,
    sql`DROP DOMAIN ledger_amount`,
    sql`DROP DOMAIN ledger_held`,
  ];
  for (const statement of statements) await statement.execute(db);
}
