import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// Certificates of service records (志愿服务记录证明, issue 23, src/certificates).
//
// Numbers: certificate_counters holds, per issuing org unit and year, the last number given. The
// issuing transaction adds one to it (INSERT … ON CONFLICT DO UPDATE … RETURNING: the row stays
// locked until that transaction ends), so a number belongs only to a committed certificate and a
// rollback gives it back: the numbers of one unit and year run 1, 2, 3… without a gap. Only the
// issuers of one unit wait on each other, and only for the rest of one issuing transaction.
//
// A certificate is never changed: certificates and certificate_withdrawals reject UPDATE, DELETE
// and TRUNCATE (the ledger's trigger function). A withdrawal is a row of its own, at most one
// per certificate (its primary key).
//
// The public check address carries the tenant and a code of 128 random bits; only the SHA-256
// of the code is kept, under a unique index that starts with tenant_id (so on Citus the lookup
// goes to one shard, as every other key of the schema does).

export async function up(db: Kysely<any>): Promise<void> {
  const appendOnly = (table: string) => [
    sql`CREATE TRIGGER ${sql.id(`${table}_append_only`)} BEFORE UPDATE OR DELETE ON ${sql.id(table)}
      FOR EACH ROW EXECUTE FUNCTION ledger_reject_change()`,
    sql`CREATE TRIGGER ${sql.id(`${table}_no_truncate`)} BEFORE TRUNCATE ON ${sql.id(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change()`,
  ];
  const statements = [
    sql`CREATE TABLE certificate_counters (
      tenant_id text NOT NULL,
      org_unit_id text NOT NULL,
      year integer NOT NULL CHECK (year BETWEEN 2000 AND 9999),
      last_no integer NOT NULL CHECK (last_no >= 1),
      PRIMARY KEY (tenant_id, org_unit_id, year),
      FOREIGN KEY (tenant_id, org_unit_id) REFERENCES org_units (tenant_id, org_unit_id)
    )`,
    sql`CREATE TABLE certificates (
      tenant_id text NOT NULL,
      certificate_id uuid NOT NULL,
      org_unit_id text NOT NULL,
      year integer NOT NULL,
      no integer NOT NULL CHECK (no >= 1),
      member_id uuid NOT NULL,
      code_hash text NOT NULL CHECK (code_hash ~ '^[0-9a-f]{64}$'),
      issued_at timestamptz NOT NULL,
      issued_by text,
      document text NOT NULL,
      key_id text NOT NULL,
      signature text NOT NULL,
      PRIMARY KEY (tenant_id, certificate_id),
      UNIQUE (tenant_id, org_unit_id, year, no),
      UNIQUE (tenant_id, code_hash),
      FOREIGN KEY (tenant_id, org_unit_id, year) REFERENCES certificate_counters (tenant_id, org_unit_id, year),
      FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, member_id)
    )`,
    sql`CREATE INDEX certificates_member ON certificates (tenant_id, member_id, issued_at)`,
    sql`CREATE TABLE certificate_withdrawals (
      tenant_id text NOT NULL,
      certificate_id uuid NOT NULL,
      reason text NOT NULL,
      withdrawn_at timestamptz NOT NULL DEFAULT now(),
      withdrawn_by text,
      PRIMARY KEY (tenant_id, certificate_id),
      FOREIGN KEY (tenant_id, certificate_id) REFERENCES certificates (tenant_id, certificate_id)
    )`,
    ...appendOnly('certificates'),
    ...appendOnly('certificate_withdrawals'),
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['certificate_withdrawals', 'certificates', 'certificate_counters']) await sql`DROP TABLE ${sql.id(table)}`.execute(db);
}
