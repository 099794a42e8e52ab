// The service and the CLI as real processes: start-up on the embedded engine, the data-folder
// lock, bad configuration, graceful shutdown with requests in flight, and the CLI's exit codes.
// Every child is started with `node --import tsx` (as `npm start` does) and killed in teardown.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import t from 'tap';
import { createTestDatabase, engines, type Tap } from './helpers/harness.js';
import { migratedDataDir } from './helpers/pgliteTemplate.js';
import {
  api,
  type CliResult,
  cli,
  freePort,
  npmStart,
  signal,
  sleep,
  startScript,
  startServer,
  tempDir,
  within,
} from './helpers/process.js';

// Many real processes, several of them first starts of a database: slow on a busy machine.
t.setTimeout(900_000);
const LOCK_FILE = 'ledger.lock';

// --- process helpers (the shared ones are in ./helpers/process.ts) ----------------------------

/** Runs the service or the CLI to its exit (for processes that are meant to stop by themselves). */
async function runToExit(t: Tap, script: 'src/server.ts' | 'src/cli.ts', env: Record<string, string>): Promise<CliResult> {
  const proc = startScript(t, script, script === 'src/cli.ts' ? ['verify'] : [], env);
  const exit = await within(proc.closed, 180_000, script);
  return { ...exit, stdout: proc.stdout(), stderr: proc.stderr() };
}

