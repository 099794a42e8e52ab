import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { Signer } from '../src/integrity/keys.js';
import { sealTenants } from '../src/integrity/seal.js';
import { verifyLedger } from '../src/ledger/verify.js';
import { foldSealed } from '../src/reports/participation.js';
import { createTenant } from '../src/tenants/tenants.js';
import { holdCaptureSql, ledgerPost2, ledgerPostSql, runBaselines, setUpXferAccounts, XFER_ACCOUNTS, xferAccount } from './baselines.js';
import { cleanupAll, cleanupOnSignals, onCleanup } from './cleanup.js';
import type { ClientConfig, ClientResult } from './client.js';
import { postDirect } from './direct.js';
import { runClient } from './load.js';
import { type Activity, createDatabase, SERVER_URL, sampleActivity, serverInfo, settle, standInForAutovacuum, withClient } from './pg.js';
import { awardsPerSecond, EXPIRE, measureExpiry, seedLapsedLots } from './expire.js';
import { exportJournal, sampleSealLag } from './integrity.js';
import { chinaMidnight } from './records.js';
import { BASELINES, derive, problems, type Report, SCENARIOS, type ScenarioName, scenarioResult, table } from './report.js';
import { call, type County, loadHistory, setUpCounty, smokeCheck } from './seed.js';
import { MARKET, setUpMarket } from './redeem.js';
import { databaseCpuByPid, type ProcessSample, sampleProcess, type Service, startService } from './service.js';
import { round } from './stats.js';
import { chinaDay, loadRecords, REPORT_COUNTY, reportResult, timeReads } from './participation.js';

// npm run bench [-- --quick] [--duration s] [--warmup s] [--connections n] [--only a,b]
//
// Creates its own database on the Postgres of DATABASE_URL, sets a county up through the API,
// measures the baselines and the scenarios with a fixed warm-up and window each, verifies the
// ledger, writes bench/results/latest.json and prints a table. Everything it created is dropped
// at the end, also on failure or Ctrl-C.

const ROOT = path.resolve(import.meta.dirname, '..');
const RESULT_FILE = path.join(ROOT, 'bench', 'results', 'latest.json');
const USAGE = `usage: npm run bench -- [options]

  --quick              5 s per scenario, 2 s warm-up
  --duration <s>       measured seconds per scenario (default 20)
  --warmup <s>         warm-up seconds before each (default 5, quick 2)
  --connections <n>    concurrent clients, for the service and the baselines (default 32)
  --redeem-rate <n>    sales per second redeem's open loop offers (default 300, issue 19's target)
  --read-rate <n>      reads per second balance-read's open loop offers (default 2000, issue 17's target)
  --only <a,b,…>       scenarios: ${SCENARIOS.join(', ')}; baselines: ${BASELINES.join(', ')}
                       (baselines run by default when award or award-batch runs)

  DATABASE_URL         the Postgres server to use (default postgres://postgres@127.0.0.1:5432/postgres);
                       DATABASE_POOL_SIZE and other service settings pass through to the service.`;

