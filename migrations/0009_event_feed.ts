import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// The event feed (GET /v1/events, src/events): every row it hands out carries the id of the
// transaction that wrote it (pg_current_xact_id(), as ledger_entries.tx_id has since 0001), so the
// feed can hand out only rows of transactions older than its snapshot's xmin and never skip a
// transaction that commits late. Here:
//  - ledger_hold_events and service_record_events get tx_id. Rows written before this migration
//    get 0 (the ADD COLUMN takes a constant, so the table is not rewritten); the column's default
//    then becomes pg_current_xact_id(), so the code that inserts them stays as it is. Their index
//    (tenant_id, tx_id) is what the feed scans.
//  - config_changes: every change of configuration (tenant, settings, points rules, org units, API
//    keys; later markets and items), who made it, when and what, written in the same transaction
//    as the change by src/events/changes.ts. Append-only like the ledger.

export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`ALTER TABLE ledger_hold_events ADD COLUMN tx_id xid8 NOT NULL DEFAULT '0'`,
    sql`ALTER TABLE ledger_hold_events ALTER COLUMN tx_id SET DEFAULT pg_current_xact_id()`,
    sql`CREATE INDEX ledger_hold_events_tx ON ledger_hold_events (tenant_id, tx_id)`,

    sql`ALTER TABLE service_record_events ADD COLUMN tx_id xid8 NOT NULL DEFAULT '0'`,
    sql`ALTER TABLE service_record_events ALTER COLUMN tx_id SET DEFAULT pg_current_xact_id()`,
    sql`CREATE INDEX service_record_events_tx ON service_record_events (tenant_id, tx_id)`,

    // Numbers from a sequence, not a counter row: two changes never queue on one row for it.
    // Gaps (a rolled-back change) mean nothing; the number orders the changes of one transaction.
    sql`CREATE SEQUENCE config_change_no`,
    sql`CREATE TABLE config_changes (
      tenant_id text NOT NULL REFERENCES tenants (tenant_id),
      change_no bigint NOT NULL DEFAULT nextval('config_change_no'),
      tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
      -- '<subject>.<verb>': orgUnit.created, apiKey.revoked, settings.updated, …
      action text NOT NULL CHECK (action ~ '^[a-z][A-Za-z]*\\.[a-z][A-Za-z]*$'),
      subject_type text NOT NULL CHECK (action LIKE subject_type || '.%'),
      subject_id text,
      -- The org unit the change belongs to (a unit, a key scoped to it, later a market), for keys
      -- scoped to an org unit; NULL: the whole tenant.
      org_unit_id text,
      -- The API key that made it, or 'operator' (the operator token, the CLI, the first start).
      actor text NOT NULL,
      at timestamptz NOT NULL DEFAULT clock_timestamp(),
      -- The subject after the change (never a secret), and the fields the request changed.
      data jsonb NOT NULL,
      changes jsonb,
      PRIMARY KEY (tenant_id, change_no),
      FOREIGN KEY (tenant_id, org_unit_id) REFERENCES org_units (tenant_id, org_unit_id)
    )`,
    sql`CREATE INDEX config_changes_tx ON config_changes (tenant_id, tx_id)`,
    sql`CREATE TRIGGER config_changes_append_only BEFORE UPDATE OR DELETE ON config_changes
      FOR EACH ROW EXECUTE FUNCTION ledger_reject_change()`,
    sql`CREATE TRIGGER config_changes_no_truncate BEFORE TRUNCATE ON config_changes
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change()`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`DROP TABLE IF EXISTS config_changes`,
    sql`DROP SEQUENCE IF EXISTS config_change_no`,
    sql`DROP INDEX IF EXISTS service_record_events_tx`,
    sql`ALTER TABLE service_record_events DROP COLUMN IF EXISTS tx_id`,
    sql`DROP INDEX IF EXISTS ledger_hold_events_tx`,
    sql`ALTER TABLE ledger_hold_events DROP COLUMN IF EXISTS tx_id`,
  ];
  for (const statement of statements) await statement.execute(db);
}
