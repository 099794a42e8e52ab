import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SESSION_OPTIONS } from '../src/db/database.js';
import { createDatabase, withClient } from './pg.js';
import type { County } from './seed.js';
import { databaseCpuByPid } from './service.js';
import { latency, type Latency, round, Samples } from './stats.js';

// Baselines measured in the same run, on the same Postgres, with the same client count as the
// service scenarios: what the server does with pgbench's own TPC-B-like write (-N), and with the
// least SQL one transfer needs (bench/sql/transfer.sql).

const SQL_DIR = path.join(import.meta.dirname, 'sql');

export interface PgbenchResult extends Latency {
  tps: number;
  transactions: number;
  failed: number;
  latency_avg_ms: number;
  clients: number;
  threads: number;
  duration_s: number;
  command: string;
  /** CPU time of the database's backends per transaction, as for the scenarios (local Postgres only). */
  db_cpu_ms_per_record?: number;
}

/**
 * How many cores the backends of a database used while `run` ran, sampled every second. pgbench
 * connects its clients at the start and they leave at the end, so a sample near either edge may
 * miss some: the span is taken from the second sample to the last but one, counting each backend
 * present at both ends.
 */
async function withDatabaseCpu<T>(dbName: string, run: () => Promise<T>): Promise<{ result: T; cores: number | null }> {
  const samples: { at: number; cpu: Map<number, number> }[] = [];
  const timer = setInterval(() => samples.push({ at: Date.now(), cpu: databaseCpuByPid(dbName) }), 1000);
  try {
    const result = await run();
    if (samples.length < 4) return { result, cores: null };
    const first = samples[1]!;
    const last = samples[samples.length - 2]!;
    let used = 0;
    for (const [pid, cpu] of last.cpu) {
      const before = first.cpu.get(pid);
      if (before !== undefined) used += cpu - before;
    }
    return { result, cores: used / ((last.at - first.at) / 1000) };
  } finally {
    clearInterval(timer);
  }
}

function pgbench(args: string[], cwd: string, env?: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('pgbench', args, { cwd, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`pgbench ${args.join(' ')} failed: ${(stderr || err.message).split('\n').slice(0, 6).join('\n')}`));
      else resolve(`${stdout}\n${stderr}`);
    });
  });
}

const num = (out: string, re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);

