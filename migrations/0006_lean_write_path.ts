import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
//
// The write path without the foreign-key checks that guard nothing it does not guard already
// (issue 17 item 3). Measured with callgrind on a single-user backend (instructions per call,
// repeatable on the busy machine; README "Performance"): the RI triggers were 16 % of what one
// ledger_post of two postings executes, and the checks below take a KEY SHARE lock on a row
// that every concurrent writer shares (the tenant row on every entry and idempotency key, an
// issuance account's row on every award that station posts), which turns that row's xmax into a
// MultiXact that each new writer must extend.
//
// Dropped, and why nothing is lost:
//  - ledger_entries (tenant_id) -> tenants, idempotency_keys (tenant_id) -> tenants: every write
//    is made for the tenant of an API key (api_keys keeps its foreign key to tenants), and a
//    tenant can no longer be deleted or renamed (trigger below), so the tenant exists when the
//    row is written and for ever after.
//  - ledger_postings (tenant_id, account_id) -> ledger_accounts: ledger_post_many looks every
//    account up (LE405 when missing) and updates its balance row in the same transaction, which
//    holds that row's lock until commit; the balance row keeps its own foreign key to the account,
//    and an account can no longer be deleted or re-keyed (trigger below).
// Kept: ledger_postings -> ledger_entries (the parent is the transaction's own new row: no
// shared lock) and every other key.

export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`CREATE FUNCTION ledger_reject_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% on % is not allowed: ledger rows refer to it by its key', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'LE000';
      END
    $$`,
    sql`CREATE TRIGGER tenants_keep_keys BEFORE DELETE OR UPDATE OF tenant_id ON tenants
      FOR EACH ROW EXECUTE FUNCTION ledger_reject_key_change()`,
    sql`CREATE TRIGGER tenants_no_truncate BEFORE TRUNCATE ON tenants
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_key_change()`,
    sql`CREATE TRIGGER ledger_accounts_keep_keys BEFORE DELETE OR UPDATE OF tenant_id, account_id ON ledger_accounts
      FOR EACH ROW EXECUTE FUNCTION ledger_reject_key_change()`,
    sql`CREATE TRIGGER ledger_accounts_no_truncate BEFORE TRUNCATE ON ledger_accounts
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_key_change()`,
    sql`ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_tenant_id_fkey`,
    sql`ALTER TABLE ledger_postings DROP CONSTRAINT ledger_postings_tenant_id_account_id_fkey`,
    sql`ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_tenant_id_fkey`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id)`,
    sql`ALTER TABLE ledger_postings ADD CONSTRAINT ledger_postings_tenant_id_account_id_fkey
      FOREIGN KEY (tenant_id, account_id) REFERENCES ledger_accounts (tenant_id, account_id)`,
    sql`ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id)`,
    sql`DROP TRIGGER IF EXISTS tenants_keep_keys ON tenants`,
    sql`DROP TRIGGER IF EXISTS tenants_no_truncate ON tenants`,
    sql`DROP TRIGGER IF EXISTS ledger_accounts_keep_keys ON ledger_accounts`,
    sql`DROP TRIGGER IF EXISTS ledger_accounts_no_truncate ON ledger_accounts`,
    sql`DROP FUNCTION IF EXISTS ledger_reject_key_change`,
  ];
  for (const statement of statements) await statement.execute(db);
}
