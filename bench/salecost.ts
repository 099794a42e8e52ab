import crypto from 'node:crypto';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createTenant } from '../src/tenants/tenants.js';
import { cleanupAll, cleanupOnSignals } from './cleanup.js';
import { createDatabase, withClient } from './pg.js';
import { idNumber } from './records.js';
import { round } from './stats.js';

// npm run bench:salecost [-- --sales n]
//
// Where one sale's time goes (issue 19's redeem p99): the service in this process (fastify's
// inject, no sockets), a market of 50 items, a member with points; n sales one after another
// (no contention), each a 3-line basket, and as many awards for comparison. Every statement the
// pg driver sends is counted and timed from send to answer, grouped by its first words: how many
// round trips a sale makes, which ones take the time, and how much of the request is the
// database's (round trips included) and how much the service's own.

const { values } = parseArgs({ options: { sales: { type: 'string', default: '300' } } });
const N = Number(values.sales);

type Stat = { n: number; ms: number };
let stats = new Map<string, Stat>();
const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: pg.Client, ...args: unknown[]) {
  const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string })?.text ?? '?');
  const label = text.replace(/\s+/g, ' ').trim().slice(0, 90);
  const t = performance.now();
  const done = () => {
    const s = stats.get(label) ?? { n: 0, ms: 0 };
    s.n++;
    s.ms += performance.now() - t;
    stats.set(label, s);
  };
  // The service's connections send their statements in pg's callback form (database.ts,
  // preparedStatements), which returns nothing: timed by the callback; the promise form by its promise.
  const last = args.length - 1;
  if (typeof args[last] === 'function') {
    const callback = args[last] as (...a: unknown[]) => unknown;
    args[last] = (...a: unknown[]) => {
      done();
      return callback(...a);
    };
  }
  const out = original.apply(this, args);
  if (out && typeof (out as Promise<unknown>).then === 'function') (out as Promise<unknown>).then(done, done);
  return out;
};

/** CPU milliseconds (user + system) of a process so far, from /proc. */
function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

async function main() {
  cleanupOnSignals();
  const db = await createDatabase('_salecost');
  const database = await openDatabase({ engine: 'postgres', url: db.url, poolSize: 4 });
  await migrateToLatest(database.db);
  const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', DATABASE_URL: db.url, SEAL_MS: '0' }), database, logger: false });
  await app.ready();
  const tenant = await createTenant(database.db, { id: 'cost', name: '测试县' });
  const call = async (key: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await app.inject({ method: method as 'POST', url, headers: { authorization: `Bearer ${key}`, ...headers }, ...(body ? { payload: body as object } : {}) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return JSON.parse(res.body);
  };
  const admin = tenant.adminKey.key;
  await call(admin, 'POST', '/v1/org-units', { id: 'c', kind: 'center', name: '中心' });
  await call(admin, 'POST', '/v1/org-units', { id: 'i', kind: 'institute', parentId: 'c', name: '所' });
  await call(admin, 'POST', '/v1/org-units', { id: 's', kind: 'station', parentId: 'i', name: '站', autoVerify: true });
  const station = (await call(admin, 'POST', '/v1/api-keys', { name: 'station', role: 'station', orgUnitId: 's' })).key as string;
  await call(admin, 'POST', '/v1/markets', { id: 'm', orgUnitId: 's', name: '爱心超市' });
  const skus = Array.from({ length: 50 }, (_, i) => `item-${i}`);
  for (const sku of skus) await call(admin, 'POST', '/v1/markets/m/items', { sku, name: sku, kind: 'goods', price: '1.00', stock: 1_000_000 });
  const pos = (await call(admin, 'POST', '/v1/markets/m/terminals', { id: 'till', name: 'till' })).key.key as string;
  const members: string[] = [];
  for (let i = 0; i < 50; i++) {
    const m = await call(admin, 'POST', '/v1/members', { name: `志愿者${i}`, idNumber: idNumber(i), phone: '13800001234', homeOrgUnitId: 's' });
    members.push(m.id);
    await call(admin, 'POST', '/v1/entries', {
      reason: 'grant',
      postings: [
        { accountId: 'issuance:s:points', unit: 'POINTS', direction: 'debit', amount: '100000.00' },
        { accountId: `member:${m.id}:points`, unit: 'POINTS', direction: 'credit', amount: '100000.00' },
      ],
    });
  }
  const sale = () => {
    const pick = new Set<string>();
    while (pick.size < 3) pick.add(skus[crypto.randomInt(skus.length)]!);
    return { memberId: members[crypto.randomInt(members.length)], lines: [...pick].map((sku) => ({ sku, quantity: 1 })) };
  };
  let slot = 0;
  const award = () => {
    // 6-minute records, one after another back from an hour ago: no overlap, within 30 days.
    const end = Date.now() - 3_600_000 - slot++ * 360_000;
    return { externalId: `cost-${slot}`, memberId: members[slot % members.length], orgUnitId: 's', category: 'x', title: 'x', source: 'checkin', place: 'x', startedAt: new Date(end - 360_000).toISOString(), endedAt: new Date(end).toISOString(), hours: '0.10' };
  };
  // The database's backends serving this service (its pool), for their CPU time.
  const backends = () =>
    withClient(db.url, async (c) => (await c.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)).rows.map((r) => r.pid));
  const measure = async (what: string, send: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < 20; i++) await send(-1 - i); // warm: prepared statements, caches
    stats = new Map();
    const pids = await backends();
    const dbCpu0 = pids.reduce((a, p) => a + cpuMs(p), 0);
    const cpu0 = process.cpuUsage();
    const t = performance.now();
    for (let i = 0; i < N; i++) await send(i);
    const ms = (performance.now() - t) / N;
    const cpu = process.cpuUsage(cpu0);
    const serviceCpu = (cpu.user + cpu.system) / 1000 / N;
    const dbCpu = (pids.reduce((a, p) => a + cpuMs(p), 0) - dbCpu0) / N;
    const rows = [...stats].map(([label, s]) => ({ per_request: round(s.n / N, 2), ms_each: round(s.ms / s.n, 3), label })).sort((a, b) => b.per_request * b.ms_each - a.per_request * a.ms_each);
    const dbMs = [...stats.values()].reduce((a, s) => a + s.ms, 0) / N;
    const statements = [...stats.values()].reduce((a, s) => a + s.n, 0) / N;
    console.log(`\n${what}: ${round(ms, 2)} ms per request, ${round(statements, 1)} statements (round trips), ${round(dbMs, 2)} ms of them waiting on the database`);
    console.log(`  CPU per request: service (this process, inject) ${round(serviceCpu, 2)} ms, database backends ${round(dbCpu, 2)} ms`);
    for (const r of rows) console.log(`  ${String(r.per_request).padStart(5)} × ${r.ms_each.toFixed(3).padStart(7)} ms  ${r.label}`);
  };
  await measure('sale (3 lines)', (i) => call(pos, 'POST', '/v1/redemptions', sale(), { 'idempotency-key': `s-${i}-${crypto.randomUUID()}` }));
  await measure('award', () => call(station, 'POST', '/v1/service-records', award()));
  await app.close();
  await database.close();
  await db.drop();
}

main()
  .then(() => cleanupAll())
  .catch(async (err: unknown) => {
    process.stderr.write(`salecost failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await cleanupAll();
    process.exit(1);
  });
