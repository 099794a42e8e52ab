import { type Kysely, sql } from 'kysely';
import t from 'tap';
import type { DB } from '../src/db/schema.js';
import { engines, migratedDatabase } from './helpers/harness.js';

// The scale-out promise (DESIGN §6, README Deploying): the schema distributes by tenant on Citus
// unchanged. Citus needs the distribution column in every primary key and unique constraint of a
// distributed table, and a foreign key between distributed tables to join them on it; this reads
// the catalogue of the migrated database and fails when a key does not start with tenant_id.

/**
 * Not distributed by tenant: the tenants table itself, the migrator's own bookkeeping, and the
 * ledger's clock offset (one row for the whole deployment: a reference table on Citus).
 */
const ASIDE = new Set(['tenants', 'kysely_migration', 'kysely_migration_lock', 'ledger_clock']);

interface Key {
  table: string;
  name: string;
  kind: 'primary key' | 'unique' | 'foreign key';
  columns: string[];
  /** Foreign keys: the referenced table's columns. */
  references: string[] | null;
}

/** Every primary key, unique constraint or index (partial ones too) and foreign key of the public schema. */
async function keys(db: Kysely<DB>): Promise<{ tables: string[]; keys: Key[] }> {
  const tables = await sql<{ table: string }>`
    SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`.execute(db);
  const cols = (rel: string, nums: string) => sql`(SELECT array_agg(a.attname::text ORDER BY k.n) FROM unnest(${sql.raw(nums)}) WITH ORDINALITY AS k(num, n)
    JOIN pg_attribute a ON a.attrelid = ${sql.raw(rel)} AND a.attnum = k.num)`;
  const constraints = await sql<Key>`
    SELECT c.conrelid::regclass::text AS table, c.conname AS name,
      CASE c.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique' ELSE 'foreign key' END AS kind,
      ${cols('c.conrelid', 'c.conkey')} AS columns,
      CASE WHEN c.contype = 'f' THEN ${cols('c.confrelid', 'c.confkey')} END AS references
    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
    WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'f')`.execute(db);
  // Unique indexes made without a constraint (CREATE UNIQUE INDEX … WHERE …) bind Citus the same way.
  const indexes = await sql<Key>`
    SELECT t.relname AS table, x.relname AS name, 'unique' AS kind,
      ${cols('i.indrelid', 'i.indkey::int2[]')} AS columns, NULL AS references
    FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = 'public' AND i.indisunique
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`.execute(db);
  return { tables: tables.rows.map((r) => r.table), keys: [...constraints.rows, ...indexes.rows] };
}

/** What keeps the schema from distributing by tenant: tables without a tenant-first primary key, keys that do not start with tenant_id. */
function problems(found: { tables: string[]; keys: Key[] }): string[] {
  const out: string[] = [];
  for (const table of found.tables.filter((name) => !ASIDE.has(name))) {
    const pk = found.keys.find((k) => k.table === table && k.kind === 'primary key');
    if (!pk) out.push(`${table}: no primary key`);
  }
  for (const k of found.keys.filter((key) => !ASIDE.has(key.table))) {
    if (k.columns[0] !== 'tenant_id') out.push(`${k.table}: ${k.kind} ${k.name} (${k.columns.join(', ')}) does not start with tenant_id`);
    if (k.references && k.references[0] !== 'tenant_id') out.push(`${k.table}: foreign key ${k.name} refers to (${k.references.join(', ')}), not by tenant_id first`);
  }
  return out.sort();
}

for (const engine of engines) {
  t.test(`every key starts with tenant_id, on ${engine}`, async (t) => {
    const database = await migratedDatabase(t, engine);
    const found = await keys(database.db);
    for (const table of ['ledger_entries', 'ledger_postings', 'ledger_balances', 'members', 'service_records', 'api_keys']) {
      t.ok(found.tables.includes(table), `the catalogue lists ${table}`);
    }
    t.ok(found.keys.some((k) => k.name === 'ledger_entries_reverses'), 'partial unique indexes are read too');
    t.ok(found.keys.filter((k) => k.kind === 'foreign key').length >= 10, 'foreign keys are read');
    t.same(problems(found), [], 'nothing keeps a table from being distributed by tenant_id');

    // The check fails where it must: a table keyed without the tenant, and a foreign key that skips it.
    await sql`CREATE TABLE citus_probe (id integer PRIMARY KEY, tenant_id text NOT NULL, member_id uuid, UNIQUE (member_id, tenant_id),
      FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, member_id))`.execute(database.db);
    await sql`CREATE TABLE citus_probe_bare (note text, probe integer REFERENCES citus_probe (id))`.execute(database.db);
    t.same(
      problems(await keys(database.db)),
      [
        'citus_probe: primary key citus_probe_pkey (id) does not start with tenant_id',
        'citus_probe: unique citus_probe_member_id_tenant_id_key (member_id, tenant_id) does not start with tenant_id',
        'citus_probe_bare: foreign key citus_probe_bare_probe_fkey (probe) does not start with tenant_id',
        'citus_probe_bare: foreign key citus_probe_bare_probe_fkey refers to (id), not by tenant_id first',
        'citus_probe_bare: no primary key',
      ],
      'a key without tenant_id first is found',
    );
  });
}
