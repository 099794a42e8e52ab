import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// 0017 again, for the other tables every award writes (issue 17: the award's database CPU). A
// table's CHECKs are read back from their stored text (stringToNode) and prepared once for every
// statement that writes the table; a domain's constraint is parsed once per session and kept in
// the type cache. An award inserts a service record (five CHECKs), a lot and the lot's opening
// move (three and four): each single-column rule becomes a domain of its column:
//   service_records.status    -> record_status        (submitted, verified, rejected, revoked)
//   service_records.source    -> record_source        (checkin or manual)
//   service_records.hours     -> record_hours         (numeric(10, 2), above zero)
//   service_records.rating    -> record_rating        (smallint, 1 to 5; null until rated)
//   ledger_lots.amount        -> ledger_lot_amount    (numeric(20, 2), above zero)
//   ledger_lots.remaining     -> ledger_lot_remaining (numeric(20, 2), never below zero)
//   ledger_lot_moves.kind     -> ledger_lot_move_kind (one of the moves' kinds)
// The rules that span two columns stay CHECKs (a record ends after it starts; a lot holds no more
// than remains in it; a move's kind, hold and source entry agree; a move changes something).
// A violation is still SQLSTATE 23514; test/append-only.test.ts breaks each rule by direct SQL.
// Measured (2026-12-06, one session, a plpgsql loop of 100,000 INSERTs of an award's record shape,
// three rounds each): 8.8 µs an INSERT with the four CHECKs, 3.4 µs with the four domains, so
// about 1.35 µs per rule and statement; an award's seven come to about 9 µs of its 0.4 ms.
//
// How, as in 0017, so that no table is rewritten: each column first becomes a domain without a
// constraint over its own type (binary-compatible: neither the table nor an index is rebuilt),
// then the domain gets its constraint (Postgres checks every existing row: a scan, not a rewrite),
// then the table's CHECK is dropped. Clients see the base types.

const MOVE_KINDS = sql.raw(`'opening', 'credit', 'debit', 'return', 'expiry', 'reserve', 'release', 'capture'`);

export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`CREATE DOMAIN record_status AS text`,
    sql`CREATE DOMAIN record_source AS text`,
    sql`CREATE DOMAIN record_hours AS numeric(10, 2)`,
    sql`CREATE DOMAIN record_rating AS smallint`,
    sql`CREATE DOMAIN ledger_lot_amount AS numeric(20, 2)`,
    sql`CREATE DOMAIN ledger_lot_remaining AS numeric(20, 2)`,
    sql`CREATE DOMAIN ledger_lot_move_kind AS text`,
    sql`ALTER TABLE service_records ALTER COLUMN status TYPE record_status, ALTER COLUMN source TYPE record_source,
      ALTER COLUMN hours TYPE record_hours, ALTER COLUMN rating TYPE record_rating`,
    sql`ALTER TABLE ledger_lots ALTER COLUMN amount TYPE ledger_lot_amount, ALTER COLUMN remaining TYPE ledger_lot_remaining`,
    sql`ALTER TABLE ledger_lot_moves ALTER COLUMN kind TYPE ledger_lot_move_kind`,
    sql`ALTER DOMAIN record_status ADD CONSTRAINT record_status_check CHECK (VALUE IN ('submitted', 'verified', 'rejected', 'revoked'))`,
    sql`ALTER DOMAIN record_source ADD CONSTRAINT record_source_check CHECK (VALUE IN ('checkin', 'manual'))`,
    sql`ALTER DOMAIN record_hours ADD CONSTRAINT record_hours_check CHECK (VALUE > 0)`,
    sql`ALTER DOMAIN record_rating ADD CONSTRAINT record_rating_check CHECK (VALUE BETWEEN 1 AND 5)`,
    sql`ALTER DOMAIN ledger_lot_amount ADD CONSTRAINT ledger_lot_amount_check CHECK (VALUE > 0)`,
    sql`ALTER DOMAIN ledger_lot_remaining ADD CONSTRAINT ledger_lot_remaining_check CHECK (VALUE >= 0)`,
    sql`ALTER DOMAIN ledger_lot_move_kind ADD CONSTRAINT ledger_lot_move_kind_check CHECK (VALUE IN (${MOVE_KINDS}))`,
    sql`ALTER TABLE service_records DROP CONSTRAINT service_records_status_check, DROP CONSTRAINT service_records_source_check,
      DROP CONSTRAINT service_records_hours_check, DROP CONSTRAINT service_records_rating_check`,
    sql`ALTER TABLE ledger_lots DROP CONSTRAINT ledger_lots_amount_check, DROP CONSTRAINT ledger_lots_remaining_check`,
    sql`ALTER TABLE ledger_lot_moves DROP CONSTRAINT ledger_lot_moves_kind_check`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`ALTER TABLE service_records ADD CONSTRAINT service_records_status_check CHECK (status IN ('submitted', 'verified', 'rejected', 'revoked')),
      ADD CONSTRAINT service_records_source_check CHECK (source IN ('checkin', 'manual')),
      ADD CONSTRAINT service_records_hours_check CHECK (hours > 0),
      ADD CONSTRAINT service_records_rating_check CHECK (rating BETWEEN 1 AND 5)`,
    sql`ALTER TABLE ledger_lots ADD CONSTRAINT ledger_lots_amount_check CHECK (amount > 0),
      ADD CONSTRAINT ledger_lots_remaining_check CHECK (remaining >= 0)`,
    sql`ALTER TABLE ledger_lot_moves ADD CONSTRAINT ledger_lot_moves_kind_check CHECK (kind IN (${MOVE_KINDS}))`,
    sql`ALTER TABLE service_records ALTER COLUMN status TYPE text, ALTER COLUMN source TYPE text,
      ALTER COLUMN hours TYPE numeric(10, 2), ALTER COLUMN rating TYPE smallint`,
    sql`ALTER TABLE ledger_lots ALTER COLUMN amount TYPE numeric(20, 2), ALTER COLUMN remaining TYPE numeric(20, 2)`,
    sql`ALTER TABLE ledger_lot_moves ALTER COLUMN kind TYPE text`,
    sql`DROP DOMAIN record_status`,
    sql`DROP DOMAIN record_source`,
    sql`DROP DOMAIN record_hours`,
    sql`DROP DOMAIN record_rating`,
    sql`DROP DOMAIN ledger_lot_amount`,
    sql`DROP DOMAIN ledger_lot_remaining`,
    sql`DROP DOMAIN ledger_lot_move_kind`,
  ];
  for (const statement of statements) await statement.execute(db);
}
