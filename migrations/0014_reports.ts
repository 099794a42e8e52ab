import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// Participation reports (issue 23, part 4):
//  - org_units.population: the unit's resident population, optional; the participation rate
//    (active volunteers / residents) is reported only where it is set.
//  - tenants.yearly_goal_hours: the hours a year each member is asked to give (the seeds: 20 hours
//    a year per party-member volunteer); the report gives the share of members reaching it.

export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`ALTER TABLE org_units ADD COLUMN population integer CHECK (population IS NULL OR population > 0)`,
    sql`ALTER TABLE tenants ADD COLUMN yearly_goal_hours numeric(8, 2) NOT NULL DEFAULT 20 CHECK (yearly_goal_hours > 0)`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE tenants DROP COLUMN yearly_goal_hours`.execute(db);
  await sql`ALTER TABLE org_units DROP COLUMN population`.execute(db);
}
