import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
//
// Before a record is stored, the service reads the member's live records on the days it touches
// (the daily cap) and one overlapping it (src/hours/repository.ts, memberDays): records with
// started_at < the end and ended_at > the start. The member's only index, (tenant_id, member_id,
// started_at), bounds the first condition alone, which every earlier record meets: each new
// record of a member read all of the member's records, twice (test/member-days-plans.test.ts,
// 2,300 records of 42 members: three records of a member with 300 earlier ones read 1,827 rows,
// and 1,809 without statistics). Indexed by ended_at, the reads start at the new record's first
// day and find the records around it, whatever the history: 6 rows, and 5 without statistics.
// started_at, its last column, is checked in the index, and makes it the cheaper of the two to a
// planner that has no statistics of the table yet. The old index stays: listing a member's
// records and their certificates read it in started_at order.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX service_records_member_end ON service_records (tenant_id, member_id, ended_at, started_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX service_records_member_end`.execute(db);
}
