import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// Every text key compared byte by byte (issue 17: the award's database CPU). A text column that is
// part of an index or of a foreign key (a tenant, an account, an idempotency key, an external id,
// an org unit, a market, a SKU, …) is declared COLLATE "C". Under any other collation, and
// Postgres 15 counts the C.UTF-8 of Debian's clusters as another, two unequal keys in a B-tree
// descent, a unique check or a join are compared with strcoll. Counted by bench/awardcost.ts
// (the service's own statements for 2,000 awards, replayed under callgrind on two copies of one
// database as of 0025, one migrated to this, both reindexed and analysed alike): 3.389 M
// instructions an award, 3.318 M with these keys in "C" (−2.1 %).
//
// What changes: only the order of these columns where a query sorts or compares them by their
// own collation. On a server whose default is C or C.UTF-8 (PGlite, Debian's clusters) it is the
// same order, by code point. On one whose default is a language's collation (en_US.utf8, the
// postgres image's default) lists sorted by these ids now sort by code point, as the service's own
// sorts and the lock orders (which already said COLLATE "C") do. Names, titles and every other
// text keep the database's collation.
//
// The rule, not a list, picks the columns (the schema as of 0025 gives 85 in 44 tables), and
// test/key-collation.test.ts holds every later migration to it. A trigger that names a column
// (UPDATE OF) forbids changing its type: those are dropped and made again from their own
// definitions. The columns' statistics go with the change, so the tables are analysed again.

/** Each text key column and its collation ('' for the database default); test/key-collation.test.ts reads it too. */
export const KEY_COLUMNS = sql<{ table: string; column: string; collation: string }>`
  SELECT c.relname AS "table", a.attname AS "column", coalesce(co.collname, '') AS collation
  FROM (SELECT i.indrelid AS rel, unnest(i.indkey) AS att FROM pg_index i
        UNION SELECT f.conrelid, unnest(f.conkey) FROM pg_constraint f WHERE f.contype = 'f'
        UNION SELECT f.confrelid, unnest(f.confkey) FROM pg_constraint f WHERE f.contype = 'f') k
  JOIN pg_class c ON c.oid = k.rel AND c.relkind = 'r'
  JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
  JOIN pg_attribute a ON a.attrelid = k.rel AND a.attnum = k.att
  LEFT JOIN pg_collation co ON co.oid = a.attcollation
  WHERE a.atttypid = 'text'::regtype AND c.relname NOT LIKE 'kysely%'
  ORDER BY 1, 2`;

async function collate(db: Kysely<any>, collation: 'C' | 'default'): Promise<void> {
  const { rows: columns } = await KEY_COLUMNS.execute(db);
  const tables = [...new Set(columns.map((c) => c.table))];
  const { rows: triggers } = await sql<{ table: string; name: string; definition: string }>`
    SELECT t.tgrelid::regclass::text AS "table", t.tgname AS name, pg_get_triggerdef(t.oid) AS definition
    FROM pg_trigger t WHERE NOT t.tgisinternal AND t.tgattr::text <> '' AND t.tgrelid::regclass::text = ANY(${tables}::text[])
    ORDER BY 1, 2`.execute(db);
  for (const t of triggers) await sql.raw(`DROP TRIGGER ${t.name} ON ${t.table}`).execute(db);
  for (const table of tables) {
    const alters = columns.filter((c) => c.table === table).map((c) => `ALTER COLUMN ${c.column} TYPE text COLLATE "${collation}"`);
    await sql.raw(`ALTER TABLE ${table} ${alters.join(', ')}`).execute(db);
  }
  for (const t of triggers) await sql.raw(t.definition).execute(db);
  await sql.raw(`ANALYZE ${tables.join(', ')}`).execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  await collate(db, 'C');
}

export async function down(db: Kysely<any>): Promise<void> {
  await collate(db, 'default');
}
