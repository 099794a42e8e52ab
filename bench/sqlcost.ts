import fs from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { SESSION_OPTIONS, openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createTenant } from '../src/tenants/tenants.js';
import { setUpXferAccounts, XFER_ACCOUNTS } from './baselines.js';
import { cleanupAll, cleanupOnSignals } from './cleanup.js';
import { createDatabase } from './pg.js';
import { round } from './stats.js';

// npm run bench:sqlcost [-- --calls n --rounds r --before "<sql>"]
//
// What one call of the ledger's write function costs the database, repeatably on a busy machine:
// one session calls it n times in a row (each its own transaction, as the service does), and the
// CPU time of that session's backend (/proc, user + system) is read before and after. CPU time
// does not count waiting for the cores, so other load on the machine changes it little; the
// median of r rounds is reported. Statements: ledger_post with 2 postings between random funded
// accounts (as ledger-post-2), with 4 postings (award-shaped: on plain accounts, and on a member's
// own accounts, where the credit of points opens a lot), sixteen of the latter in one call of
// ledger_post_many (award_16, as the award writer posts a group), and the bare transfer of
// bench/sql/transfer.sql in the same database, for the ratio. SQLCOST_ONLY=a,b picks some.
// On a machine whose CPU times are noisy (2026-12-07: the bare transfer 100 to 250 µs a call in
// six runs of the same statement), count instructions instead (bench/callgrind.sh).

const { values } = parseArgs({
  options: { calls: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '5' }, before: { type: 'string' } },
});
const CALLS = Number(values.calls);
const ROUNDS = Number(values.rounds);

function backendCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

