import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// Participation reports (issue 23, part 4):
//  - org_units.population: the unit's resident population, optional; the participation rate
//    (active volunteers / residents) is reported only where it is set.
//  - tenants.yearly_goal_hours: the hours a year each member is asked to give (the seeds: 20 hours
//    a year per party-member volunteer); the report gives the share of members reaching it.
//  - ledger_day_totals: the sealed postings summed per account, China-time day of the entries'
//    business time and entry kind, for every account but the members' (their expiry entries
//    apart): what a report sums for points issued, spent, refunded and expired, read in a few
//    hundred rows instead of a million postings and their entries. Derived data, folded in from
//    sealed entries only (src/ledger/dayTotals.ts), so it never changes for a day once its entries
//    are sealed except by adding later sealed ones; ledger_day_totals_through says up to which
//    sequence number each tenant's entries are in it.

export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`ALTER TABLE org_units ADD COLUMN population integer CHECK (population IS NULL OR population > 0)`,
    sql`ALTER TABLE tenants ADD COLUMN yearly_goal_hours numeric(8, 2) NOT NULL DEFAULT 20 CHECK (yearly_goal_hours > 0)`,
    sql`CREATE TABLE ledger_day_totals (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      day date NOT NULL,
      kind text NOT NULL,
      amount numeric(20, 2) NOT NULL,
      postings bigint NOT NULL,
      PRIMARY KEY (tenant_id, account_id, day, kind),
      FOREIGN KEY (tenant_id, account_id) REFERENCES ledger_accounts (tenant_id, account_id)
    )`,
    sql`CREATE TABLE ledger_day_totals_through (
      tenant_id text NOT NULL PRIMARY KEY REFERENCES tenants (tenant_id),
      seq bigint NOT NULL CHECK (seq >= 0)
    )`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE ledger_day_totals_through`.execute(db);
  await sql`DROP TABLE ledger_day_totals`.execute(db);
  await sql`ALTER TABLE tenants DROP COLUMN yearly_goal_hours`.execute(db);
  await sql`ALTER TABLE org_units DROP COLUMN population`.execute(db);
}
