import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { openDatabase } from '../src/db/database.js';
import { migrator } from '../src/db/migrate.js';
import { createTenant } from '../src/tenants/tenants.js';
import { databaseUrl, withClient } from './pg.js';
import { chinaMidnight, RecordMaker } from './records.js';
import { call, pool, setUpCounty } from './seed.js';
import { startService } from './service.js';

// The whole award's database work, counted in instructions: bench/callgrind.sh counts one
// statement of the write path; this captures every statement the service sends for awards under
// load (the members' reads and locks, the idempotency rows, the award writer's statement with the
// ledger's entry, the commits, and the background's statements meanwhile) so that callgrind can
// count them all, whatever the machine's speed. Run against a private cluster started with
// `-c logging_collector=on -c log_destination=csvlog -c log_directory=<--log>` (README
// "Performance", "The whole award in instructions"), as root (it writes <--out>):
//   1. sets up a county in database `awardcost` through the service (20 stations, 2,000 members),
//      posts --warm awards, VACUUM ANALYZE;
//   2. stops the service and copies the database to `awardcost_base`, where a replay starts;
//   3. starts the service again with log_statement=all on `awardcost` only, posts --awards awards
//      with --connections in flight (so the service groups them as under load), stops it;
//   4. turns that csvlog into <--out>/replay.<k>.sql for each cut k (default a quarter and three
//      quarters of the award transactions): the transactions up to the k-th that wrote records, in
//      the order they committed, each statement with its logged parameters, prepared as the
//      service's connections prepare them (src/db/database.ts: by name, once per connection), and
//      at the end the number of service records.
// Then `bench/callgrind.sh <datadir> awardcost_base replay <k1> <k2>` replays each on a fresh copy;
// (I(k2) − I(k1)) ÷ (records(k2) − records(k1)) is what one award costs the database. To count a
// schema change, copy awardcost_base, migrate the copy (up or down) and replay the same files on
// both. The replay runs in one single-user backend: no lock waits, no network; it reads the
// statements a character at a time and prints every row it answers, about a tenth of its count
// that a socket would not cost (the same for every schema, so a difference is understated by as
// much). The feed's background steps replay with the logged transaction ids, which no longer
// match: they may fail (the count of ERRORs says so) and then count less than they did.

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'postgres://postgres@127.0.0.1:5499/postgres' },
    log: { type: 'string', default: '/tmp/cglog' },
    out: { type: 'string', default: '/tmp/awardcost' },
    warm: { type: 'string', default: '3000' },
    awards: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '32' },
    cuts: { type: 'string', default: '' },
    to: { type: 'string' },
  },
});
const NAME = 'awardcost';
const url = databaseUrl(NAME, values.server);
const out = values.out!;
fs.mkdirSync(out, { recursive: true });

async function post(baseUrl: string, keys: { key: string; orgUnitId: string }[], maker: RecordMaker, n: number, connections: number): Promise<void> {
  await pool(n, connections, async (i) => {
    const k = keys[i % keys.length]!;
    const answer = await call(baseUrl, k.key, 'POST', '/v1/service-records', maker.next(k.orgUnitId));
    if (answer.status !== 201 || answer.body.record?.status !== 'verified') throw new Error(`award ${i}: ${answer.status} ${JSON.stringify(answer.body)}`);
  });
}

