import t from 'tap';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { migrations } from '../migrations/index.js';
import { createTestDatabase } from './helpers/harness.js';

// When the database is down or not migrated the service says so with 503 problem+json, quickly,
// and never with a 500 or a hang.

const config = loadConfig({ LOG_LEVEL: 'silent' });
const key = 'vk_demo.0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

t.test('database unreachable: readyz and writes answer 503 within a bound', async (t) => {
  // Port 1 on loopback: nothing listens there, so every connection is refused at once.
  const database = await openDatabase({ engine: 'postgres', url: 'postgres://postgres@127.0.0.1:1/none', poolSize: 2 });
  const app = await buildApp({ config, database, logger: false });
  t.teardown(async () => {
    await app.close();
    await database.close();
  });

  const started = Date.now();
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 503);
  t.equal(ready.json().code, 'service_unavailable');
  t.match(ready.headers['content-type'], /^application\/problem\+json/);

  const health = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(health.statusCode, 200, 'the process itself is healthy');

  const write = await app.inject({
    method: 'POST',
    url: '/v1/entries',
    headers: { authorization: `Bearer ${key}`, 'idempotency-key': 'down-1' },
    payload: { reason: 'x', postings: [] },
  });
  t.equal(write.statusCode, 503, 'a write answers 503, not 500');
  t.equal(write.json().code, 'service_unavailable');
  t.equal(write.headers['retry-after'], '1');
  t.ok(Date.now() - started < 10_000, `answered within 10 s (took ${Date.now() - started} ms)`);
});

t.test('database unreachable: a scrape of /metrics still answers, with no sealing lag to report', async (t) => {
  const token = 'm'.repeat(32);
  const sealing = loadConfig({ LOG_LEVEL: 'silent', METRICS: 'on', METRICS_TOKEN: token, SIGNING_KEY_SECRET: 's'.repeat(32), SEAL_MS: '3600000', HOLD_SWEEP_MS: '0', EXPIRY_MS: '0' });
  const database = await openDatabase({ engine: 'postgres', url: 'postgres://postgres@127.0.0.1:1/none', poolSize: 2 });
  const app = await buildApp({ config: sealing, database, logger: false });
  t.teardown(async () => {
    await app.close();
    await database.close();
  });
  const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } });
  t.equal(res.statusCode, 200, 'the scrape answers 200');
  t.match(res.body, /# TYPE ledger_seal_lag_seconds gauge/, 'the lag gauge is described');
  t.notMatch(res.body, /^ledger_seal_lag_seconds\{/m, 'but has no sample: the database could not say');
  t.match(res.body, /^ledger_db_connections\{state="max"\} 2$/m, 'the rest is there');
});

t.test('database reachable but not migrated: readyz 503 naming the pending migrations', async (t) => {
  const url = await createTestDatabase(t);
  const database = await openDatabase({ engine: 'postgres', url, poolSize: 2 });
  const app = await buildApp({ config, database, logger: false });
  t.teardown(async () => {
    await app.close();
    await database.close();
  });
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 503);
  t.equal(ready.json().code, 'service_unavailable');
  t.same(ready.json().pendingMigrations, Object.keys(migrations), 'every migration is pending');
});