async function main() {
  cleanupOnSignals();
  const db = await createDatabase('_sqlcost');
  const database = await openDatabase({ engine: 'postgres', url: db.url, poolSize: 2 });
  await migrateToLatest(database.db);
  await createTenant(database.db, { id: 'cost', name: 'cost' });
  await database.close();
  await setUpXferAccounts(db.url, 'cost');
  const c = new pg.Client({ connectionString: db.url, options: SESSION_OPTIONS });
  await c.connect();
  await c.query(fs.readFileSync(new URL('./sql/transfer.sql', import.meta.url), 'utf8'));
  // Issuance-shaped (may go negative) accounts for the 4-posting entry.
  await c.query(`INSERT INTO ledger_accounts (tenant_id, account_id, unit, type, allow_negative, slots) VALUES
    ('cost', 'iss.h', 'HOURS', 'issuance', true, 1), ('cost', 'iss.p', 'POINTS', 'issuance', true, 1)`);
  await c.query(`INSERT INTO ledger_accounts (tenant_id, account_id, unit, type, allow_negative, slots)
    SELECT 'cost', 'mh.' || g, 'HOURS', 'member', false, 1 FROM generate_series(1, ${XFER_ACCOUNTS}) g`);
  // Members' own accounts for award_4: a credit of member:<id>:points opens a lot (0012's trigger).
  await c.query(`INSERT INTO ledger_accounts (tenant_id, account_id, unit, type, allow_negative, slots)
    SELECT 'cost', 'member:c' || g || ':' || lower(u), u, 'member', false, 1
    FROM generate_series(1, ${XFER_ACCOUNTS}) g CROSS JOIN (VALUES ('HOURS'), ('POINTS')) AS units(u)`);
  await c.query(`INSERT INTO ledger_balances (tenant_id, account_id, slot, allow_negative)
    SELECT tenant_id, account_id, 0, allow_negative FROM ledger_accounts
    WHERE account_id LIKE 'iss.%' OR account_id LIKE 'mh.%' OR account_id LIKE 'member:%'`);
  // --before "<sql>": a change to try (e.g. a constraint dropped), run once the schema is set up.
  if (values.before) await c.query(values.before);
  await c.query('VACUUM ANALYZE');
  // The commit's wait for the disk is not the statement's cost, and the fsync's kernel time would
  // be charged to this backend: the session does not wait for its commits to be flushed.
  await c.query('SET synchronous_commit = off');
  const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const r = () => 1 + Math.floor(Math.random() * XFER_ACCOUNTS);
  const two = () => {
    const a = r();
    const b = r();
    return [`xfer.${a}`, `xfer.${b === a ? (a % XFER_ACCOUNTS) + 1 : b}`];
  };
  // An award-shaped entry: 0.10 h and 1.00 point from the issuance accounts to an hours account ($1) and a points account ($2).
  const award4 = `SELECT entry_id FROM ledger_post('cost', 'award', now(), 'award 0.10 h', NULL, 'bench', NULL, 1, NULL, '{"hours":"0.10"}',
    ARRAY['iss.h', $1, 'iss.p', $2]::text[], ARRAY['HOURS','HOURS','POINTS','POINTS'], ARRAY[-0.10, 0.10, -1.00, 1.00]::numeric[])`;
  const statements: Record<string, { text: string; args: () => unknown[] }> = {
    sql_transfer: { text: 'SELECT xfer.transfer($1, $2, 1.00)', args: () => [r(), r()] },
    ledger_post_2: {
      text: `SELECT entry_id FROM ledger_post('cost', 'transfer', now(), NULL, NULL, NULL, NULL, NULL, NULL, NULL, $1::text[], ARRAY['POINTS','POINTS'], ARRAY[-1.00, 1.00]::numeric[])`,
      args: () => [two()],
    },
    ledger_post_4: {
      text: award4,
      args: () => {
        const n = r();
        return [`mh.${n}`, `xfer.${n}`];
      },
    },
    // ledger_post_4's entry on a member's own accounts, as an award writes it: its credit of
    // points also opens a lot (ledger_post_4's credit of xfer.<n> does not).
    award_4: {
      text: award4,
      args: () => {
        const n = r();
        return [`member:c${n}:hours`, `member:c${n}:points`];
      },
    },
    // award_4's entry sixteen times in one call of ledger_post_many, on sixteen different members,
    // as the award writer posts a group (its figure is per call: ÷ 16 for an award's).
    award_16: {
      text: `SELECT count(*) FROM ledger_post_many('cost', array_fill('award'::text, ARRAY[16]), array_fill(now(), ARRAY[16]),
        array_fill('award 0.10 h'::text, ARRAY[16]), array_fill(NULL::uuid, ARRAY[16]), array_fill('bench'::text, ARRAY[16]),
        array_fill(NULL::text, ARRAY[16]), array_fill(1, ARRAY[16]), array_fill(NULL::text, ARRAY[16]),
        array_fill('{"hours":"0.10"}'::jsonb, ARRAY[16]), ARRAY(SELECT 1 + g / 4 FROM generate_series(0, 63) g), $1::text[],
        ARRAY(SELECT (ARRAY['HOURS','HOURS','POINTS','POINTS'])[1 + g % 4] FROM generate_series(0, 63) g),
        ARRAY(SELECT (ARRAY[-0.10, 0.10, -1.00, 1.00]::numeric[])[1 + g % 4] FROM generate_series(0, 63) g), NULL, NULL)`,
      args: () => {
        const members = new Set<number>();
        while (members.size < 16) members.add(r());
        return [[...members].flatMap((n) => ['iss.h', `member:c${n}:hours`, 'iss.p', `member:c${n}:points`])];
      },
    },
  };
  const only = process.env.SQLCOST_ONLY?.split(',');
  const out: Record<string, { us_per_call: number; min_us: number; rounds: number[] }> = {};
  for (const [name, st] of Object.entries(statements)) {
    if (only && !only.includes(name)) continue;
    const perRound: number[] = [];
    for (let round_ = 0; round_ < ROUNDS + 1; round_++) {
      // As autovacuum would: without it, the plans this session made while the tables were small
      // (a foreign key's check, the lots step's look-ups) stay seq scans as the tables grow, and
      // each round cost more than the one before (2026-12-06: the bare transfer 300 → 845 µs over
      // five rounds). ANALYZE invalidates them; its own CPU is outside the round's reading.
      await c.query('ANALYZE');
      const before = backendCpuMs(pid);
      for (let i = 0; i < CALLS; i++) await c.query({ name, text: st.text, values: st.args() });
      const used = backendCpuMs(pid) - before;
      if (round_ > 0) perRound.push(round((used * 1000) / CALLS, 1)); // the first round warms up
    }
    const sorted = [...perRound].sort((a, b) => a - b);
    // The median, and the least (the round other load on the machine disturbed least).
    out[name] = { us_per_call: sorted[Math.floor(sorted.length / 2)]!, min_us: sorted[0]!, rounds: perRound };
  }
  for (const [name, o] of Object.entries(out)) console.log(`${name.padEnd(14)} median ${o.us_per_call} µs  min ${o.min_us} µs  rounds ${o.rounds.join(' ')}`);
  for (const name of ['ledger_post_2', 'ledger_post_4', 'award_4']) {
    if (out.sql_transfer && out[name]) console.log(`${name} ÷ sql_transfer (CPU, median): ${round(out[name].us_per_call / out.sql_transfer.us_per_call, 2)}`);
  }
  await c.end();
  await db.drop();
}

main()
  .then(() => cleanupAll())
  .catch(async (err) => {
    console.error(err);
    await cleanupAll();
    process.exit(1);
  });