// Members: the first `viaApi` registered through POST /v1/members, the rest in bulk (seed.ts).
const COUNTY = { stations: 20, members: 10_000, viaApi: 1_000 };
const EMBEDDED_COUNTY = { stations: 20, members: 1_000, viaApi: 1_000 };
const HISTORY_POSTINGS = 1_000_000;
// --quick loads a quarter: loading and verifying a million postings took 2 of its minutes on the
// shared machine, and a balance read is one probe of the balance table whatever the history.
const QUICK_HISTORY_POSTINGS = 250_000;
const BATCH_SIZE = 100;
// balance-read's open loop: the rate offered whatever the pace of the answers (issue 17).
const OPEN_LOOP_RATE = 2_000;
// redeem's open loop: the sales offered per second (issue 19), while awards run in the background
// at a steady pace from a few connections (a county's stations posting as the market sells).
const REDEEM_OPEN_RATE = 300;
const BACKGROUND_AWARD = { rate: 100, connections: 10 };
const ANALYZE_EVERY_S = 1;
// Lanes of the slot plan (bench/records.ts): one per load process writing to the same tenant.
const LANE = { smoke: 0, award: 1, hotStation: 2, batch: 3, seal: 4, redeem: 5, redeemOpen: 6, redeemHot: 7, expireAlone: 8, expireBeside: 9, sealOff: 10, sealOffAfter: 11 };
// seal: the service that seals, every SEAL_MS_SEALING; the bench's main service does not seal
// (SEAL_MS=0), so that every other figure is comparable with the runs before sealing existed.
const SEAL_MS_SEALING = 1000;
/** Reads of the report (JSON, then the page) timed in the report scenario. */
const REPORT_RUNS = 5;
const BENCH_SIGNING_SECRET = 'bench-signing-secret-0123456789abcdef0123';

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string', default: '32' },
      only: { type: 'string' },
      'redeem-rate': { type: 'string' },
      'read-rate': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const positive = (name: string, raw: string) => {
    const v = Number(raw);
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive whole number, got ${raw}\n\n${USAGE}`);
    return v;
  };
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const known: readonly string[] = [...SCENARIOS, ...BASELINES];
  for (const name of only ?? []) if (!known.includes(name)) throw new Error(`--only: unknown "${name}"\n\n${USAGE}`);
  const scenarios = new Set<ScenarioName>(only ? SCENARIOS.filter((s) => only.includes(s)) : SCENARIOS);
  const historyPostings = values.quick ? QUICK_HISTORY_POSTINGS : HISTORY_POSTINGS;
  const needsRatio = scenarios.has('award') || scenarios.has('award-batch') || scenarios.has('http-floor') || scenarios.has('ledger-post-2');
  return {
    quick: values.quick,
    duration: values.duration ? positive('duration', values.duration) : values.quick ? 5 : 20,
    warmup: values.warmup ? Number(values.warmup) : values.quick ? 2 : 5,
    connections: positive('connections', values.connections),
    redeemRate: values['redeem-rate'] ? positive('redeem-rate', values['redeem-rate']) : REDEEM_OPEN_RATE,
    readRate: values['read-rate'] ? positive('read-rate', values['read-rate']) : OPEN_LOOP_RATE,
    only: only ?? null,
    scenarios,
    historyPostings,
    tpcb: only ? only.includes('pgbench') || needsRatio : true,
    transfer: only ? only.includes('sql-transfer') || needsRatio : true,
  };
}

type Options = ReturnType<typeof parseOptions>;

const t0 = Date.now();
const log = (line: string) => process.stderr.write(`[${lpadTime((Date.now() - t0) / 1000)}] ${line}\n`);
function lpadTime(s: number) {
  return s.toFixed(1).padStart(6);
}
async function timed<T>(label: string, fn: () => Promise<T>, into: Record<string, unknown>): Promise<T> {
  const start = Date.now();
  const result = await fn();
  into[`${label}_s`] = round((Date.now() - start) / 1000, 1);
  return result;
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/**
 * Runs a load against the service while sampling its process (and, given a database url, what
 * the database's sessions are busy with); keeps the process samples of the measured window.
 */
async function loadService(
  service: Service,
  config: ClientConfig,
  dbName?: string,
  dbUrl?: string,
): Promise<{ run: ClientResult; window: ProcessSample[]; dbActivity?: Activity }> {
  const sampler = sampleProcess(service.pid, dbName);
  const activity = dbUrl ? await sampleActivity(dbUrl) : null;
  const run = await runClient(config);
  const samples = sampler.stop();
  const dbActivity = activity ? await activity.stop() : undefined;
  const from = Date.parse(run.measured.started_at);
  const to = Date.parse(run.measured.finished_at);
  return { run, window: samples.filter((s) => s.at >= from - 500 && s.at <= to + 1500), ...(dbActivity ? { dbActivity } : {}) };
}

/** How much of a CPU the service process used in the window, and per record written or read. */
function serviceUse(
  window: ProcessSample[],
  recordsPerSecond: number,
): { service_cpu_cores?: number; service_cpu_ms_per_record?: number; db_cpu_cores?: number; db_cpu_ms_per_record?: number; analyze_cpu_ms_per_record?: number } {
  const first = window[0];
  const last = window[window.length - 1];
  if (!first || !last || last.at <= first.at) return {};
  const seconds = (last.at - first.at) / 1000;
  const cores = (last.cpuS - first.cpuS) / seconds;
  const perRecord = (c: number) => (recordsPerSecond > 0 ? round((c * 1000) / recordsPerSecond, 2) : NaN);
  // CPU time per record is steadier than throughput on a shared machine: it does not count waiting.
  // Per backend present at both ends (each backend's CPU only grows).
  let dbCores: number | null = null;
  if (first.dbCpuByPid && last.dbCpuByPid && first.dbCpuS !== null && last.dbCpuS !== null) {
    let used = 0;
    for (const [pid, cpu] of last.dbCpuByPid) {
      const before = first.dbCpuByPid.get(pid);
      if (before !== undefined) used += cpu - before;
    }
    dbCores = used / seconds;
  }
  // The ANALYZE standing in for autovacuum (pg.ts): not in the database's figure, shown beside it.
  const analyzeCores = first.upkeepCpuS !== null && last.upkeepCpuS !== null ? (last.upkeepCpuS - first.upkeepCpuS) / seconds : null;
  return {
    service_cpu_cores: round(cores, 2),
    service_cpu_ms_per_record: perRecord(cores),
    ...(dbCores === null ? {} : { db_cpu_cores: round(dbCores, 2), db_cpu_ms_per_record: perRecord(dbCores) }),
    ...(analyzeCores === null ? {} : { analyze_cpu_ms_per_record: perRecord(analyzeCores) }),
  };
}

/** The Postgres-backed scenarios: one database, one service process, one county. */
async function postgresScenarios(opts: Options, report: Report): Promise<void> {
  const wanted = opts.scenarios;
  const setup = report.setup;
  const db = await createDatabase();
  log(`database ${db.name}`);
  const database = await openDatabase({ engine: 'postgres', url: db.url, poolSize: 4 });
  const closeDb = onCleanup(() => database.close());
  // Seals a tenant's entries in this process, as the sealing service would, waiting for open writes.
  const sealHere = (tenantId: string) => sealTenants(database.db, new Signer(BENCH_SIGNING_SECRET), { tenantId, waitMs: 30_000 });
  await migrateToLatest(database.db);
  const tenant = await createTenant(database.db, { id: 'bench', name: '基准测试县' });
  // EXPIRY_MS=0: the expire scenario runs the expiry itself, when it measures it; the service's
  // own job would expire its lapsed lots before then (no other scenario has lots that lapse).
  const service = await timed('service_start', () => startService('postgres', { DATABASE_URL: db.url, SEAL_MS: '0', EXPIRY_MS: '0' }), setup);
  log(`service pid ${service.pid} on ${service.baseUrl} (log ${path.relative(ROOT, service.logFile)})`);

  log(`county: ${COUNTY.stations} stations, ${COUNTY.members} members (${COUNTY.viaApi} through the API, the rest in bulk)`);
  const county = await timed(
    'county',
    () =>
      withClient(db.url, (bulk) =>
        setUpCounty(service.baseUrl, { tenantId: tenant.tenantId, adminKey: tenant.adminKey.key }, { ...COUNTY, concurrency: opts.connections }, bulk),
      ),
    setup,
  );
  setup.members = county.members.length;
  setup.stations = county.stations.length;
  if (wanted.has('balance-read') || wanted.has('seal') || wanted.has('export')) {
    log(`ledger history: ${opts.historyPostings} postings in bulk`);
    setup.history = await timed('history', () => withClient(db.url, (c) => loadHistory(c, county, opts.historyPostings)), setup);
  }
  if (wanted.has('ledger-post-2') || wanted.has('hold-capture')) {
    log(`transfer accounts: ${XFER_ACCOUNTS} funded POINTS accounts for ledger-post-2 and hold-capture`);
    await timed('xfer_accounts', () => setUpXferAccounts(db.url, county.tenantId), setup);
  }
  await timed('vacuum_analyze', () => settle(db.url), setup);

  const anchor = chinaMidnight();
  await smokeCheck(service.baseUrl, county, anchor, LANE.smoke);
  log('smoke check: every station key posts a record that is verified at once');
  const analyzer = await standInForAutovacuum(db.url, ANALYZE_EVERY_S);
  report.options.analyze_every_s = analyzer.active ? ANALYZE_EVERY_S : null;
  if (analyzer.active) log(`autovacuum is off on this server: every ${ANALYZE_EVERY_S} s, ANALYZE of the tables autovacuum would analyse stands in for it`);

  const client = (mode: ClientConfig['mode'], lane: number, keys: County['keys'], tag: string): ClientConfig => ({
    url: service.baseUrl,
    mode,
    connections: opts.connections,
    warmupSeconds: opts.warmup,
    durationSeconds: opts.duration,
    keys,
    members: county.members,
    anchor,
    lane,
    tag: `${db.name}-${tag}`,
    batchSize: BATCH_SIZE,
    timeoutSeconds: mode === 'batch' ? 120 : 30,
  });

  if (wanted.has('http-floor')) {
    log(`http-floor: GET /healthz, ${opts.connections} connections`);
    const { run, window } = await loadService(service, client('floor', 0, county.keys, 'floor'));
    report.scenarios.http_floor = { ...scenarioResult(run, opts.connections), ...serviceUse(window, run.measured.records_per_s) };
  }
  if (wanted.has('award')) {
    log(`award: ${opts.connections} connections over ${county.keys.length} station keys`);
    const { run, window, dbActivity } = await loadService(service, client('award', LANE.award, county.keys, 'award'), db.name, db.url);
    report.scenarios.award = {
      ...scenarioResult(run, opts.connections),
      ...serviceUse(window, run.measured.records_per_s),
      // share: of the active-session samples; sessions: how many were active on average.
      db_activity: dbActivity,
    };
    if (window.length > 0) {
      const mbs = window.map((s) => s.rssMb);
      report.rss = {
        start_mb: round(mbs[0]!, 1),
        end_mb: round(mbs[mbs.length - 1]!, 1),
        min_mb: round(Math.min(...mbs), 1),
        max_mb: round(Math.max(...mbs), 1),
        samples: mbs.length,
      };
    }
    await settle(db.url);
  }
  if (wanted.has('hot-station')) {
    log(`hot-station: ${opts.connections} connections, all with the key of ${county.keys[0]!.orgUnitId}`);
    const { run, window } = await loadService(service, client('award', LANE.hotStation, county.keys.slice(0, 1), 'hot'), db.name);
    report.scenarios.hot_station = { ...scenarioResult(run, opts.connections), ...serviceUse(window, run.measured.records_per_s) };
    await settle(db.url);
  }
  if (wanted.has('award-batch')) {
    log(`award-batch: ${BATCH_SIZE} records per request`);
    const config = client('batch', LANE.batch, county.keys, 'batch');
    const { run, window } = await loadService(service, config, db.name);
    // A batch answers only when all its records are written, so few answers may fall inside a
    // short window. Records/s is therefore counted where they land: the records of this run
    // submitted (each in its own transaction) between the window's start and end.
    const written = await withClient(db.url, async (c) => {
      const { rows } = await c.query<{ n: string }>(
        `SELECT count(*) AS n FROM service_records WHERE tenant_id = $1 AND external_id LIKE $2 AND submitted_at >= $3 AND submitted_at < $4`,
        [county.tenantId, `${config.tag}-%`, run.measured.started_at, run.measured.finished_at],
      );
      return Number(rows[0]!.n);
    });
    const result = scenarioResult(run, opts.connections);
    report.scenarios.award_batch = {
      ...result,
      records: written,
      records_per_s: round(written / result.duration_s, 1),
      records_in_answers: result.records,
      batch_size: BATCH_SIZE,
      ...serviceUse(window, written / result.duration_s),
    };
    log('award-batch: waiting for the batches still in flight');
    await settle(db.url);
  }
  if (wanted.has('post-direct')) {
    log(`post-direct: ${opts.connections} loops calling post() over a pool of ${opts.connections}`);
    // The "service" here is this process, which calls post() through kysely.
    const sampler = sampleProcess(process.pid, db.name);
    const run = await postDirect(db.url, county, { connections: opts.connections, duration: opts.duration, warmup: opts.warmup });
    const from = Date.parse(run.measured.started_at);
    const to = Date.parse(run.measured.finished_at);
    const window = sampler.stop().filter((s) => s.at >= from - 500 && s.at <= to + 1500);
    report.scenarios.post_direct = {
      ...scenarioResult(run, opts.connections),
      unit: 'ledger entries (4 postings each), no HTTP',
      ...serviceUse(window, run.measured.records_per_s),
    };
    await settle(db.url);
  }
  if (wanted.has('ledger-post-sql')) {
    log(`ledger-post-sql: pgbench calling ledger_post(), ${opts.connections} clients`);
    report.baselines.ledger_post_sql = await ledgerPostSql(db.url, county, opts);
    await settle(db.url);
  }
  if (wanted.has('ledger-post-2')) {
    log(`ledger-post-2: pgbench calling ledger_post() with two postings between random accounts of ${XFER_ACCOUNTS}, ${opts.connections} clients`);
    report.baselines.ledger_post_2 = { ...(await ledgerPost2(db.url, county.tenantId, opts)), accounts: XFER_ACCOUNTS };
    await settle(db.url);
  }
  if (wanted.has('hold-capture')) {
    log(`hold-capture-sql: pgbench calling ledger_hold_create then ledger_hold_resolve (two transactions), ${opts.connections} clients`);
    report.baselines.hold_capture_sql = { ...(await holdCaptureSql(db.url, county.tenantId, opts)), accounts: XFER_ACCOUNTS };
    await settle(db.url);
    log(`hold-capture: POST /v1/holds then /v1/holds/{id}/capture, ${opts.connections} connections`);
    const accounts = Array.from({ length: XFER_ACCOUNTS }, (_, i) => xferAccount(i + 1));
    const { run, window } = await loadService(service, { ...client('hold-capture', 0, county.keys, 'hold'), adminKey: county.adminKey, accounts }, db.name);
    report.scenarios.hold_capture = { ...scenarioResult(run, opts.connections), unit: 'hold + capture pairs', ...serviceUse(window, run.measured.records_per_s) };
    await settle(db.url);
  }
  if (wanted.has('balance-read')) {
    log(`balance-read: GET /v1/members/{id}, random members, closed loop of ${opts.connections} connections`);
    const { run, window } = await loadService(service, client('read', 0, county.keys, 'read'), db.name);
    report.scenarios.balance_read = { ...scenarioResult(run, opts.connections), history_postings: opts.historyPostings, ...serviceUse(window, run.measured.records_per_s) };
    log(`http floor: GET /healthz, open loop at an offered ${opts.readRate} req/s`);
    // The same schedule on a request that reads nothing, just before: the p99 the harness alone
    // makes on these cores, for the reads' to be read against (issue 17's target is 5 ms).
    const floor = await loadService(service, { ...client('floor-open', 0, county.keys, 'floor-open'), rate: opts.readRate }, db.name);
    report.scenarios.http_floor_open = { ...scenarioResult(floor.run, opts.connections), offered_per_s: opts.readRate, ...serviceUse(floor.window, floor.run.measured.records_per_s) };
    log(`balance-read: open loop at an offered ${opts.readRate} req/s`);
    // Its warm-up is the start of its own schedule at the same rate (bench/client.ts, openLoop):
    // until 2026-12-06 it had none, and its first second, a load generator just started, made up
    // a p99 of its own.
    const open = await loadService(service, { ...client('read-open', 0, county.keys, 'read-open'), rate: opts.readRate }, db.name);
    report.scenarios.balance_read_open = {
      ...scenarioResult(open.run, opts.connections),
      offered_per_s: opts.readRate,
      unanswered_at_end: open.run.measured.unanswered ?? 0,
      history_postings: opts.historyPostings,
      ...serviceUse(open.window, open.run.measured.records_per_s),
    };
  }

  if (wanted.has('redeem') || wanted.has('redeem-hot')) {
    log(`redeem: a market of ${MARKET.items} items, ${MARKET.terminals} terminals, ${MARKET.buyers} members granted ${MARKET.grant} points each`);
    const market = await timed('market', () => setUpMarket(service.baseUrl, county, opts.connections), setup);
    await settle(db.url);
    const sales = (mode: 'redeem' | 'redeem-open', hot: boolean, tag: string): ClientConfig => ({
      ...client(mode, 0, county.keys, tag),
      members: market.buyers,
      sale: { terminalKeys: market.terminalKeys, skus: market.skus, hotSku: hot ? market.hotSku : null },
    });
    // The sales' load with awards in the background (paced, BACKGROUND_AWARD), started first and
    // lasting past the sales' warm-up and window; its figures go with the scenario's.
    const underAwards = async (config: ClientConfig, lane: number) => {
      const seconds = Math.ceil(config.warmupSeconds + config.durationSeconds + 2);
      const background = runClient({
        ...client('award', lane, county.keys, `${config.tag}-bg`),
        connections: BACKGROUND_AWARD.connections,
        rate: BACKGROUND_AWARD.rate,
        warmupSeconds: 0,
        durationSeconds: seconds,
      });
      await new Promise((r) => setTimeout(r, 500));
      // With what the database's sessions are busy with: where a sale waits (locks, commit, CPU).
      const measured = await loadService(service, config, db.name, db.url);
      const bg = (await background).measured;
      const bgProblems = bg.errors + bg.timeouts + bg.non2xx + bg.not_verified;
      const result = { ...scenarioResult(measured.run, config.connections), ...serviceUse(measured.window, measured.run.measured.records_per_s) };
      return {
        ...result,
        // A failed background award makes the run invalid as a failed sale would.
        errors: result.errors + bgProblems,
        failures: [...result.failures, ...bg.failures.map((f) => `background award: ${f}`)].slice(0, 5),
        background_award: { offered_per_s: BACKGROUND_AWARD.rate, requests_per_s: bg.requests_per_s, p50_ms: bg.p50_ms, p99_ms: bg.p99_ms, problems: bgProblems },
        unit: `sales of ${MARKET.linesPerBasket} lines`,
        db_activity: measured.dbActivity,
        ...(measured.run.measured.unanswered === undefined ? {} : { unanswered_at_end: measured.run.measured.unanswered }),
      };
    };
    if (wanted.has('redeem')) {
      log(`redeem: ${MARKET.linesPerBasket}-line baskets from ${MARKET.terminals} terminals, closed loop of ${opts.connections} connections, awards at ${BACKGROUND_AWARD.rate}/s in the background`);
      report.scenarios.redeem = await underAwards(sales('redeem', false, 'redeem'), LANE.redeem);
      await settle(db.url);
      log(`redeem: open loop at an offered ${opts.redeemRate} sales/s, awards at ${BACKGROUND_AWARD.rate}/s in the background`);
      // Warmed up within its own schedule, as balance-read's open loop.
      const open = await underAwards({ ...sales('redeem-open', false, 'redeem-open'), rate: opts.redeemRate }, LANE.redeemOpen);
      report.scenarios.redeem_open = { ...open, offered_per_s: opts.redeemRate };
      await settle(db.url);
    }
    if (wanted.has('redeem-hot')) {
      log(`redeem-hot: every basket holds ${market.hotSku} and ${MARKET.linesPerBasket - 1} others, closed loop of ${opts.connections} connections, awards in the background`);
      report.scenarios.redeem_hot = { ...(await underAwards(sales('redeem', true, 'redeem-hot'), LANE.redeemHot)), hot_sku: market.hotSku };
      await settle(db.url);
    }
  }

  if (wanted.has('seal')) {
    log('seal: sealing everything written so far (catch-up, in this process)');
    const started = Date.now();
    // CPU per entry sealed: this process's (the sealer) and the database's backends' (those that
    // started meanwhile count from zero).
    const cpuBefore = process.cpuUsage();
    const dbBefore = databaseCpuByPid(db.name);
    const [caught] = await sealHere(county.tenantId);
    const catchUpS = (Date.now() - started) / 1000;
    const cpuUsed = process.cpuUsage(cpuBefore);
    const dbUsedS = [...databaseCpuByPid(db.name)].reduce((sum, [pid, s]) => sum + s - (dbBefore.get(pid) ?? 0), 0);
    // And folded into what reports read, as the sealing service's job does with what it seals: left
    // to that service, the folds of everything sealed here ran in its measured window (catch-up
    // work a service that has always sealed never has), a sixth of the database's samples there.
    const foldStarted = Date.now();
    await foldSealed(database.db, county.tenantId);
    const catchUpFoldS = (Date.now() - foldStarted) / 1000;
    // The award load without sealing, before and after the sealing service's, each on a service
    // as fresh as the sealing one and on the database as it is now: by this point of a full run the
    // tables hold far more than at `award` (balance-read's history, the sales), so `award`'s figure
    // from the start of the run is no baseline for this one. Before and after: the machine's own
    // drift between two windows lands in a ratio of two; against their mean a steady drift cancels.
    const notSealingLoad = async (lane: number, label: string) => {
      log(`seal: award load against a fresh service that does not seal (SEAL_MS=0), the baseline ${label}`);
      const service = await startService(`seal-off-${label}`, { DATABASE_URL: db.url, SEAL_MS: '0', EXPIRY_MS: '0' });
      const off = await loadService(service, { ...client('award', lane, county.keys, `seal-off-${label}`), url: service.baseUrl }, db.name, db.url);
      await service.stop();
      await settle(db.url);
      return { ...scenarioResult(off.run, opts.connections), ...serviceUse(off.window, off.run.measured.records_per_s), db_activity: off.dbActivity };
    };
    report.scenarios.seal_off = await notSealingLoad(LANE.sealOff, 'before');
    // What that load wrote, sealed and folded here before the sealing service starts: a service
    // that has always sealed has no backlog, and the baseline's 20 s of awards sealed and folded in
    // its warm-up and window would be catch-up work, not the steady cost of sealing.
    await sealHere(county.tenantId);
    await foldSealed(database.db, county.tenantId);
    log(`seal: award load against a service that seals every ${SEAL_MS_SEALING} ms`);
    // EXPIRY_MS=0 as the baseline's: the two services differ only in sealing (and the report folds of what it sealed).
    const sealing = await startService('sealing', { DATABASE_URL: db.url, SIGNING_KEY_SECRET: BENCH_SIGNING_SECRET, SEAL_MS: String(SEAL_MS_SEALING), EXPIRY_MS: '0' });
    const lag = await sampleSealLag(db.url, county.tenantId);
    const { run, window, dbActivity } = await loadService(sealing, { ...client('award', LANE.seal, county.keys, 'seal'), url: sealing.baseUrl }, db.name, db.url);
    const lags = await lag.stop(run.measured.started_at, run.measured.finished_at);
    report.scenarios.seal = {
      ...scenarioResult(run, opts.connections),
      ...serviceUse(window, run.measured.records_per_s),
      seal_ms: SEAL_MS_SEALING,
      catch_up_entries: caught!.entries,
      catch_up_s: round(catchUpS, 2),
      catch_up_fold_s: round(catchUpFoldS, 2),
      entries_sealed_per_s: round(caught!.entries / catchUpS, 0),
      catch_up_cpu_ms_per_entry: {
        sealer: round((cpuUsed.user + cpuUsed.system) / 1000 / Math.max(1, caught!.entries), 4),
        db: round((dbUsedS * 1000) / Math.max(1, caught!.entries), 4),
      },
      ...lags,
      db_activity: dbActivity,
    };
    report.setup.sealing_service_log = sealing.logLevels();
    await sealing.stop();
    await settle(db.url);
    report.scenarios.seal_off_after = await notSealingLoad(LANE.sealOffAfter, 'after');
  }
  if (wanted.has('export')) {
    log('export: GET /v1/exports/journal of the whole tenant, CSV then JSON Lines');
    const csv = await exportJournal(service, county.adminKey, 'csv');
    const jsonl = await exportJournal(service, county.adminKey, 'jsonl');
    report.scenarios.export = { ...csv, jsonl_postings_per_s: jsonl.records_per_s, jsonl_s: jsonl.duration_s, jsonl_peak_rss_mb: jsonl.service_peak_rss_mb };
  }

  if (wanted.has('expire')) {
    // Last: its expiry policy applies to every credit after it, which no scenario before expects.
    log(`expire: seeding 2 × ${EXPIRE.members * EXPIRE.lotsPerMember} lapsed lots (${EXPIRE.members} members, ${EXPIRE.lotsPerMember} lots each a year) through ledger_post with the ledger clock set back`);
    const sets = await timed('expire_seed', () => withClient(db.url, (c) => seedLapsedLots(c, service.baseUrl, county)), setup);
    await settle(db.url);
    log(`expire: expiry of ${sets.lotsPerSet} lots alone (expireLots, until ${sets.untilA.toISOString()})`);
    const alone = await withClient(db.url, (c) => measureExpiry(database.db, c, db.name, county.tenantId, sets.untilA));
    log(`expire: ${alone.lots} lots in ${alone.seconds} s (${alone.lots_per_s} lots/s, ${alone.entries} entries)`);
    await settle(db.url);

    log(`expire: award alone, ${opts.connections} connections`);
    const aloneConfig = client('award', LANE.expireAlone, county.keys, 'expire-alone');
    const awardAlone = await loadService(service, aloneConfig, db.name, db.url);
    const aloneCount = await withClient(db.url, (c) =>
      awardsPerSecond(c, county.tenantId, aloneConfig.tag, Date.parse(awardAlone.run.measured.started_at), Date.parse(awardAlone.run.measured.finished_at)),
    );
    await settle(db.url);

    // Beside: the award load again, in one load process: --duration seconds alone, then the expiry
    // of the other set, then (when the expiry took less than 6 × its time alone) the load alone
    // again. Awards are counted where they land (submitted_at): while the expiry ran, against the
    // seconds just before and after it. That reference is the same process minutes apart, which
    // the shared machine's other work moves less than the separate alone run above.
    // The expiry beside runs as the service's job does (EXPIRY_MS 2000: at most a fifth of the
    // time), so it takes about five times its time alone.
    const besideSeconds = opts.duration + Math.ceil(alone.seconds * 6) + opts.duration;
    log(`expire: award beside the expiry of ${sets.lotsPerSet} lots (until ${sets.untilB.toISOString()}), ${besideSeconds} s window`);
    const besideConfig = { ...client('award', LANE.expireBeside, county.keys, 'expire-beside'), durationSeconds: besideSeconds };
    const loading = loadService(service, besideConfig, db.name, db.url);
    // The client's own start (a node process with tsx) takes about a second before its warm-up.
    await new Promise((r) => setTimeout(r, (opts.warmup + 1.5 + opts.duration) * 1000));
    const beside = await withClient(db.url, (c) => measureExpiry(database.db, c, db.name, county.tenantId, sets.untilB, { intervalMs: 2000 }));
    log(`expire: beside the awards, ${beside.lots} lots in ${beside.seconds} s (${beside.lots_per_s} lots/s)`);
    const awardBeside = await loading;
    const window = [Date.parse(awardBeside.run.measured.started_at), Date.parse(awardBeside.run.measured.finished_at)] as const;
    const overlap = [Math.max(window[0], Date.parse(beside.started_at)), Math.min(window[1], Date.parse(beside.finished_at))] as const;
    const besideCount = await withClient(db.url, (c) => awardsPerSecond(c, county.tenantId, besideConfig.tag, overlap[0], overlap[1]));
    // The same load once the expiry was done, when a few seconds of its window were left: a
    // second reference for "alone", in the same load process and minutes (the machine is shared).
    const tailFrom = Math.max(window[0], Date.parse(beside.finished_at) + 1000);
    const tail = window[1] - tailFrom >= 3000 ? await withClient(db.url, (c) => awardsPerSecond(c, county.tenantId, besideConfig.tag, tailFrom, window[1])) : null;
    const headTo = Math.min(window[1], Date.parse(beside.started_at));
    const head = headTo - window[0] >= 3000 ? await withClient(db.url, (c) => awardsPerSecond(c, county.tenantId, besideConfig.tag, window[0], headTo)) : null;
    const refParts = [head && { n: head.awards, s: (headTo - window[0]) / 1000 }, tail && { n: tail.awards, s: (window[1] - tailFrom) / 1000 }].filter((x) => !!x);
    const refSeconds = refParts.reduce((a, x) => a + x.s, 0);
    const overlapSamples = awardBeside.window.filter((w) => w.at >= overlap[0] - 500 && w.at <= overlap[1] + 500);

    const { lots, seconds, lots_per_s, caller_cpu_ms_per_lot, db_cpu_ms_per_lot, p50_ms, p95_ms, p99_ms, max_ms, mean_ms, batches } = alone;
    report.scenarios.expire = {
      // One unit: one lot expired; latencies are of one batch (a transaction of up to 200 accounts).
      unit: 'lots; latency per batch of 200 accounts',
      requests_per_s: round(batches / seconds, 1),
      records_per_s: lots_per_s,
      p50_ms, p95_ms, p99_ms, max_ms, mean_ms,
      requests: batches,
      records: lots,
      errors: 0, timeouts: 0, non2xx: 0, refused_items: 0, not_verified: 0,
      status_codes: {},
      duration_s: seconds,
      connections: 1,
      started_at: alone.started_at,
      finished_at: alone.finished_at,
      failures: [],
      warmup: null,
      // "service": this process, which called expireLots as the service's job would.
      service_cpu_ms_per_record: caller_cpu_ms_per_lot,
      ...(db_cpu_ms_per_lot === null ? {} : { db_cpu_ms_per_record: db_cpu_ms_per_lot, db_cpu_cores: alone.db_cpu_cores }),
      lots_per_member: EXPIRE.lotsPerMember,
      members: sets.members.length,
      accounts: alone.accounts,
      entries: alone.entries,
      points: alone.points,
      seed_s: sets.seconds,
      beside_award: {
        lots: beside.lots,
        seconds: beside.seconds,
        lots_per_s: beside.lots_per_s,
        batch_p50_ms: beside.p50_ms,
        batch_p99_ms: beside.p99_ms,
        // The share of the expiry's time the award load ran beside it.
        under_load_share: round((overlap[1] - overlap[0]) / 1000 / beside.seconds, 2),
        // Every backend of the database, the award load's too: not the expiry's alone.
        db_all_backends_cpu_cores: beside.db_cpu_cores,
      },
    };
    report.scenarios.expire_award_alone = {
      ...scenarioResult(awardAlone.run, opts.connections),
      ...serviceUse(awardAlone.window, awardAlone.run.measured.records_per_s),
      awards_per_s: aloneCount.per_s,
      db_activity: awardAlone.dbActivity,
    };
    report.scenarios.expire_award_beside = {
      ...scenarioResult(awardBeside.run, opts.connections),
      // CPU while the expiry ran; the database's includes the expiry's backend.
      ...serviceUse(overlapSamples, besideCount.per_s),
      awards_per_s: besideCount.per_s,
      overlap_s: round((overlap[1] - overlap[0]) / 1000, 1),
      ...(head ? { before_expiry: { awards_per_s: head.per_s, seconds: round((headTo - window[0]) / 1000, 1) } } : {}),
      ...(tail ? { after_expiry: { awards_per_s: tail.per_s, seconds: round((window[1] - tailFrom) / 1000, 1) } } : {}),
      // Awards/s of the same load before and after the expiry, together: the ratio's reference.
      ...(refSeconds > 0 ? { reference_awards_per_s: round(refParts.reduce((a, x) => a + x.n, 0) / refSeconds, 1) } : {}),
      db_activity: awardBeside.dbActivity,
    };
    await settle(db.url);
  }

  if (wanted.has('report')) {
    // Its own county (tenant bench-report): 100,000 members, 1,000,000 records over a year, sealed.
    const R = REPORT_COUNTY;
    const rt = await createTenant(database.db, { id: 'bench-report', name: '报表基准县' });
    const rcounty = await timed(
      'report_county',
      () =>
        withClient(db.url, (bulk) =>
          setUpCounty(service.baseUrl, { tenantId: rt.tenantId, adminKey: rt.adminKey.key }, { stations: R.institutes * R.stationsPerInstitute, members: R.members, viaApi: 1, concurrency: 4 }, bulk),
        ),
      setup,
    );
    log(`report: ${R.records} records of ${rcounty.members.length} members at ${rcounty.stations.length} stations, in bulk`);
    const loaded = await timed('report_records', () => withClient(db.url, (c) => loadRecords(c, rt.tenantId, rcounty.members, rcounty.stations, R.records)), setup);
    await timed('report_analyze', () => settle(db.url), setup);
    log(`report: sealing ${R.records} award entries (the real sealer, in this process)`);
    const sealStarted = Date.now();
    await sealHere(rt.tenantId);
    const sealS = (Date.now() - sealStarted) / 1000;
    // What the service's job does beside the sealer (its SEAL_MS is 0 here): the sealed entries
    // folded into the ledger's day totals, so that the reads below time a report, not that backlog.
    const foldStarted = Date.now();
    await foldSealed(database.db, rt.tenantId);
    const foldS = (Date.now() - foldStarted) / 1000;
    // What autovacuum (off on this server) would have done after a million new rows: the reads
    // below time a report, not the first scan's hint bits on a table written a moment ago.
    await timed('report_vacuum', () => settle(db.url), setup);
    const query = `orgUnitId=c&from=${chinaDay(365)}&to=${chinaDay(0)}`;
    const base = `${service.baseUrl}/v1/reports/participation?${query}`;
    log(`report: GET /v1/reports/participation?${query}, JSON by month ×${REPORT_RUNS} then the HTML page ×${REPORT_RUNS}`);
    const json = await timeReads(`${base}&by=month`, rt.adminKey.key, REPORT_RUNS);
    const html = await timeReads(`${base}&format=html`, rt.adminKey.key, REPORT_RUNS);
    const body = JSON.parse(json.last);
    if (body.records !== R.records || body.registeredMembers !== rcounty.members.length) {
      throw new Error(`report: ${body.records} records and ${body.registeredMembers} members, expected ${R.records} and ${rcounty.members.length}`);
    }
    report.scenarios.report = reportResult(json.ms, html.ms, {
      unit: 'one report of the county (JSON by month; html_* the page)',
      members: rcounty.members.length,
      records: body.records,
      postings: loaded.postings,
      hours: body.hours,
      seal_s: round(sealS, 1),
      fold_s: round(foldS, 1),
      snapshot_block: body.snapshot?.blockNo ?? null,
      target_ms: 2000,
    });
    log(`report: JSON p50 ${report.scenarios.report.p50_ms} ms p99 ${report.scenarios.report.p99_ms} ms; HTML p50 ${report.scenarios.report.html_p50_ms} ms`);
  }

  await analyzer.stop();
  log('verifying the ledger');
  const started = Date.now();
  const v = await verifyLedger(database.db, county.tenantId);
  report.verification = {
    ok: v.ok,
    seconds: round((Date.now() - started) / 1000, 1),
    entries: Number(v.entries),
    postings: Number(v.postings),
    accounts: Number(v.accounts),
    unit_totals: v.unitTotals,
    problems: v.problems.slice(0, 10),
  };
  report.setup.service_log = service.logLevels();
  await service.stop();
  closeDb();
  await database.close();
  await db.drop();
  if (!v.ok) throw new Error(`the ledger does not verify: ${JSON.stringify(v.problems.slice(0, 3))}`);
  if (wanted.has('balance-read') && Number(v.postings) < opts.historyPostings) {
    throw new Error(`balance-read needs ${opts.historyPostings} postings, the ledger has ${v.postings}`);
  }
}

/** award on the embedded engine: a smaller county in a temporary data folder. */
async function embeddedScenario(opts: Options, report: Report): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-embedded-'));
  const removeDir = onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  // The tenant is created before the service opens the folder: one process per data folder.
  const database = await openDatabase({ engine: 'pglite', dataDir: dir });
  let tenant;
  try {
    await migrateToLatest(database.db);
    tenant = await createTenant(database.db, { id: 'bench', name: '基准测试县' });
  } finally {
    await database.close();
  }
  const service = await startService('embedded', { DATABASE_URL: '', DATA_DIR: dir, SEAL_MS: '0' });
  log(`embedded service pid ${service.pid}: ${EMBEDDED_COUNTY.stations} stations, ${EMBEDDED_COUNTY.members} members`);
  const county = await timed(
    'embedded_county',
    () => setUpCounty(service.baseUrl, { tenantId: tenant.tenantId, adminKey: tenant.adminKey.key }, { ...EMBEDDED_COUNTY, concurrency: 8 }),
    report.setup,
  );
  const anchor = chinaMidnight();
  await smokeCheck(service.baseUrl, county, anchor, LANE.smoke);
  log(`embedded award: ${opts.connections} connections`);
  const { run, window } = await loadService(service, {
    url: service.baseUrl,
    mode: 'award',
    connections: opts.connections,
    warmupSeconds: opts.warmup,
    durationSeconds: opts.duration,
    keys: county.keys,
    members: county.members,
    anchor,
    lane: LANE.award,
    tag: `embedded-${Date.now()}`,
    batchSize: BATCH_SIZE,
    timeoutSeconds: 30,
  });
  const verification = await call(service.baseUrl, county.adminKey, 'GET', '/v1/ledger/verification');
  report.scenarios.embedded = {
    ...scenarioResult(run, opts.connections),
    ...serviceUse(window, run.measured.records_per_s),
    members: county.members.length,
    ledger_verified: verification.status === 200 && verification.body?.ok === true,
  };
  report.setup.embedded_service_log = service.logLevels();
  await service.stop();
  removeDir();
  fs.rmSync(dir, { recursive: true, force: true });
  if (!report.scenarios.embedded.ledger_verified) throw new Error(`embedded ledger does not verify: ${JSON.stringify(verification.body)}`);
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  cleanupOnSignals();
  const pg = await serverInfo();
  const cpus = os.cpus();
  const report: Report = {
    date: new Date().toISOString(),
    finished: null,
    total_seconds: null,
    valid: false,
    error: null,
    machine: {
      cpus: cpus.length,
      cpu_model: cpus[0]?.model ?? null,
      memory_mb: Math.round(os.totalmem() / 2 ** 20),
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
      pg: pg.version,
      pg_version_num: pg.server_version_num,
      pg_settings: pg.settings,
      // Other work on the machine skews every figure; the load average says how much there was.
      loadavg_start: os.loadavg().map((v) => round(v, 2)),
      git_commit: git(['rev-parse', '--short', 'HEAD']),
      src_dirty: (git(['status', '--porcelain', '--', 'src', 'migrations']) ?? '') !== '',
    },
    options: {
      quick: opts.quick,
      duration_s: opts.duration,
      warmup_s: opts.warmup,
      connections: opts.connections,
      only: opts.only,
      server: new URL(SERVER_URL).host,
      service_pool_size: process.env.DATABASE_POOL_SIZE ?? '10 (default)',
      members: COUNTY.members,
      members_via_api: COUNTY.viaApi,
      stations: COUNTY.stations,
      history_postings: ['balance-read', 'seal', 'export'].some((s) => opts.scenarios.has(s as ScenarioName)) ? opts.historyPostings : 0,
      batch_size: BATCH_SIZE,
      expire: opts.scenarios.has('expire') ? { lots: EXPIRE.members * EXPIRE.lotsPerMember, members: EXPIRE.members, lots_per_member: EXPIRE.lotsPerMember } : null,
      redeem_open_rate: opts.redeemRate,
      read_open_rate: opts.readRate,
      redeem_markets: MARKET.markets,
      redeem_background_award: BACKGROUND_AWARD,
    },
    setup: {},
    baselines: {},
    scenarios: {},
    ratios: {},
    balance_read: { p99_ms: null, closed_loop: null, open_loop: null },
    cpu_ms: {},
    rss: null,
    verification: null,
    targets: {},
  };
  log(`bench: ${opts.duration} s per scenario after ${opts.warmup} s warm-up, ${opts.connections} connections, ${os.cpus().length} cpus`);
  try {
    report.baselines = await runBaselines({ tpcb: opts.tpcb, transfer: opts.transfer }, opts, log);
    const pgScenarios: ScenarioName[] = [
      'http-floor', 'award', 'award-batch', 'post-direct', 'ledger-post-sql', 'ledger-post-2', 'hold-capture', 'hot-station', 'balance-read', 'redeem', 'redeem-hot', 'seal', 'export', 'expire', 'report',
    ];
    if (pgScenarios.some((s) => opts.scenarios.has(s))) await postgresScenarios(opts, report);
    if (opts.scenarios.has('embedded')) await embeddedScenario(opts, report);
  } catch (err) {
    report.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
  }
  derive(report);
  const invalid = Object.entries(report.scenarios).filter(([, s]) => s && problems(s) > 0);
  report.valid = report.error === null && invalid.length === 0;
  report.finished = new Date().toISOString();
  report.total_seconds = round((Date.now() - t0) / 1000, 1);
  (report.machine as Record<string, unknown>).loadavg_end = os.loadavg().map((v) => round(v, 2));
  fs.mkdirSync(path.dirname(RESULT_FILE), { recursive: true });
  fs.writeFileSync(RESULT_FILE, `${JSON.stringify(report, null, 2)}\n`);

  console.log(`\n${table(report)}\n`);
  console.log(`${path.relative(process.cwd(), RESULT_FILE)} written; ${report.total_seconds} s in all`);
  for (const [name, s] of invalid) {
    console.log(`INVALID: ${name} had ${problems(s!)} errors or refusals, e.g. ${s!.failures[0] ?? JSON.stringify(s!.status_codes)}`);
  }
  if (report.error) console.log(`FAILED: ${report.error}`);
  return report.valid ? 0 : 1;
}

main()
  .then(async (code) => {
    await cleanupAll();
    process.exit(code);
  })
  .catch(async (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await cleanupAll();
    process.exit(1);
  });
