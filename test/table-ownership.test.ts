import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';

// Each module owns its tables (DESIGN §6): only its files name them in a query. Another module's
// statement that must read or write one in the same round trip uses the SQL its owner gives
// (balanceRowSql, starThresholdsSql, recordStarChangesSql, …), so the table's name stays with its
// owner. The few readers that name another module's table on purpose are listed with the reason.

const SRC = path.resolve(import.meta.dirname, '..', 'src');

/** Each table and the module (folder, or file in src) that owns it. */
const OWNERS: Record<string, string> = {
  tenants: 'tenants',
  api_keys: 'auth',
  idempotency_keys: 'idempotency',
  ledger_accounts: 'ledger',
  ledger_balances: 'ledger',
  ledger_entries: 'ledger',
  ledger_postings: 'ledger',
  ledger_holds: 'ledger',
  ledger_hold_events: 'ledger',
  ledger_day_totals: 'ledger',
  ledger_day_totals_through: 'ledger',
  org_units: 'orgunits',
  members: 'members',
  member_cards: 'members',
  star_changes: 'members',
  points_rules: 'rules',
  service_records: 'hours',
  service_record_events: 'hours',
  config_changes: 'changes',
  feed_transactions: 'events',
  feed_horizons: 'events',
  integrity_blocks: 'integrity',
  integrity_signing_keys: 'integrity',
  markets: 'markets',
  terminals: 'markets',
  catalog_items: 'markets',
  catalog_prices: 'markets',
  stock_movements: 'markets',
  redemptions: 'markets',
  redemption_lines: 'markets',
  refunds: 'markets',
  refund_lines: 'markets',
  baskets: 'markets',
  basket_lines: 'markets',
  certificate_counters: 'certificates',
  certificates: 'certificates',
  certificate_withdrawals: 'certificates',
  counted_records: 'reports',
  counted_day_totals: 'reports',
  counted_records_through: 'reports',
};

/** Files that read another module's table by name, and why. */
const BORROWERS: Record<string, { tables: string[]; why: string }> = {
  'auth/apiKeys.ts': { tables: ['org_units'], why: "a scoped key's path, read with the key (auth imports no domain module)" },
  'events/entrySource.ts': { tables: ['ledger_entries', 'ledger_postings', 'service_records'], why: "the event feed's scan of entries: one page merges every kind of row in one order, read-only, rows that no longer change" },
  'events/holdSource.ts': { tables: ['ledger_holds', 'ledger_hold_events'], why: "the event feed's scan of hold changes (as entrySource.ts)" },
  'events/recordSource.ts': { tables: ['service_records', 'service_record_events'], why: "the event feed's scan of record changes (as entrySource.ts)" },
  'events/sequencer.ts': {
    tables: ['tenants', 'ledger_entries', 'ledger_hold_events', 'service_record_events', 'config_changes', 'stock_movements'],
    why: "the feed's sequencer: which transactions wrote rows of the feed (the sources' tables, by tx_id), for every tenant, read-only",
  },
  'events/stockSource.ts': { tables: ['stock_movements', 'catalog_items'], why: "the event feed's scan of stock movements, with their item's sku, which never changes (as entrySource.ts)" },
  'events/configSource.ts': { tables: ['config_changes'], why: "the event feed's scan of configuration changes (as entrySource.ts)" },
  'exports/journal.ts': { tables: ['ledger_entries', 'ledger_postings', 'integrity_blocks'], why: 'the journal export streams every posting with its entry and block from one cursor, read-only' },
  'integrity/rows.ts': { tables: ['ledger_entries', 'ledger_postings'], why: 'sealing and proofs read committed entries with their postings to hash them, read-only' },
  'integrity/seal.ts': { tables: ['tenants'], why: "each tenant's sequence and last block in one statement, read-only" },
  'integrity/verify.ts': { tables: ['tenants', 'ledger_entries'], why: 'which tenants to check, and how many entries are not sealed yet, read-only' },
  'reports/figures.ts': {
    tables: ['members', 'org_units', 'markets'],
    why: "a participation report's passes over a period's counted records with their units and the members' homes, in one statement of one snapshot, read-only",
  },
  'reports/counted.ts': {
    tables: ['service_records'],
    why: 'a counted record is folded in with what a report groups it by (member, unit, category, source, start), columns that never change once a record is posted, read-only',
  },
  'demo/fill.ts': { tables: ['org_units', 'members', 'member_cards', 'ledger_entries', 'ledger_accounts', 'service_records', 'points_rules'], why: 'asks every table the demo writes whether it holds anything else, read-only' },
};

// kysely's builders and the keywords of raw SQL that name a table.
const NAMED = [/\b(?:selectFrom|insertInto|updateTable|deleteFrom|innerJoin|leftJoin|rightJoin)\(\s*'([a-z_]+)/g, /\b(?:FROM|JOIN|INTO|UPDATE)\s+([a-z_]+)/g];

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** The tables a source names in queries. */
export function tablesNamed(source: string): Set<string> {
  const found = new Set<string>();
  for (const re of NAMED) for (const m of source.matchAll(re)) if (m[1]! in OWNERS) found.add(m[1]!);
  return found;
}

const moduleOf = (file: string) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : file);

t.test('the scan finds a table named by a builder or by raw SQL', async (t) => {
  t.same([...tablesNamed("db.selectFrom('members as m').innerJoin('org_units as o', …)")].sort(), ['members', 'org_units']);
  t.same([...tablesNamed('sql`SELECT 1 FROM ledger_balances b JOIN star_changes s ON true`')].sort(), ['ledger_balances', 'star_changes']);
  t.same([...tablesNamed('sql`INSERT INTO service_records (…) SELECT … FROM unnest(…)`')], ['service_records']);
});

t.test('every table of src/db/schema.ts has an owner here', async (t) => {
  const schema = fs.readFileSync(path.join(SRC, 'db', 'schema.ts'), 'utf8');
  const block = /export interface DB \{([^}]*)\}/.exec(schema)?.[1] ?? '';
  const tables = [...block.matchAll(/^\s*([a-z_]+):/gm)].map((m) => m[1]!);
  t.ok(tables.length > 10, `read ${tables.length} tables`);
  t.same(tables.filter((table) => !(table in OWNERS)).sort(), [], 'tables without an owner in OWNERS (add them)');
});

t.test("only a table's own module names it in a query", async (t) => {
  const strays: string[] = [];
  const seen = new Set<string>();
  for (const file of sources(SRC)) {
    const rel = path.relative(SRC, file);
    for (const table of tablesNamed(fs.readFileSync(file, 'utf8'))) {
      seen.add(table);
      if (moduleOf(rel) === OWNERS[table] || BORROWERS[rel]?.tables.includes(table)) continue;
      strays.push(`${rel} names ${table} (owned by ${OWNERS[table]})`);
    }
  }
  t.same(strays, [], 'no module names a table it does not own');
  t.same([...seen].sort(), Object.keys(OWNERS).sort(), 'every table is named by its owner somewhere (the list is current)');
  for (const [rel, { tables }] of Object.entries(BORROWERS)) {
    const named = tablesNamed(fs.readFileSync(path.join(SRC, rel), 'utf8'));
    t.same(tables.filter((table) => !named.has(table)), [], `${rel} still reads every table it is listed for`);
  }
});