/** A warm-up, then the measured run with a per-transaction log for the percentiles. */
async function measure(
  url: string,
  args: string[],
  opts: { connections: number; duration: number; warmup: number },
  env?: Record<string, string>,
): Promise<PgbenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pgbench-'));
  try {
    const threads = Math.min(2, opts.connections);
    const common = ['-c', String(opts.connections), '-j', String(threads), ...args];
    if (opts.warmup > 0) await pgbench([...common, '-T', String(opts.warmup), url], dir, env);
    const measured = [...common, '-T', String(opts.duration), '-l', '--log-prefix', 'txlog', url];
    const { result: out, cores } = await withDatabaseCpu(new URL(url).pathname.slice(1), () => pgbench(measured, dir, env));
    // Log lines: client_id transaction_no time_us script_no epoch epoch_us (time is "failed" on a failure).
    const samples = new Samples();
    for (const file of fs.readdirSync(dir).filter((f) => f.startsWith('txlog'))) {
      for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
        const us = Number(line.split(' ')[2]);
        if (Number.isFinite(us)) samples.push(us / 1000);
      }
    }
    const tps = num(out, /tps = ([\d.]+) \(without initial connection time\)/);
    return {
      tps: round(tps, 1),
      transactions: num(out, /number of transactions actually processed: (\d+)/),
      failed: num(out, /number of failed transactions: (\d+)/) || 0,
      latency_avg_ms: num(out, /latency average = ([\d.]+) ms/),
      clients: opts.connections,
      threads,
      duration_s: opts.duration,
      command: `pgbench ${measured.slice(0, -1).join(' ')} <db>`,
      ...(cores !== null && tps > 0 ? { db_cpu_ms_per_record: round((cores * 1000) / tps, 2) } : {}),
      ...latency(samples.values()),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface Baselines {
  pgbench_tpcb_simple?: PgbenchResult & { scale: number };
  sql_transfer?: PgbenchResult & { accounts: number; ledger_balanced: boolean };
  /** Not a baseline of the server but of the service's ledger function: see ledgerPostSql. */
  ledger_post_sql?: PgbenchResult;
  /** ledger_post with two postings between random accounts of 10,000, as sql_transfer moves them. */
  ledger_post_2?: PgbenchResult & { accounts: number };
  /** A hold then its capture (two transactions) by the ledger's SQL functions: see holdCaptureSql. */
  hold_capture_sql?: PgbenchResult & { accounts: number };
}

export async function runBaselines(
  which: { tpcb: boolean; transfer: boolean },
  opts: { connections: number; duration: number; warmup: number },
  log: (line: string) => void,
): Promise<Baselines> {
  const result: Baselines = {};
  if (!which.tpcb && !which.transfer) return result;
  const db = await createDatabase('_baseline');
  try {
    if (which.tpcb) {
      const scale = 10;
      log(`pgbench -i -s ${scale} into ${db.name}`);
      await pgbench(['-i', '-q', '-s', String(scale), db.url], os.tmpdir());
      log(`pgbench -N, ${opts.connections} clients, ${opts.duration} s`);
      result.pgbench_tpcb_simple = { ...(await measure(db.url, ['-N'], opts)), scale };
    }
    if (which.transfer) {
      await withClient(db.url, (c) => c.query(fs.readFileSync(path.join(SQL_DIR, 'transfer.sql'), 'utf8')));
      log(`sql transfer (pgbench -M prepared -f transfer.pgbench), ${opts.connections} clients, ${opts.duration} s`);
      // Prepared, as the service sends its statements: the limit, not parsing and planning each time.
      const measured = await measure(db.url, ['-n', '-M', 'prepared', '-f', path.join(SQL_DIR, 'transfer.pgbench')], opts);
      // The baseline's own ledger must balance too: postings sum to zero, balances equal postings.
      const balanced = await withClient(db.url, async (c) => {
        const { rows } = await c.query<{ ok: boolean }>(
          `SELECT (SELECT coalesce(sum(amount), 0) = 0 FROM xfer.postings)
             AND NOT EXISTS (SELECT 1 FROM xfer.accounts a
               LEFT JOIN (SELECT account_id, sum(amount) AS posted FROM xfer.postings GROUP BY account_id) p USING (account_id)
               WHERE a.balance <> coalesce(p.posted, 0)) AS ok`,
        );
        return rows[0]!.ok;
      });
      result.sql_transfer = { ...measured, accounts: 10_000, ledger_balanced: balanced };
    }
  } finally {
    await db.drop();
  }
  return result;
}

/**
 * ledger-post-sql: the ledger's own write function (ledger_post, migration 0001) driven by
 * pgbench on the service's database, one award-shaped entry per transaction for a random member
 * and station of the county. Between post-direct (the same call from Node through kysely, with
 * BEGIN and COMMIT) and sql transfer (the least SQL a transfer needs), it shows what the ledger's
 * function costs in the database alone.
 */
export async function ledgerPostSql(url: string, county: County, opts: { connections: number; duration: number; warmup: number }): Promise<PgbenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ledger-post-'));
  try {
    const quote = (v: string) => `'${v.replaceAll("'", "''")}'`;
    const stations = `ARRAY[${county.stations.map(quote).join(',')}]`;
    // A random member: the first id at or after a random uuid (one probe of the primary key).
    const member = `coalesce(
        (SELECT member_id FROM members WHERE tenant_id = ${quote(county.tenantId)} AND member_id >= gen_random_uuid() ORDER BY member_id LIMIT 1),
        (SELECT member_id FROM members WHERE tenant_id = ${quote(county.tenantId)} ORDER BY member_id LIMIT 1))`;
    // pgbench ends an SQL command at its semicolon, so the command may span lines. With -M
    // prepared it reads every ":name" as a variable, inside string literals too: the account ids'
    // colons are written chr(58).
    const id = (...parts: string[]) => `concat_ws(chr(58), ${parts.join(', ')})`;
    const script = [
      `\\set sid random(1, ${county.stations.length})`,
      `SELECT e.entry_id FROM (SELECT (${stations})[:sid] AS s, ${member} AS m) x,`,
      `  LATERAL ledger_post(${quote(county.tenantId)}, 'award', now(), 'bench ledger-post-sql: 0.10 h × 10 = 1.00 (rule v1)',`,
      `    NULL, 'bench_sql', NULL, 1, NULL, NULL,`,
      `    ARRAY[${id("'issuance'", 'x.s', "'hours'")}, ${id("'member'", 'x.m', "'hours'")}, ${id("'issuance'", 'x.s', "'points'")}, ${id("'member'", 'x.m', "'points'")}],`,
      `    ARRAY['HOURS', 'HOURS', 'POINTS', 'POINTS'], ARRAY[-0.10, 0.10, -1.00, 1.00]::numeric[]) e;`,
      '',
    ].join('\n');
    const file = path.join(dir, 'ledger_post.pgbench');
    fs.writeFileSync(file, script);
    // As the service calls it: a prepared statement, on a session with the service's settings.
    return await measure(url, ['-n', '-M', 'prepared', '-f', file], opts, { PGOPTIONS: SESSION_OPTIONS });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The accounts ledger-post-2 (and hold-capture) move points between: xfer.1 … xfer.<count>. */
export const XFER_ACCOUNTS = 10_000;
export const xferAccount = (n: number) => `xfer.${n}`;
const XFER_FUNDING = '1000000.00';

/**
 * Opens XFER_ACCOUNTS non-negative POINTS accounts (as transfer.sql has 10,000 accounts) and funds
 * each with XFER_FUNDING through ledger_post itself, from one issuance account that may go
 * negative: the balances are real ledger balances, so `verify` still proves them, and every
 * transfer's debit passes the same guard a member's redemption does.
 */
export async function setUpXferAccounts(url: string, tenantId: string): Promise<void> {
  await withClient(url, async (c) => {
    await c.query('BEGIN');
    try {
      await c.query(
        `INSERT INTO ledger_accounts (tenant_id, account_id, unit, type, allow_negative, slots)
         VALUES ($1, 'xfer.source', 'POINTS', 'issuance', true, 1)`,
        [tenantId],
      );
      await c.query(
        `INSERT INTO ledger_accounts (tenant_id, account_id, unit, type, allow_negative, slots)
         SELECT $1, 'xfer.' || g, 'POINTS', 'system', false, 1 FROM generate_series(1, $2::int) AS g`,
        [tenantId, XFER_ACCOUNTS],
      );
      await c.query(
        `INSERT INTO ledger_balances (tenant_id, account_id, slot, allow_negative)
         SELECT tenant_id, account_id, 0, allow_negative FROM ledger_accounts WHERE tenant_id = $1 AND account_id LIKE 'xfer.%'`,
        [tenantId],
      );
      // One funding entry per 1,000 accounts: the source pays, each account gets XFER_FUNDING.
      for (let from = 1; from <= XFER_ACCOUNTS; from += 1000) {
        const ids = Array.from({ length: Math.min(1000, XFER_ACCOUNTS - from + 1) }, (_, i) => xferAccount(from + i));
        const total = (Number(XFER_FUNDING) * ids.length).toFixed(2);
        await c.query(
          `SELECT entry_id FROM ledger_post($1, 'adjustment', now(), 'bench: fund the transfer accounts', NULL, 'bench_xfer', NULL, NULL, NULL, NULL,
             $2::text[], array_fill('POINTS'::text, ARRAY[$3::int]), $4::numeric[])`,
          [tenantId, ['xfer.source', ...ids], ids.length + 1, [`-${total}`, ...ids.map(() => XFER_FUNDING)]],
        );
      }
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    }
  });
}

/**
 * ledger-post-2: ledger_post with two postings between two random accounts of the 10,000 opened by
 * setUpXferAccounts, one transfer per transaction, driven by pgbench exactly as the sql transfer
 * baseline drives xfer.transfer (prepared, same clients, same draw of two accounts): the like-for-
 * like comparison of the ledger's write function with the least SQL a transfer needs.
 */
export async function ledgerPost2(url: string, tenantId: string, opts: { connections: number; duration: number; warmup: number }): Promise<PgbenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ledger-post2-'));
  try {
    const quote = (v: string) => `'${v.replaceAll("'", "''")}'`;
    const script = [
      `\\set from random(1, ${XFER_ACCOUNTS})`,
      `\\set to random(1, ${XFER_ACCOUNTS})`,
      // As transfer.sql: when the two draws are the same account, the next one receives.
      `SELECT entry_id FROM ledger_post(${quote(tenantId)}, 'transfer', now(), NULL, NULL, NULL, NULL, NULL, NULL, NULL,`,
      `  ARRAY['xfer.' || :from::int, 'xfer.' || CASE WHEN :to::int = :from::int THEN :from::int % ${XFER_ACCOUNTS} + 1 ELSE :to::int END],`,
      `  ARRAY['POINTS', 'POINTS'], ARRAY[-1.00, 1.00]::numeric[]);`,
      '',
    ].join('\n');
    const file = path.join(dir, 'ledger_post2.pgbench');
    fs.writeFileSync(file, script);
    return await measure(url, ['-n', '-M', 'prepared', '-f', file], opts, { PGOPTIONS: SESSION_OPTIONS });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * hold-capture-sql: what the hold-capture scenario asks of the database alone. One pgbench
 * "transaction" is a pair: ledger_hold_create (1.00 point of a random account of the 10,000) and
 * ledger_hold_resolve capturing it to another random account, each statement its own transaction
 * (two commits, as the two HTTP requests make), prepared, on sessions with the service's settings.
 * Its tps are pairs/s, comparable with ledger-post-2's transactions/s: the part of the
 * hold-capture ratio that the ledger's functions set, with no HTTP, idempotency or read-back.
 */
export async function holdCaptureSql(url: string, tenantId: string, opts: { connections: number; duration: number; warmup: number }): Promise<PgbenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-hold-capture-'));
  try {
    const quote = (v: string) => `'${v.replaceAll("'", "''")}'`;
    const script = [
      `\\set from random(1, ${XFER_ACCOUNTS})`,
      `\\set to random(1, ${XFER_ACCOUNTS})`,
      'SELECT gen_random_uuid() AS hold \\gset',
      `SELECT created_at FROM ledger_hold_create(${quote(tenantId)}, :hold::uuid, 'xfer.' || :from::int, 'POINTS', 1.00, NULL, 300, NULL, NULL, 'bench');`,
      `SELECT entry_id FROM ledger_hold_resolve(${quote(tenantId)}, :hold::uuid, 'capture', 1.00,`,
      `  ARRAY['xfer.' || CASE WHEN :to::int = :from::int THEN :from::int % ${XFER_ACCOUNTS} + 1 ELSE :to::int END], ARRAY[NULL::numeric], NULL, 'bench', NULL);`,
      '',
    ].join('\n');
    const file = path.join(dir, 'hold_capture.pgbench');
    fs.writeFileSync(file, script);
    return await measure(url, ['-n', '-M', 'prepared', '-f', file], opts, { PGOPTIONS: SESSION_OPTIONS });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