await withClient(values.server!, async (c) => {
  for (const db of [NAME, `${NAME}_base`]) await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${NAME}`);
});
const database = await openDatabase({ engine: 'postgres', url, poolSize: 2 });
// --to: the schema as of an earlier migration, to count what a later one changed.
const migrated = values.to ? await migrator(database.db).migrateTo(values.to) : await migrator(database.db).migrateToLatest();
if (migrated.error) throw migrated.error;
const tenant = await createTenant(database.db, { id: 'bench', name: '基准测试县' });
await database.close();
const env = { DATABASE_URL: url, SEAL_MS: '0', EXPIRY_MS: '0' };
let service = await startService('awardcost', env);
const county = await withClient(url, (bulk) =>
  setUpCounty(service.baseUrl, { tenantId: tenant.tenantId, adminKey: tenant.adminKey.key }, { stations: 20, members: 2000, viaApi: 200, concurrency: 8 }, bulk),
);
const anchor = chinaMidnight();
await post(service.baseUrl, county.keys, new RecordMaker(county.members, anchor, 1, 'warm'), Number(values.warm), Number(values.connections));
await service.stop();
await withClient(url, (c) => c.query('VACUUM ANALYZE'));
await withClient(values.server!, async (c) => {
  await c.query(`CREATE DATABASE ${NAME}_base TEMPLATE ${NAME}`);
  await c.query(`ALTER DATABASE ${NAME} SET log_statement = 'all'`);
});
const since = new Date();
service = await startService('awardcost', env);
await post(service.baseUrl, county.keys, new RecordMaker(county.members, anchor, 2, 'cost'), Number(values.awards), Number(values.connections));
await service.stop();
await withClient(values.server!, (c) => c.query(`ALTER DATABASE ${NAME} RESET log_statement`));

// The csvlog's columns (Postgres 15): 0 time, 2 database, 3 pid, 13 message, 14 detail.
type Unit = { pid: string; statements: string[]; award: boolean };
const open = new Map<string, Unit>();
const committed: Unit[] = [];
const prepared = new Set<string>();
const literal = /\$(\d+) = (NULL|'(?:[^']|'')*')/g;
const files = fs.readdirSync(values.log!).filter((f) => f.endsWith('.csv')).sort();
for (const f of files) {
  const rows: string[][] = parse(fs.readFileSync(path.join(values.log!, f)), { relax_column_count: true });
  for (const row of rows) {
    if (row[2] !== NAME || new Date(row[0]!) < since) continue;
    const m = /^(?:statement|execute ([^:]+)): ([\s\S]*)$/.exec(row[13]!);
    if (!m) continue;
    const pid = row[3]!;
    const text = m[2]!.trim();
    const params: string[] = [];
    for (const p of (row[14] ?? '').matchAll(literal)) params[Number(p[1]) - 1] = p[2]!;
    // As the service's connections run them (src/db/database.ts): a statement it named is
    // prepared on the connection's first use of the name and executed by name after; an unnamed
    // one is parsed and planned each time. The replay's one session stands in for every
    // connection, so a name is the connection's (its pid) and the service's.
    const named = m[1] && m[1] !== '<unnamed>' ? `p${pid}_${m[1]}` : null;
    let stmt: string;
    // PREPARE takes only SELECT, INSERT, UPDATE, DELETE and VALUES (the protocol also BEGIN and COMMIT).
    const utility = !/^(select|insert|update|delete|values|with)\b/i.test(text);
    if ((params.length === 0 && !named) || utility) stmt = `${text};`;
    else if (!named) stmt = `PREPARE q AS ${text};\n\nEXECUTE q(${params.join(', ')});\n\nDEALLOCATE q;`;
    else {
      stmt = `${prepared.has(named) ? '' : `PREPARE ${named} AS ${text};\n\n`}EXECUTE ${named}${params.length ? `(${params.join(', ')})` : ''};`;
      prepared.add(named);
    }
    const unit = open.get(pid) ?? { pid, statements: [], award: false };
    unit.statements.push(stmt);
    unit.award ||= text.includes('INSERT INTO service_records');
    // A unit ends at COMMIT or ROLLBACK, or is a statement on its own outside a transaction.
    const verb = text.split(/\s/, 1)[0]!.toLowerCase();
    if (verb === 'commit' || verb === 'rollback' || (verb !== 'begin' && !open.has(pid))) {
      open.delete(pid);
      committed.push(unit);
    } else open.set(pid, unit);
  }
}
// A cut is a number of award transactions (those that write service records): the replay ends
// with the k-th of them, the background's transactions before it included.
const awardUnits = committed.flatMap((u, i) => (u.award ? [i] : []));
const cuts = values.cuts ? values.cuts.split(',').map(Number) : [Math.round(awardUnits.length / 4), Math.round((awardUnits.length * 3) / 4)];
for (const k of cuts) {
  const body = committed.slice(0, awardUnits[k - 1]! + 1).flatMap((u) => u.statements).join('\n\n');
  fs.writeFileSync(path.join(out, `replay.${k}.sql`), `${body}\n\nSELECT count(*) AS awards FROM service_records;\n\n`);
}
await withClient(url, async (c) => {
  const { rows } = await c.query<{ n: string }>('SELECT count(*) AS n FROM service_records');
  console.log(JSON.stringify({ transactions: committed.length, awardTransactions: awardUnits.length, cuts, records: Number(rows[0]!.n), unfinished: open.size }));
});
