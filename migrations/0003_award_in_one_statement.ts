import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
//
// An award is written in one statement that embeds ledger_post as a CTE (src/hours/awards.ts).
// Postgres plans a set-returning function at 1000 rows unless told otherwise; joined with the
// other parts of that statement the estimate reached 10^12 rows, which switched on JIT
// compilation and cost about 1.5 s per award. ledger_post returns exactly one row.

const SIGNATURE = sql`ledger_post(text, text, timestamptz, text, uuid, text, text, integer, text, jsonb, text[], text[], numeric[])`;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER FUNCTION ${SIGNATURE} ROWS 1`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER FUNCTION ${SIGNATURE} ROWS 1000`.execute(db);
}
