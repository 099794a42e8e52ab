import crypto from 'node:crypto';
import { sql } from 'kysely';
import t from 'tap';
import { buildApp } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { inTransaction } from '../src/db/transaction.js';
import { post } from '../src/ledger/post.js';
import { Decimal } from 'decimal.js';
import { engines, type Harness, isProblem, setup, type Tap } from './helpers/harness.js';
import { county, cst, orgUnit, recordBody, register, submit, verified } from './helpers/hours.js';

// GET /metrics: what a scrape shows after real work (awards, refusals, entries rolled back,
// deadlocks and serialization failures, connections in use and callers waiting), and each way of
// serving it (off, token on the service's port, a listener of its own) refusing as documented.
// Counters are the process's own and only grow, so each check compares two scrapes.

const TOKEN = crypto.randomBytes(16).toString('hex');

/** One sample of the text format: name, labels, value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

class Scrape {
  constructor(readonly samples: Sample[]) {}
  /** The one sample of this name whose labels include `labels` (0 when there is none yet). */
  value(name: string, labels: Record<string, string> = {}): number {
    const found = this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${found.length} samples`);
    return found[0]?.value ?? 0;
  }
  /** The histogram's buckets for these labels, in order of le. */
  buckets(name: string, labels: Record<string, string>): { le: string; value: number }[] {
    return this.samples
      .filter((s) => s.name === `${name}_bucket` && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .map((s) => ({ le: s.labels.le!, value: s.value }));
  }
}

async function scrape(t: Tap, h: Harness): Promise<Scrape> {
  const res = await h.request('GET', '/metrics', { key: TOKEN });
  t.equal(res.status, 200, 'scrape: 200');
  t.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/, 'scrape: Prometheus text format');
  return new Scrape(parse(String(res.body)));
}

const SERVICE = '/v1/service-records';
const VERIFY = '/v1/service-records/:id/verification';

/** A histogram's series for one route and status: count and sum grew by `n`, buckets consistent. */
function assertTimed(t: Tap, before: Scrape, after: Scrape, labels: Record<string, string>, n: number): void {
  const what = `${labels.method} ${labels.route} ${labels.status_code}`;
  const name = 'http_request_duration_seconds';
  t.equal(after.value(`${name}_count`, labels) - before.value(`${name}_count`, labels), n, `${what}: ${n} more requests counted`);
  t.ok(after.value(`${name}_sum`, labels) > before.value(`${name}_sum`, labels), `${what}: their time added to the sum`);
  const buckets = after.buckets(name, labels);
  t.same(
    buckets.map((b) => b.le),
    ['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'],
    `${what}: the documented buckets`,
  );
  t.ok(buckets.every((b, i) => i === 0 || b.value >= buckets[i - 1]!.value), `${what}: buckets are cumulative`);
  t.equal(buckets.at(-1)!.value, after.value(`${name}_count`, labels), `${what}: le="+Inf" is the count`);
  const grew = buckets.map((b, i) => b.value - (before.buckets(name, labels)[i]?.value ?? 0));
  t.equal(grew.at(-1), n, `${what}: each request fell in a bucket`);
}

const ON = { METRICS: 'on', METRICS_TOKEN: TOKEN };

/** A bonus of one point from a station's issuance to a member, written straight through the ledger. */
const bonus = (tenantId: string, station: string, memberId: string, reason: string) => ({
  tenantId,
  kind: 'bonus' as const,
  reason,
  postings: [
    { accountId: `issuance:${station}:points`, unit: 'POINTS' as const, amount: new Decimal('-1.00') },
    { accountId: `member:${memberId}:points`, unit: 'POINTS' as const, amount: new Decimal('1.00') },
  ],
});

for (const engine of engines) t.test(engine, async (t) => {
  // One app for the three checks (an embedded database takes long to set up); two connections on
  // Postgres, so the third check can take them all.
  const poolSize = engine === 'postgres' ? 2 : 1;
  // The service's own background work (hold sweep, points expiry, sealing, feed sequencing)
  // borrows pool connections on its timers: off here, where the pool's counts are asserted exactly.
  const h = await setup(t, engine, { env: { ...ON, HOLD_SWEEP_MS: '0', EXPIRY_MS: '0', SEAL_MS: '0', FEED_SEQUENCE_MS: '0' }, poolSize });

  await t.test('a scrape after awards finds their counts and latencies', async (t) => {
    const c = await county(h);
    const m = await register(c);
    await orgUnit(c, { id: 's3', kind: 'station', parentId: 'i', autoVerify: true });
    const before = await scrape(t, h);

    // Three records posted, then verified (one entry each, written by the award statement).
    const ids: string[] = [];
    for (let day = 1; day <= 3; day++) ids.push((await verified(c, m.id, { start: cst(day, 9), hours: '2.00' })).record.id);
    // Two verified on submission, at a station that verifies automatically (the grouped writer).
    for (let day = 4; day <= 5; day++) {
      const out = await submit(c, recordBody(m.id, { start: cst(day, 9), hours: '1.50', orgUnitId: 's3' }));
      t.equal(out.record.status, 'verified', 'verified on submission');
    }
    // A verification refused (already verified): timed under its status, and no entry.
    const again = await c.req('POST', `${SERVICE}/${ids[0]}/verification`);
    isProblem(t, again, 409, again.body.code);
    // An adjustment through POST /v1/entries (post(), the single-entry path).
    await c.ok('POST', '/v1/accounts', { id: 'market:m1', unit: 'POINTS', type: 'market' }, 201);
    await c.ok('POST', '/v1/entries', {
      reason: '爱心超市兑换',
      postings: [
        { accountId: `member:${m.id}:points`, unit: 'POINTS', direction: 'debit', amount: '1.00' },
        { accountId: 'market:m1', unit: 'POINTS', direction: 'credit', amount: '1.00' },
      ],
    }, 201);
    // One refused for want of points: nothing written, nothing counted.
    const short = await c.req('POST', '/v1/entries', {
      reason: '超额兑换',
      postings: [
        { accountId: `member:${m.id}:points`, unit: 'POINTS', direction: 'debit', amount: '999999.00' },
        { accountId: 'market:m1', unit: 'POINTS', direction: 'credit', amount: '999999.00' },
      ],
    });
    isProblem(t, short, 422, 'insufficient_points');

    const after = await scrape(t, h);
    const entries = (kind: string, s: Scrape) => s.value('ledger_entries_written_total', { kind });
    t.equal(entries('award', after) - entries('award', before), 5, 'five award entries');
    t.equal(entries('adjustment', after) - entries('adjustment', before), 1, 'one adjustment entry (the refused one is not counted)');
    t.equal(await h.count('ledger_entries'), 6, 'the database holds exactly the entries counted (the first test of this app)');

    assertTimed(t, before, after, { method: 'POST', route: SERVICE, status_code: '201' }, 5);
    assertTimed(t, before, after, { method: 'POST', route: VERIFY, status_code: '200' }, 3);
    assertTimed(t, before, after, { method: 'POST', route: VERIFY, status_code: '409' }, 1);
    assertTimed(t, before, after, { method: 'POST', route: '/v1/entries', status_code: '422' }, 1);
    t.notOk(
      after.samples.some((s) => s.labels.route?.includes(m.id) || s.labels.route?.includes(ids[0]!)),
      'routes are labelled by pattern, never by the URL with its ids',
    );
    // A request no route matches is counted under one label, whatever its URL.
    await h.request('GET', `/no/such/${crypto.randomUUID()}`);
    const later = await scrape(t, h);
    assertTimed(t, after, later, { method: 'GET', route: 'unmatched', status_code: '404' }, 1);
    // Process metrics come along (one process, its own numbers).
    t.ok(later.value('process_resident_memory_bytes') > 0, 'process metrics are there');
    await h.assertLedger(t);
  });

  await t.test('an entry whose transaction rolls back is not counted', async (t) => {
    const c = await county(h);
    const m = await register(c);
    await verified(c, m.id, { start: cst(1, 9), hours: '3.00' });
    const before = await scrape(t, h);
    const entry = bonus(c.tenantId, 's1', m.id, 'rolled back');
    const entriesBefore = await h.count('ledger_entries');
    await t.rejects(
      inTransaction(h.database.db, async (trx) => {
        await post(trx, entry);
        throw new Error('the caller fails after the entry was written');
      }),
      /the caller fails/,
    );
    t.equal(await h.count('ledger_entries'), entriesBefore, 'the entry was rolled back');
    t.equal((await scrape(t, h)).value('ledger_entries_written_total', { kind: 'bonus' }) - before.value('ledger_entries_written_total', { kind: 'bonus' }), 0, 'not counted');
    await inTransaction(h.database.db, (trx) => post(trx, entry));
    t.equal((await scrape(t, h)).value('ledger_entries_written_total', { kind: 'bonus' }) - before.value('ledger_entries_written_total', { kind: 'bonus' }), 1, 'committed: counted');
  });

  await t.test('connections in use and callers waiting', async (t) => {
    const idle = await scrape(t, h);
    t.equal(idle.value('ledger_db_connections', { state: 'max' }), poolSize, `max is the pool size (${poolSize})`);
    t.equal(idle.value('ledger_db_connections', { state: 'in_use' }), 0, 'none in use');
    t.equal(idle.value('ledger_db_waiting_clients'), 0, 'nobody waiting');
    // Hold every connection in an open transaction, and send one more query.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held = 0;
    const holders = Array.from({ length: poolSize }, () =>
      h.database.db.transaction().execute(async (trx) => {
        await sql`SELECT 1`.execute(trx);
        held++;
        await gate;
      }),
    );
    while (held < poolSize) await new Promise((r) => setTimeout(r, 5));
    const waiter = sql`SELECT 1`.execute(h.database.db);
    await new Promise((r) => setTimeout(r, 50));
    const busy = await scrape(t, h);
    t.equal(busy.value('ledger_db_connections', { state: 'in_use' }), poolSize, 'every connection in use');
    t.equal(busy.value('ledger_db_connections', { state: 'idle' }), 0, 'none idle');
    t.equal(busy.value('ledger_db_waiting_clients'), 1, 'one caller waiting');
    release();
    await Promise.all([...holders, waiter]);
    const done = await scrape(t, h);
    t.equal(done.value('ledger_db_connections', { state: 'in_use' }), 0, 'all given back');
    t.equal(done.value('ledger_db_waiting_clients'), 0, 'nobody waiting any more');
  });
});

// Retries need two connections at once: Postgres only (PGlite has one connection, so no
// transaction of the service ever collides with another and the counter stays at zero there).
if (engines.includes('postgres')) {
  t.test('postgres: deadlocks and serialization failures retried are counted by reason', async (t) => {
    const h = await setup(t, 'postgres', { env: ON });
    const db = h.database.db;
    await sql`CREATE TABLE probe (id integer PRIMARY KEY, n integer NOT NULL)`.execute(db);
    await sql`INSERT INTO probe VALUES (1, 0), (2, 0)`.execute(db);
    const before = await scrape(t, h);
    const retries = (s: Scrape, reason: string) => s.value('ledger_transaction_retries_total', { reason }) - before.value('ledger_transaction_retries_total', { reason });

    // Serialization failure: the first attempt's snapshot predates another transaction's update
    // of the row it then updates itself; the second attempt runs clean.
    let attempts = 0;
    await inTransaction(db, async (trx) => {
      attempts++;
      await sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`.execute(trx);
      await sql`SELECT n FROM probe WHERE id = 1`.execute(trx);
      if (attempts === 1) await sql`UPDATE probe SET n = n + 1 WHERE id = 1`.execute(db);
      await sql`UPDATE probe SET n = n + 10 WHERE id = 1`.execute(trx);
    });
    t.equal(attempts, 2, 'ran twice');
    // Deadlock: the first attempt locks row 1, another transaction locks row 2 then waits for row
    // 1, and the attempt then asks for row 2. The attempt checks for deadlocks first (its
    // deadlock_timeout is the shorter), so it is the one Postgres aborts.
    attempts = 0;
    let other: Promise<unknown> = Promise.resolve();
    await inTransaction(db, async (trx) => {
      attempts++;
      // The retry waits for the other transaction to end: on a loaded machine the retry, on the
      // same connection, once took row 1 again before the other's backend woke to take it, and
      // the two deadlocked a second time (the server's log showed the same pair).
      if (attempts > 1) await other;
      await sql`SET LOCAL deadlock_timeout = '50ms'`.execute(trx);
      await sql`SELECT 1 FROM probe WHERE id = 1 FOR UPDATE`.execute(trx);
      if (attempts === 1) {
        let locked!: () => void;
        const hasRow2 = new Promise<void>((r) => (locked = r));
        other = db.transaction().execute(async (o) => {
          await sql`SET LOCAL deadlock_timeout = '10s'`.execute(o);
          await sql`SELECT 1 FROM probe WHERE id = 2 FOR UPDATE`.execute(o);
          locked();
          await sql`SELECT 1 FROM probe WHERE id = 1 FOR UPDATE`.execute(o);
        });
        await hasRow2;
        // Wait until it is queued for row 1: a fixed sleep lost this race on a loaded CI machine,
        // and the attempt's one deadlock check then found no cycle yet.
        for (let i = 0; i < 500; i++) {
          const { rows } = await sql<{ n: number }>`
            SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(db);
          if (rows[0]!.n > 0) break;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      await sql`SELECT 1 FROM probe WHERE id = 2 FOR UPDATE`.execute(trx);
    });
    await other;
    t.equal(attempts, 2, 'ran twice');
    const after = await scrape(t, h);
    t.equal(retries(after, 'serialization_failure'), 1, 'one serialization failure retried');
    t.equal(retries(after, 'deadlock'), 1, 'one deadlock retried');
  });
}

// The background jobs and the sealing lag: a service that seals (a signing secret) every 200 ms.
for (const engine of engines) t.test(`${engine}: background jobs counted, and the sealing lag`, async (t) => {
  const started = Date.now() / 1000;
  const env = { ...ON, SIGNING_KEY_SECRET: crypto.randomBytes(32).toString('base64url'), SEAL_MS: '200', HOLD_SWEEP_MS: '0', EXPIRY_MS: '0', FEED_SEQUENCE_MS: '0' };
  const h = await setup(t, engine, { env });
  const until = async (what: string, ok: (s: Scrape) => boolean): Promise<Scrape> => {
    for (let i = 0; i < 100; i++) {
      const s = new Scrape(parse(String((await h.request('GET', '/metrics', { key: TOKEN })).body)));
      if (ok(s)) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${what}: not within 10 s`);
  };
  // Both jobs start with the service, each on its own timer: on a slow machine the first sealing
  // run can come before the first report fold, so the scrape waits for both.
  const runs = await until('a sealing run and a report fold', (s) =>
    s.value('ledger_job_runs_total', { job: 'sealing', outcome: 'ok' }) >= 1 && s.value('ledger_job_runs_total', { job: 'report folds', outcome: 'ok' }) >= 1);
  t.equal(runs.value('ledger_job_runs_total', { job: 'sealing', outcome: 'failed' }), 0, 'no sealing run failed');
  const last = runs.value('ledger_job_last_success_timestamp_seconds', { job: 'sealing' });
  t.ok(last >= started - 1 && last <= Date.now() / 1000 + 1, 'the last good run: a Unix time in seconds, since the service started');
  t.equal(runs.samples.filter((x) => x.name === 'ledger_job_runs_total' && x.labels.job === 'points expiry').length, 0, 'a job that is off (EXPIRY_MS=0) never ran');
  t.equal(runs.value('ledger_job_runs_total', { job: 'report folds', outcome: 'ok' }) >= 1, true, 'the report folds ran beside the sealing');

  const c = await county(h);
  const m = await register(c);
  await verified(c, m.id, { start: cst(1, 9), hours: '1.00' });
  const sealed = await until('everything sealed', (s) => s.value('ledger_seal_lag_seconds', { tenant: c.tenantId }) === 0 && s.samples.some((x) => x.name === 'ledger_seal_lag_seconds' && x.labels.tenant === c.tenantId));
  t.equal(sealed.value('ledger_seal_lag_seconds', { tenant: c.tenantId }), 0, 'every committed entry sealed: lag 0');
  if (engine !== 'postgres') return; // holding a transaction open beside the service needs a second connection

  // A transaction that took its sequence number and stays open holds back the entries after it:
  // the award committed after it waits, and the lag is its age.
  // Station s2's issuance, which the award below (at s1, for another member) does not lock.
  const entry = bonus(c.tenantId, 's2', m.id, 'held open');
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let written!: () => void;
  const isWritten = new Promise<void>((r) => (written = r));
  const open = inTransaction(h.database.db, async (trx) => {
    await post(trx, entry);
    written();
    await gate;
  });
  await isWritten;
  const m2 = await register(c);
  await verified(c, m2.id, { start: cst(1, 9), hours: '1.00' });
  await new Promise((r) => setTimeout(r, 1500));
  const lagging = await until('a lag', (s) => s.value('ledger_seal_lag_seconds', { tenant: c.tenantId }) >= 1);
  const lag = lagging.value('ledger_seal_lag_seconds', { tenant: c.tenantId });
  t.ok(lag >= 1 && lag < 30, `the award committed after the open transaction waits to be sealed: lag ${lag.toFixed(2)} s`);
  release();
  await open;
  await until('sealed after the commit', (s) => s.value('ledger_seal_lag_seconds', { tenant: c.tenantId }) === 0);
  t.pass('once the open transaction commits, both are sealed and the lag is 0 again');
});

