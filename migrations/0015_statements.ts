import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// Member statements and the trial balance (issue 23). Both read the ledger by the time an entry
// was recorded:
//  - the trial balance as of a time is the stored balance less what was posted after it, so it
//    reads the entries recorded after that time off an index on recorded_at (a few rows for a
//    recent time) instead of summing every posting since the ledger began;
//  - a statement names each movement's cause, and the sale or refund of a points movement is found
//    by the entry that moved them (a basket's capture and a direct sale alike), in bulk for a page.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX ledger_entries_recorded ON ledger_entries (tenant_id, recorded_at)`.execute(db);
  await sql`CREATE INDEX redemptions_entry ON redemptions (tenant_id, entry_id)`.execute(db);
  await sql`CREATE INDEX refunds_entry ON refunds (tenant_id, entry_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of ['refunds_entry', 'redemptions_entry', 'ledger_entries_recorded']) {
    await sql`DROP INDEX ${sql.id(index)}`.execute(db);
  }
}
