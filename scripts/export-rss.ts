// Peak memory of the journal export at growing sizes (issue 22: "memory flat for any size").
//
//   node --import tsx scripts/export-rss.ts [--postings 100000,1000000] [--format csv|jsonl]
//
// For each size: a fresh database on the Postgres of TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/postgres), a tenant with 1,000 members whose history of
// `postings` postings (two per entry) is loaded in bulk, every entry sealed; then `npm run cli --
// export` writes the whole journal to a file while its peak RSS (VmHWM of /proc/<pid>/status) is
// read, and `verify-export --accounts` checks the file offline, its totals against the database's
// balances. Prints one JSON line per size. Not part of CI (a million postings take minutes).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { Signer, listPublicKeys } from '../src/integrity/keys.js';
import { sealTenants } from '../src/integrity/seal.js';
import { createTenant } from '../src/tenants/tenants.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SERVER = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MEMBERS = 1000;
const SECRET = 'export-rss-signing-secret-0123456789abcdef';

const { values } = parseArgs({ options: { postings: { type: 'string', default: '100000,1000000' }, format: { type: 'string', default: 'csv' } } });
const sizes = String(values.postings).split(',').map(Number);
const format = String(values.format);

/** Runs the CLI, sampling its peak RSS; resolves with the exit code, output and the peak in MiB. */
function runMeasured(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; peakMb: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakKb = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // exited
      }
    };
    const timer = setInterval(sample, 50);
    child.on('error', reject);
    child.on('exit', () => sample());
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ code, stdout, stderr, peakMb: Math.round(peakKb / 102.4) / 10, seconds: (Date.now() - started) / 1000 });
    });
  });
}

async function measure(postings: number): Promise<Record<string, unknown>> {
  const name = `export_rss_${Date.now()}`;
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-rss-'));
  const database = await openDatabase({ engine: 'postgres', url: url.toString(), poolSize: 4 });
  try {
    const db = database.db;
    await migrateToLatest(db);
    const { tenantId } = await createTenant(db, { id: 'rss', name: '导出测试县' });
    const t0 = Date.now();
    await sql`INSERT INTO ledger_accounts (tenant_id, account_id, unit, type, allow_negative, slots, name)
      SELECT ${tenantId}, 'member:' || g || ':points', 'POINTS', 'member', false, 1, '志愿者 ' || g FROM generate_series(1, ${MEMBERS}) g
      UNION ALL SELECT ${tenantId}, 'issuance:county:points', 'POINTS', 'issuance', true, 1, '县中心发放'`.execute(db);
    await sql`INSERT INTO ledger_balances (tenant_id, account_id, slot, allow_negative)
      SELECT tenant_id, account_id, 0, allow_negative FROM ledger_accounts WHERE tenant_id = ${tenantId}`.execute(db);
    const entries = Math.ceil(postings / 2);
    await db.transaction().execute(async (trx) => {
      await sql`CREATE TEMP TABLE h ON COMMIT DROP AS SELECT g, gen_random_uuid() AS entry_id,
          nextval(format('%I', 'ledger_seq_' || ${tenantId}::text)::regclass) AS seq, 1 + g % ${MEMBERS} AS member, (1 + g % 20)::numeric AS points
        FROM generate_series(0, ${entries - 1}) g`.execute(trx);
      await sql`INSERT INTO ledger_entries (tenant_id, entry_id, seq, kind, reason, object_type, object_id, rule_version, occurred_at, metadata)
        SELECT ${tenantId}, entry_id, seq, 'award', '敬老院志愿服务 ' || points || ' 积分', 'bench', g::text, 1, now() - make_interval(days => g % 300), '{"hours":"1.00"}'
        FROM h ORDER BY seq`.execute(trx);
      await sql`INSERT INTO ledger_postings (tenant_id, entry_id, idx, seq, account_id, unit, amount, balance_after)
        SELECT ${tenantId}, entry_id, l.idx, seq, CASE l.idx WHEN 0 THEN 'issuance:county:points' ELSE 'member:' || member || ':points' END, 'POINTS',
          CASE l.idx WHEN 0 THEN -points ELSE points END,
          CASE l.idx WHEN 1 THEN sum(points) OVER (PARTITION BY member ORDER BY seq) END
        FROM h CROSS JOIN (VALUES (0::smallint), (1::smallint)) l(idx) ORDER BY seq, l.idx`.execute(trx);
      await sql`UPDATE ledger_balances b SET balance = d.total FROM (SELECT account_id, sum(amount) AS total FROM ledger_postings WHERE tenant_id = ${tenantId} GROUP BY 1) d
        WHERE b.tenant_id = ${tenantId} AND b.account_id = d.account_id`.execute(trx);
    });
    await sql`ANALYZE`.execute(db);
    const loadS = (Date.now() - t0) / 1000;
    const s0 = Date.now();
    const sealed = await sealTenants(db, new Signer(SECRET), { tenantId });
    const sealS = (Date.now() - s0) / 1000;
    const keysFile = path.join(dir, 'keys.json');
    fs.writeFileSync(keysFile, JSON.stringify({ tenantId, items: await listPublicKeys(db, tenantId) }));
    const file = path.join(dir, `journal.${format}`);
    const env = { DATABASE_URL: url.toString(), DATA_DIR: dir, SIGNING_KEY_SECRET: SECRET, CLI_PROGRESS: 'never' };
    const exported = await runMeasured(['export', '--tenant', tenantId, '--out', file, '--format', format], env);
    if (exported.code !== 0) throw new Error(`export failed: ${exported.stderr}`);
    const verified = await runMeasured(['verify-export', file, '--keys', keysFile, '--accounts'], env);
    const check = JSON.parse(verified.stdout);
    const balances = new Map(
      (await sql<{ account_id: string; balance: string }>`SELECT account_id, sum(balance)::text AS balance FROM ledger_balances WHERE tenant_id = ${tenantId} GROUP BY 1`.execute(db)).rows.map(
        (r) => [r.account_id, Number(r.balance).toFixed(2)],
      ),
    );
    const totalsMatch = check.accountTotals.every((a: { accountId: string; total: string }) => balances.get(a.accountId) === a.total) && check.accountTotals.length === balances.size;
    const out = JSON.parse(exported.stdout);
    return {
      postings: out.postings,
      format,
      bytes: out.bytes,
      load_s: loadS,
      seal_s: sealS,
      sealed_entries_per_s: Math.round(sealed[0]!.entries / sealS),
      export_s: exported.seconds,
      export_postings_per_s: Math.round(out.postings / exported.seconds),
      export_peak_rss_mb: exported.peakMb,
      verify_ok: check.ok,
      verify_s: verified.seconds,
      verify_peak_rss_mb: verified.peakMb,
      totals_match_balances: totalsMatch,
      blocks: check.blocks,
    };
  } finally {
    await database.close();
    // KEEP=1 keeps the database and the files (to profile them); the script says where.
    if (process.env.KEEP) console.error(`kept ${url} and ${dir}`);
    else {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await admin.end();
  }
}

for (const size of sizes) console.log(JSON.stringify(await measure(size)));