// Ways of serving /metrics: on the first engine the run has (they touch no ledger data).
const engine = engines[0]!;

t.test('METRICS off (the default): there is no /metrics', async (t) => {
  const h = await setup(t, engine);
  isProblem(t, await h.request('GET', '/metrics', { key: null }), 404, 'not_found', 'no key');
  isProblem(t, await h.request('GET', '/metrics', { key: TOKEN }), 404, 'not_found', 'any token');
  t.equal(h.app.metricsAddress, null, 'no listener of its own');
  // Off wins over a token or a port left in the environment.
  const h2 = await setup(t, engine, { env: { METRICS: 'off', METRICS_TOKEN: TOKEN, METRICS_PORT: '0' } });
  isProblem(t, await h2.request('GET', '/metrics', { key: TOKEN }), 404, 'not_found', 'off with a token set');
  t.equal(h2.app.metricsAddress, null, 'off with a port set: no listener');
});

t.test('METRICS_TOKEN: only that bearer token gets the metrics, never a tenant key', async (t) => {
  const h = await setup(t, engine, { env: ON });
  const refused = async (key: string | null, what: string) => {
    const res = await h.request('GET', '/metrics', { key });
    isProblem(t, res, 401, 'metrics_unauthenticated', what);
    t.equal(res.headers['www-authenticate'], 'Bearer realm="metrics"', `${what}: WWW-Authenticate`);
    t.notMatch(String(res.body), /http_request_duration_seconds/, `${what}: no metrics in the answer`);
  };
  await refused(null, 'no Authorization');
  await refused(`${TOKEN}x`, 'a wrong token');
  await refused(TOKEN.slice(0, -1), 'a prefix of the token');
  await refused(h.adminKey, 'a tenant admin key');
  const ok = await h.request('GET', '/metrics', { key: TOKEN });
  t.equal(ok.status, 200, 'the token: 200');
  t.match(String(ok.body), /# TYPE http_request_duration_seconds histogram/, 'the token: the metrics');
  t.equal(h.app.metricsAddress, null, 'served on the service port only');
  const doc = await h.request('GET', '/openapi.json', { key: null });
  t.notOk('/metrics' in doc.body.paths, '/metrics is not part of the API document');
});

t.test('METRICS_PORT: a listener of its own, with or without a token', async (t) => {
  const h = await setup(t, engine, { env: { METRICS: 'on', METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' } });
  const address = h.app.metricsAddress;
  t.ok(address && address.port > 0, 'listening once the app is ready');
  const base = `http://127.0.0.1:${address!.port}`;
  const res = await fetch(`${base}/metrics`);
  t.equal(res.status, 200, 'no token asked there');
  t.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/, 'Prometheus text format');
  t.match(await res.text(), /# TYPE ledger_entries_written_total counter/, 'the metrics');
  const other = await fetch(`${base}/v1/tenant`, { headers: { authorization: `Bearer ${h.adminKey}` } });
  t.equal(other.status, 404, 'only /metrics on that port');
  t.match(other.headers.get('content-type'), /^application\/problem\+json/, 'as problem+json');
  isProblem(t, await h.request('GET', '/metrics', { key: null }), 404, 'not_found', 'the service port does not serve it');

  const h2 = await setup(t, engine, { env: { METRICS: 'on', METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', METRICS_TOKEN: TOKEN } });
  const base2 = `http://127.0.0.1:${h2.app.metricsAddress!.port}`;
  const refused = await fetch(`${base2}/metrics`);
  t.equal(refused.status, 401, 'with a token set: refused without it');
  t.equal(((await refused.json()) as { code: string }).code, 'metrics_unauthenticated', 'its code');
  t.equal((await fetch(`${base2}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200, 'and served with it');

  // A port in use stops the start-up, with the error, rather than a service nobody can watch.
  const port = h2.app.metricsAddress!.port;
  const clash = await buildApp({
    config: loadConfig({ LOG_LEVEL: 'silent', METRICS: 'on', METRICS_PORT: String(port), METRICS_HOST: '127.0.0.1' }),
    database: h2.database,
    logger: false,
  });
  await t.rejects(async () => { await clash.ready(); }, { code: 'EADDRINUSE' }, 'a metrics port in use: the app does not start');
  await clash.close().catch(() => {});

  // Closing the app closes its listener.
  await h2.app.close();
  await t.rejects(fetch(`http://127.0.0.1:${port}/metrics`), 'closed with the app');
});

t.test('configuration: METRICS=on must say how scrapers are kept out', async (t) => {
  const bad = (env: Record<string, string>, pattern: RegExp, what: string) => {
    let message = '';
    try {
      loadConfig(env);
    } catch (err) {
      t.ok(err instanceof ConfigError, `${what}: a ConfigError`);
      message = (err as Error).message;
    }
    t.match(message, pattern, `${what}: refused, naming the variable`);
  };
  bad({ METRICS: 'on' }, /METRICS: on needs METRICS_TOKEN .* or METRICS_PORT/, 'on with neither token nor port');
  bad({ METRICS: 'yes' }, /METRICS/, 'not off or on');
  bad({ METRICS: 'on', METRICS_TOKEN: 'short' }, /METRICS_TOKEN/, 'a token under 16 characters');
  bad({ METRICS: 'on', METRICS_TOKEN: 'sixteen chars with spaces' }, /METRICS_TOKEN/, 'a token with spaces');
  bad({ METRICS: 'on', METRICS_PORT: '70000' }, /METRICS_PORT/, 'a port out of range');
  t.equal(loadConfig({}).metrics, null, 'off by default');
  t.same(loadConfig({ METRICS: 'on', METRICS_TOKEN: TOKEN }).metrics, { token: TOKEN, listen: null }, 'token on the service port');
  t.same(loadConfig({ METRICS: 'on', METRICS_PORT: '9464', HOST: '127.0.0.1' }).metrics, { token: null, listen: { port: 9464, host: '127.0.0.1' } }, 'a port, on HOST by default');
});
