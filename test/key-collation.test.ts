import { type Kysely, sql } from 'kysely';
import t from 'tap';
import { KEY_COLUMNS } from '../migrations/0026_keys_collate_c.js';
import { createTestDatabase, engines, migratedDatabase } from './helpers/harness.js';

// Text keys are compared byte by byte (migration 0026): every text column that is part of an
// index or a foreign key is declared COLLATE "C", so a B-tree descent, a unique check or a join
// on it never calls strcoll. This holds every migration, later ones too, to that rule, and shows
// on a database whose default collation is a language's (ICU en-US) that ids sort by code point
// there while names keep the language's order.

/** Each text column of an index or a foreign key (either side), and its collation: 0026's own rule. */
async function keyColumns(db: Kysely<any>): Promise<{ column: string; collation: string }[]> {
  const { rows } = await KEY_COLUMNS.execute(db);
  return rows.map((r) => ({ column: `${r.table}.${r.column}`, collation: r.collation }));
}

for (const engine of engines) {
  t.test(`every text key is in the "C" collation, on ${engine}`, async (t) => {
    const { db } = await migratedDatabase(t, engine);
    const columns = await keyColumns(db);
    for (const key of ['tenants.tenant_id', 'ledger_accounts.account_id', 'ledger_postings.account_id', 'idempotency_keys.idempotency_key', 'service_records.external_id']) {
      t.ok(columns.some((c) => c.column === key), `the catalogue lists ${key}`);
    }
    t.ok(columns.length >= 80, `${columns.length} key columns found`);
    t.same(
      columns.filter((c) => c.collation !== 'C').map((c) => c.column),
      [],
      'no text key column is left in the database default collation',
    );
    // The triggers that name key columns (dropped and made again around the change) are there.
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE '%_keep_keys'`.execute(db);
    t.equal(rows[0]!.n, 5, 'the five keep-keys triggers are in place');
  });
}

t.test('on a database whose default collation is ICU en-US, ids sort by code point and names do not', { skip: !engines.includes('postgres') }, async (t) => {
  const url = await createTestDatabase(t, "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'");
  const { db } = await migratedDatabase(t, 'postgres', url);
  const { rows: plain } = await sql<{ x: string }>`SELECT x FROM unnest(ARRAY['a', 'B']) AS x ORDER BY x`.execute(db);
  t.same(plain.map((r) => r.x), ['a', 'B'], "the database's own order is the language's (a before B)");
  await sql`INSERT INTO tenants (tenant_id, name) VALUES ('icu', 'ICU')`.execute(db);
  await sql`INSERT INTO ledger_accounts (tenant_id, account_id, unit, type, allow_negative, name)
    VALUES ('icu', 'a', 'POINTS', 'system', true, 'B'), ('icu', 'B', 'POINTS', 'system', true, 'a')`.execute(db);
  const { rows: byId } = await sql<{ account_id: string }>`SELECT account_id FROM ledger_accounts WHERE tenant_id = 'icu' ORDER BY account_id`.execute(db);
  t.same(byId.map((r) => r.account_id), ['B', 'a'], 'account ids sort by code point (B is 0x42, a 0x61)');
  const { rows: byName } = await sql<{ name: string }>`SELECT name FROM ledger_accounts WHERE tenant_id = 'icu' ORDER BY name`.execute(db);
  t.same(byName.map((r) => r.name), ['a', 'B'], "names keep the language's order");
  // A key compared with a text of the default collation takes the key's: an equality finds it.
  const { rows: found } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ledger_accounts WHERE tenant_id = ${'icu'} AND account_id = ${'B'}`.execute(db);
  t.equal(found[0]!.n, 1, 'a parameter finds its key');
});
