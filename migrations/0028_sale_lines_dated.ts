import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
//
// A service's capacity counts everyone's sales of the item in a period (src/markets/lines.ts,
// checkLimits). A sale line had no time of its own, so the count read every line of the item
// ever sold by the item's index and joined each to its sale for the sale's time: four sales of
// a service with 400 earlier sales read 1,610 sale rows and 1,207 lines
// (test/capacity-plans.test.ts), and a service sold every day for a year would read thousands per
// sale. Each line now carries its sale's business time (occurred_at, written with it, never
// changed; `market_line_time` in src/markets/verify.ts proves it equal to the sale's), and the
// item's index takes it as its last column, so the count reads the period's lines only. The new
// index replaces the old one: every query the old one served is a prefix of it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE redemption_lines ADD COLUMN occurred_at timestamptz`.execute(db);
  await sql`UPDATE redemption_lines l SET occurred_at = r.occurred_at FROM redemptions r
    WHERE r.tenant_id = l.tenant_id AND r.redemption_id = l.redemption_id`.execute(db);
  await sql`ALTER TABLE redemption_lines ALTER COLUMN occurred_at SET NOT NULL`.execute(db);
  await sql`CREATE INDEX redemption_lines_item_at ON redemption_lines (tenant_id, item_id, occurred_at)`.execute(db);
  await sql`DROP INDEX redemption_lines_item`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX redemption_lines_item ON redemption_lines (tenant_id, item_id)`.execute(db);
  await sql`DROP INDEX redemption_lines_item_at`.execute(db);
  await sql`ALTER TABLE redemption_lines DROP COLUMN occurred_at`.execute(db);
}