/** Waits until `n` sessions of the database other than `except` wait on a lock; returns the count. */
async function lockWaiters(watcher: pg.Client, n: number, except: pg.Client): Promise<number> {
  const exceptPid = (except as unknown as { processID: number }).processID;
  const count = async () =>
    Number(
      (
        await watcher.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> $1`,
          [exceptPid],
        )
      ).rows[0].n,
    );
  const deadline = Date.now() + 20_000;
  let seen = await count();
  while (seen < n && Date.now() < deadline) {
    await sleep(50);
    seen = await count();
  }
  return seen;
}

async function connect(t: Tap, url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.teardown(() => client.end().catch(() => {}));
  return client;
}

function parseTenant(t: Tap, res: CliResult): { tenantId: string; adminKey: string } {
  t.equal(res.code, 0, `tenant create exits 0${res.code === 0 ? '' : `: ${res.stderr}`}`);
  const printed = JSON.parse(res.stdout) as { tenantId: string; adminKey: string };
  t.match(printed, { tenantId: String, adminKey: /^vk_/ }, 'tenant create prints {tenantId, adminKey} as JSON');
  return printed;
}

const transfer = (from: string, to: string, amount: string, reason = 'process test') => ({
  reason,
  postings: [
    { accountId: from, unit: 'POINTS', direction: 'debit', amount },
    { accountId: to, unit: 'POINTS', direction: 'credit', amount },
  ],
});

/** Opens a member points account and a slotted issuance account in the tenant of `key`. */
async function openAccounts(t: Tap, base: string, key: string, member: string, issuance: string): Promise<void> {
  const a = await api(base, 'POST', '/v1/accounts', { key, body: { id: member, unit: 'POINTS', type: 'member' } });
  t.equal(a.status, 201, `account ${member} opened`);
  const b = await api(base, 'POST', '/v1/accounts', {
    key,
    body: { id: issuance, unit: 'POINTS', type: 'issuance', allowNegative: true, slots: 4 },
  });
  t.equal(b.status, 201, `account ${issuance} opened`);
}

// --- (c) bad configuration: needs no database -------------------------------------------------

t.test('a bad environment value stops the process with exit 1 and names the variable', async (t) => {
  const dir = tempDir(t);
  const cases: { env: Record<string, string>; variable: string }[] = [
    { env: { PORT: 'abc' }, variable: 'PORT' },
    { env: { PORT: '70000' }, variable: 'PORT' },
    { env: { DATABASE_URL: 'mysql://x' }, variable: 'DATABASE_URL' },
    { env: { LOG_LEVEL: 'loud' }, variable: 'LOG_LEVEL' },
    { env: { SHUTDOWN_TIMEOUT_MS: 'soon' }, variable: 'SHUTDOWN_TIMEOUT_MS' },
  ];
  await Promise.all(
    cases.map(async ({ env, variable }) => {
      const dataDir = path.join(dir, `data-${Object.entries(env).flat().join('-').replace(/[^A-Za-z0-9-]/g, '_')}`);
      const res = await runToExit(t, 'src/server.ts', { PORT: '0', DATA_DIR: dataDir, ...env });
      const label = Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ');
      t.equal(res.code, 1, `service with ${label} exits 1`);
      t.match(res.stderr, new RegExp(`\\b${variable}\\b`), `its message names ${variable}`);
      t.notOk(fs.existsSync(dataDir), `with ${label} no data folder is created: it stops before opening storage`);
    }),
  );
  const res = await runToExit(t, 'src/cli.ts', { DATABASE_URL: 'mysql://x' });
  t.equal(res.code, 1, 'the CLI with DATABASE_URL=mysql://x exits 1');
  t.match(res.stderr, /\bDATABASE_URL\b/, 'and names DATABASE_URL');
});

// --- (e, part) CLI usage: needs no database --------------------------------------------------

t.test('the CLI refuses an unknown command or missing options with exit 2 and the usage', async (t) => {
  const dir = tempDir(t);
  const env = { DATA_DIR: path.join(dir, 'data') };
  const [unknown, none, missing] = await Promise.all([
    cli(t, ['frobnicate'], env),
    cli(t, [], env),
    cli(t, ['tenant', 'create', '--id', 'demo'], env),
  ]);
  t.equal(unknown.code, 2, 'unknown command exits 2');
  t.match(unknown.stderr, /unknown command: frobnicate/, 'names the command');
  t.match(unknown.stderr, /usage: npm run cli --/, 'prints the usage');
  t.match(unknown.stderr, /tenant create --id <id> --name <name>/, 'the usage lists tenant create');
  t.equal(none.code, 2, 'no command exits 2');
  t.match(none.stderr, /usage:/, 'and prints the usage');
  t.equal(missing.code, 2, 'tenant create without --name exits 2');
  t.match(missing.stderr, /--name/, 'and says what is missing');
  t.equal(unknown.stdout + none.stdout + missing.stdout, '', 'nothing on stdout');
});

// --- (a), (b), (e) on the embedded engine -----------------------------------------------------

if (engines.includes('pglite')) {
  t.test("the README's start command: `npm start` with no DATABASE_URL", async (t) => {
    const dir = tempDir(t);
    const dataDir = path.join(dir, 'data');
    // npm runs the script through `sh -c`: its own process group (npmStart detaches it).
    const npm = await npmStart(t, { DATA_DIR: dataDir });
    // npm may be gone while the service behind it lingers: teardown ends all of the group.
    t.teardown(() => signal(npm.child, 'SIGKILL'));
    const base = npm.base;
    const ready = await api(base, 'GET', '/readyz');
    t.same(ready.body, { status: 'ready', engine: 'pglite' }, '/readyz answers 200 with engine pglite');
    t.ok(fs.existsSync(path.join(dataDir, LOCK_FILE)), 'the embedded database lives in DATA_DIR');

    // A process manager (docker stop, systemd) signals the process it started: npm.
    npm.child.kill('SIGTERM');
    // `exited`, not `closed`: a service left running would hold the output pipes open.
    const exit = await within(npm.exited, 20_000, 'npm start after SIGTERM');
    await sleep(200);
    t.same(exit, { code: 0, signal: null }, 'SIGTERM to `npm start` ends it with exit 0');
    const stillServing = await api(base, 'GET', '/healthz').then(
      () => true,
      () => false,
    );
    t.notOk(stillServing, 'and the service behind it has stopped (SIGTERM reached it)');
    t.notOk(fs.existsSync(path.join(dataDir, LOCK_FILE)), 'releasing the data folder');
  });

  t.test('embedded engine: start, one process per data folder, stale lock, data kept', async (t) => {
    const dir = tempDir(t);
    // Migrated, with no tenant yet: the README's start command above is this file's real first start.
    const dataDir = await migratedDataDir(path.join(dir, 'data'));
    const lockPath = path.join(dataDir, LOCK_FILE);
    const env = { DATA_DIR: dataDir };

    // (a) no DATABASE_URL: the service starts on PGlite in DATA_DIR.
    const first = await startServer(t, env);
    const ready = await api(first.base, 'GET', '/readyz');
    t.equal(ready.status, 200, '/readyz answers 200 on the data folder');
    t.same(ready.body, { status: 'ready', engine: 'pglite' }, 'with engine pglite');
    t.equal((await api(first.base, 'GET', '/healthz')).status, 200, '/healthz answers 200');
    t.equal(fs.readFileSync(lockPath, 'utf8'), String(first.pid), 'the lock file holds the pid of the service');

    // (b) a second service on the same folder is refused; the first keeps serving.
    const second = await runToExit(t, 'src/server.ts', { ...env, PORT: String(await freePort()) });
    t.equal(second.code, 1, 'a second service on the same folder exits 1');
    t.match(second.stderr, path.resolve(dataDir), 'its message names the folder');
    t.match(second.stderr, new RegExp(`\\b${first.pid}\\b`), 'and the pid that holds it');
    const cliWhileHeld = await cli(t, ['verify'], env);
    t.equal(cliWhileHeld.code, 1, 'the CLI on a folder held by the service exits 1 too');
    t.match(cliWhileHeld.stderr, path.resolve(dataDir), 'naming the folder');
    t.ok(first.running(), 'the first service is still running');
    t.equal((await api(first.base, 'GET', '/readyz')).status, 200, 'and still serving');
    t.equal(fs.readFileSync(lockPath, 'utf8'), String(first.pid), 'the refused process left the lock alone');

    // SIGTERM on an idle service: exit 0, lock released.
    first.child.kill('SIGTERM');
    const firstExit = await within(first.closed, 15_000, 'SIGTERM of an idle service');
    t.same(firstExit, { code: 0, signal: null }, 'SIGTERM stops an idle service with exit 0');
    t.notOk(fs.existsSync(lockPath), 'a clean stop removes the lock file');

    // (e) with the embedded engine the CLI runs while the service is stopped.
    const created = parseTenant(t, await cli(t, ['tenant', 'create', '--id', 'demo', '--name', '示范县'], env));
    t.equal(created.tenantId, 'demo');
    t.notOk(fs.existsSync(lockPath), 'the CLI released the folder when done');

    const third = await startServer(t, env);
    const me = await api(third.base, 'GET', '/v1/tenant', { key: created.adminKey });
    t.equal(me.status, 200, "the CLI's admin key works against the service");
    t.match(me.body, { id: 'demo', name: '示范县', role: 'admin' });
    await openAccounts(t, third.base, created.adminKey, 'member:1:points', 'issuance:center');
    const posted = await api(third.base, 'POST', '/v1/entries', {
      key: created.adminKey,
      body: transfer('issuance:center', 'member:1:points', '12.50'),
      headers: { 'idempotency-key': 'before-kill' },
    });
    t.equal(posted.status, 201, 'an entry is posted');

    // SIGKILL leaves a stale lock behind; the next service takes it over.
    third.child.kill('SIGKILL');
    const thirdExit = await within(third.closed, 15_000, 'SIGKILL');
    t.equal(thirdExit.signal, 'SIGKILL', 'the service was killed');
    t.equal(fs.readFileSync(lockPath, 'utf8'), String(third.pid), 'its lock file is left behind');

    const fourth = await startServer(t, env);
    t.pass('a new service starts on the folder of a killed one');
    t.equal(fs.readFileSync(lockPath, 'utf8'), String(fourth.pid), 'and takes the stale lock over');
    const account = await api(fourth.base, 'GET', '/v1/accounts/member:1:points', { key: created.adminKey });
    t.equal(account.status, 200, 'the account written before the kill is there');
    t.equal(account.body.balance, '12.50', 'with its balance');
    const entry = await api(fourth.base, 'GET', `/v1/entries/${posted.body.id}`, { key: created.adminKey });
    t.equal(entry.status, 200, 'the entry written before the kill is there');
    const replay = await api(fourth.base, 'POST', '/v1/entries', {
      key: created.adminKey,
      body: transfer('issuance:center', 'member:1:points', '12.50'),
      headers: { 'idempotency-key': 'before-kill' },
    });
    t.equal(replay.status, 201, 'a retry with the same Idempotency-Key after the restart...');
    t.equal(replay.headers.get('idempotent-replayed'), 'true', '...is a replay');
    t.equal(replay.body.id, posted.body.id, '...of the same entry');
    const verification = await api(fourth.base, 'GET', '/v1/ledger/verification', { key: created.adminKey });
    t.match(verification.body, { ok: true, entries: '1' }, 'the ledger verifies over HTTP');

    // Logs: JSON lines, request lines carry a request id, and no key ever reaches them.
    const lines = fourth.stdout().split('\n').filter(Boolean);
    t.ok(lines.length > 0, 'the service logs');
    const parsed = lines.map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return null;
      }
    });
    t.ok(parsed.every((p) => p !== null), 'every log line is JSON');
    t.ok(
      parsed.filter((p) => p && (p.req || p.res)).every((p) => typeof p!.requestId === 'string'),
      'every request log line carries requestId',
    );
    const secret = created.adminKey.split('.').at(-1)!;
    t.notOk((fourth.stdout() + fourth.stderr()).includes(secret), 'the API key never appears in the logs');

    fourth.child.kill('SIGTERM');
    t.same(await within(fourth.closed, 15_000, 'SIGTERM'), { code: 0, signal: null }, 'SIGTERM: exit 0');

    const verify = await cli(t, ['verify'], env);
    t.equal(verify.code, 0, '`verify` exits 0 on a good ledger');
    t.match(JSON.parse(verify.stdout), { ok: true, entries: '1', problems: [] }, 'and prints ok: true');
    const again = await cli(t, ['tenant', 'create', '--id', 'demo', '--name', '重复'], env);
    t.equal(again.code, 1, '`tenant create` of an existing id exits 1');
    t.match(again.stderr, /demo already exists/, 'and says so');
    t.equal(again.stdout, '', 'printing no key');
  });
}

// --- (d), (e) on Postgres ---------------------------------------------------------------------

if (engines.includes('postgres')) {
  t.test('postgres: SIGTERM with requests in flight', async (t) => {
    const url = await createTestDatabase(t);
    const env = { DATABASE_URL: url, SHUTDOWN_TIMEOUT_MS: '8000' };
    // The CLI migrates the fresh database and creates the tenant.
    const { tenantId, adminKey } = parseTenant(t, await cli(t, ['tenant', 'create', '--id', 'county-a', '--name', '甲县'], env));
    const server = await startServer(t, env);
    t.match((await api(server.base, 'GET', '/readyz')).body, { status: 'ready', engine: 'postgres' }, 'ready on postgres');
    t.equal((await api(server.base, 'GET', '/v1/tenant', { key: adminKey })).status, 200, "the CLI's key works against the running service");

    // While the service runs, the CLI works on the same Postgres database.
    const other = parseTenant(t, await cli(t, ['tenant', 'create', '--id', 'county-b', '--name', '乙县'], env));
    const otherMe = await api(server.base, 'GET', '/v1/tenant', { key: other.adminKey });
    t.match(otherMe, { status: 200, body: { id: 'county-b', role: 'admin' } }, 'a tenant created while the service runs can call it at once');
    const dup = await cli(t, ['tenant', 'create', '--id', 'county-a', '--name', '甲县'], env);
    t.equal(dup.code, 1, '`tenant create` of an existing id exits 1');
    t.match(dup.stderr, /county-a already exists/, 'and says so');

    await openAccounts(t, server.base, adminKey, 'member:7:points', 'issuance:center');

    // Hold every write at the database: a lock on ledger_postings that inserts wait for.
    const blocker = await connect(t, url);
    const watcher = await connect(t, url);
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE ledger_postings IN EXCLUSIVE MODE');

    const N = 6;
    const inFlight = Array.from({ length: N }, (_, i) =>
      api(server.base, 'POST', '/v1/entries', {
        key: adminKey,
        body: transfer('issuance:center', 'member:7:points', '1.00', `in flight ${i}`),
        headers: { 'idempotency-key': `sigterm-${i}` },
      }),
    );
    t.equal(await lockWaiters(watcher, N, blocker), N, `${N} writes are in flight, waiting in the database`);

    const termAt = Date.now();
    server.child.kill('SIGTERM');
    await sleep(700);
    t.ok(server.running(), 'after SIGTERM the service waits for the requests in flight');
    // A second SIGTERM while it waits (a supervisor may repeat it) must not cut the shutdown short:
    // with a one-shot handler it fell to the default action, and the process died of it.
    server.child.kill('SIGTERM');
    await sleep(100);
    t.ok(server.running(), 'a second SIGTERM does not end the shutdown early');
    const refused = await fetch(`${server.base}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.status,
      () => 'refused',
    );
    t.not(refused, 200, `a new request after SIGTERM is not served as usual (got ${refused})`);

    await blocker.query('COMMIT'); // the writes go on
    const results = await within(Promise.all(inFlight), 15_000, 'in-flight requests');
    t.same(results.map((r) => r.status), Array(N).fill(201), 'every in-flight request completes with its real answer: 201');
    t.ok(results.every((r) => r.body.kind === 'adjustment' && r.body.postings.length === 2), 'each with its entry');
    const exit = await within(server.closed, 15_000, 'exit after SIGTERM');
    const took = Date.now() - termAt;
    t.same(exit, { code: 0, signal: null }, 'the process exits 0');
    t.ok(took < 8000, `within the shutdown bound SHUTDOWN_TIMEOUT_MS=8000 (took ${took} ms)`);
    t.match(server.stdout(), /shutting down/, 'it logged the shutdown');

    // The writes are there.
    const rows = await watcher.query(`SELECT entry_id::text AS id FROM ledger_entries WHERE tenant_id = $1`, [tenantId]);
    t.same(
      rows.rows.map((r: { id: string }) => r.id).sort(),
      results.map((r) => r.body.id as string).sort(),
      'every answered entry is in the database, and nothing else',
    );
    const balance = await watcher.query(
      `SELECT sum(balance)::text AS b FROM ledger_balances WHERE tenant_id = $1 AND account_id = 'member:7:points'`,
      [tenantId],
    );
    t.equal(balance.rows[0].b, `${N}.00`, 'the member balance holds every write');
    const verify = await cli(t, ['verify', '--tenant', tenantId], env);
    t.equal(verify.code, 0, '`verify --tenant` exits 0 on a good ledger');
    t.match(JSON.parse(verify.stdout), { ok: true, tenantId, entries: String(N), problems: [] });
  });

  t.test('postgres: a shutdown that cannot finish in SHUTDOWN_TIMEOUT_MS is cut off, and writes nothing', async (t) => {
    const url = await createTestDatabase(t);
    const env = { DATABASE_URL: url, SHUTDOWN_TIMEOUT_MS: '1000' };
    const { tenantId, adminKey } = parseTenant(t, await cli(t, ['tenant', 'create', '--id', 'county-c', '--name', '丙县'], env));
    const server = await startServer(t, env);
    await openAccounts(t, server.base, adminKey, 'member:9:points', 'issuance:center');

    const blocker = await connect(t, url);
    const watcher = await connect(t, url);
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE ledger_postings IN EXCLUSIVE MODE');
    const stuck = api(server.base, 'POST', '/v1/entries', {
      key: adminKey,
      body: transfer('issuance:center', 'member:9:points', '1.00'),
    }).then(
      (r) => r.status,
      () => 'no answer',
    );
    t.equal(await lockWaiters(watcher, 1, blocker), 1, 'a write is in flight, waiting in the database');
    const termAt = Date.now();
    server.child.kill('SIGTERM');
    const exit = await within(server.closed, 10_000, 'exit after SIGTERM');
    const took = Date.now() - termAt;
    t.equal(exit.code, 1, 'the service gives up with exit 1');
    t.ok(took >= 900 && took < 6000, `after about SHUTDOWN_TIMEOUT_MS=1000 (took ${took} ms)`);
    t.match(server.stdout(), /shutdown took too long/, 'and says why');
    await blocker.query('COMMIT');
    t.equal(await stuck, 'no answer', 'the stuck request got no answer');
    // Its transaction dies with the connection; wait until only our two sessions are left.
    for (let i = 0; i < 100; i++) {
      const r = await watcher.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      if (r.rows[0].n <= 1) break; // only the blocker is left
      await sleep(50);
    }
    const n = await watcher.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE tenant_id = $1`, [tenantId]);
    t.equal(n.rows[0].n, 0, 'the unanswered write was not committed');
    const verify = await cli(t, ['verify', '--tenant', tenantId], env);
    t.equal(verify.code, 0, 'the ledger still verifies');
  });
}
