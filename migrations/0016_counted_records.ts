import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// Counted records (issue 23, participation reports): one row per service record whose award is
// sealed and not reversed by a sealed entry, with what a report groups it by, worked out once
// (the China-time day and month its service started, whether its hours are from check-in) and its
// hours in hundredths. A county report of a year reads a million of these narrow rows, not the
// records, their award entries and the units' paths (the report took 2.5–3 s on the records).
// Derived data, folded in from sealed entries only (src/reports/counted.ts): an award adds its
// record (hours from the entry), a reversal of an award takes it away again, so a correction (a
// new award, the old one reversed) leaves the new hours; counted_records_through says up to which
// sequence number a tenant's entries are in. Rows are never written anywhere else, and a row whose
// awards come to zero (a revoked record) is deleted by the same fold. counted_day_totals are the
// same rows summed per unit, China-time day, category and source (records and hours): what a
// report adds up for its totals, months, categories and units, a few hundred rows a unit and year
// (distinct members are counted from counted_records). No foreign keys: a fold writes many rows at
// once, and every row comes from a record and an entry that are never deleted.
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`CREATE TABLE counted_records (
      tenant_id text NOT NULL,
      record_id uuid NOT NULL,
      member_id uuid NOT NULL,
      org_unit_id text NOT NULL,
      day date NOT NULL,
      month integer NOT NULL,
      category text NOT NULL,
      checkin boolean NOT NULL,
      cents integer NOT NULL,
      awards integer NOT NULL,
      PRIMARY KEY (tenant_id, record_id)
    )`,
    sql`CREATE INDEX counted_records_day ON counted_records (tenant_id, day)`,
    sql`CREATE INDEX counted_records_spent ON counted_records (tenant_id) WHERE awards = 0`,
    sql`CREATE TABLE counted_day_totals (
      tenant_id text NOT NULL,
      org_unit_id text NOT NULL,
      day date NOT NULL,
      category text NOT NULL,
      checkin boolean NOT NULL,
      month integer NOT NULL,
      records integer NOT NULL,
      cents bigint NOT NULL,
      PRIMARY KEY (tenant_id, org_unit_id, day, category, checkin)
    )`,
    sql`CREATE INDEX counted_day_totals_day ON counted_day_totals (tenant_id, day)`,
    sql`CREATE TABLE counted_records_through (
      tenant_id text NOT NULL PRIMARY KEY REFERENCES tenants (tenant_id),
      seq bigint NOT NULL CHECK (seq >= 0)
    )`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE counted_records_through`.execute(db);
  await sql`DROP TABLE counted_day_totals`.execute(db);
  await sql`DROP TABLE counted_records`.execute(db);
}
