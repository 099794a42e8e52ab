import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// The event feed in commit order (src/events/sequencer.ts). PostgreSQL 15 records no commit
// order, so the service writes one down: a sequencer (one per tenant at a time) gives each
// committed transaction that wrote rows of the feed the next position of its tenant, in the order
// the commits became visible to it. Only committed transactions are given one, by one sequencer
// at a time, in one committing transaction: a reader never sees position N + 1 before N, and no
// position is ever missing (none comes from a sequence, so a rolled-back step leaves no hole).
//  - feed_transactions: the positions; append-only like the ledger. The unique key is what
//    guarantees a transaction never gets two.
//  - feed_horizons: per tenant, a transaction id below which every transaction had ended when the
//    sequencer last looked, so every committed one below it has its position; the next step reads
//    only rows from there on. It only moves forward; it is not history, so it is updated in place.

export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`CREATE TABLE feed_transactions (
      tenant_id text NOT NULL REFERENCES tenants (tenant_id),
      position bigint NOT NULL CHECK (position > 0),
      tx_id xid8 NOT NULL,
      sequenced_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      PRIMARY KEY (tenant_id, position),
      UNIQUE (tenant_id, tx_id)
    )`,
    sql`CREATE TRIGGER feed_transactions_append_only BEFORE UPDATE OR DELETE ON feed_transactions
      FOR EACH ROW EXECUTE FUNCTION ledger_reject_change()`,
    sql`CREATE TRIGGER feed_transactions_no_truncate BEFORE TRUNCATE ON feed_transactions
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change()`,
    sql`CREATE TABLE feed_horizons (
      tenant_id text NOT NULL PRIMARY KEY REFERENCES tenants (tenant_id),
      horizon xid8 NOT NULL
    )`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const statements = [sql`DROP TABLE IF EXISTS feed_horizons`, sql`DROP TABLE IF EXISTS feed_transactions`];
  for (const statement of statements) await statement.execute(db);
}
