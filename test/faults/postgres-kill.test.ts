// Fault test 2: PostgreSQL is stopped with `pg_ctl -m immediate stop` (a crash: no checkpoint,
// every backend killed) while 32 clients write. While it is down, /readyz and writes must answer
// 503 problem+json with a stable code within a bound (no 500, no hang). When it is started again
// the same service process must recover by itself, and then the checks of the service-kill test
// hold: every acknowledged write exactly once, the rest whole or absent and written once by a
// retry, no half entries, no stuck keys, the ledger verifies.
//
// The test runs its own Postgres 15 cluster (initdb in a temp folder, removed at the end).
// FAULTS=quick (default): one outage; FAULTS=full: two, each longer.
import crypto from 'node:crypto';
import t from 'tap';
import { clusterSupport, createCluster } from './fixtures/cluster.js';
import { type Attempt, audit, firstWriteAfter, outcomes, retryUnacked, setupCounty, snapshot, Workload } from './fixtures/ledger-load.js';
import {
  Client,
  connect,
  createDatabase,
  figures,
  freePort,
  isProblemJson,
  MODE,
  migratedTenant,
  randomBetween,
  scale,
  type Service,
  sleep,
  startService,
  waitReady,
  within,
} from './fixtures/service.js';

const CONNECTIONS = 32;
/** While the database is down, every answer must come within this (ms). */
const ANSWER_BOUND_MS = 10_000;

const unsupported = clusterSupport();

t.test(`postgres stopped (immediate) under load (${MODE})`, { skip: unsupported ?? false }, async (t) => {
  const cluster = await createCluster(t);
  const url = await createDatabase(t, cluster.url, { drop: false }); // the whole cluster is removed
  const tenant = await migratedTenant(url, `pgkill-${crypto.randomBytes(3).toString('hex')}`);
  const port = await freePort();
  let service = await startService(t, { databaseUrl: url, port });
  const exits: string[] = [];
  let phase = 'before the first outage';
  let ending = false;
  const watch = (s: Service) =>
    s.closed.then((exit) => {
      if (ending || exit.signal === 'SIGKILL') return; // the teardown's kill
      // The service must survive its database going away; say how it died.
      exits.push(`${exit.code ?? exit.signal}`);
      t.fail(`the service process exited (${exit.code ?? exit.signal}) ${phase}`);
      for (const line of s.tail().trim().split('\n').slice(-30)) t.comment(`service: ${line}`);
    });
  let crashed = watch(service);
  const client = new Client(service.base, CONNECTIONS);
  t.teardown(() => client.close());
  const county = await setupCounty(client, tenant, { members: scale(40, 120), accounts: 32 });

  const w = new Workload(county, client);
  let stop = false;
  const driving = w.drive(CONNECTIONS, () => stop);
  const outages = scale(1, 2);
  const downFor = scale(4000, 8000);
  const windows: { stoppedAt: number; downAt: number; upAt: number }[] = [];
  const recoveries: { readyMs: number | null; writeMs: number | null; pgStartMs: number }[] = [];
  const probes: { what: string; status: number | null; ms: number; problemJson: boolean; code: string | null; retryAfter: string | null }[] = [];

  for (let k = 0; k < outages; k++) {
    await sleep(randomBetween(scale(2500, 4000), scale(5000, 10000)));
    phase = `when Postgres was stopped (outage ${k + 1})`;
    const stoppedAt = Date.now();
    const inFlight = w.inFlight;
    await cluster.stop('immediate');
    const downAt = Date.now();
    t.comment(`postgres-kill: outage ${k + 1}: pg_ctl -m immediate stop took ${downAt - stoppedAt} ms, ${inFlight} requests in flight`);

    // While it is down: probe /readyz and a write of our own, besides the load.
    const probeUntil = downAt + downFor;
    while (Date.now() < probeUntil) {
      const ready = await client.request('GET', '/readyz', { timeoutMs: 30_000 });
      const write = await client.request('POST', '/v1/entries', {
        key: county.key,
        headers: { 'idempotency-key': `probe-${crypto.randomUUID()}` },
        body: {
          reason: 'probe while the database is down',
          postings: [
            { accountId: county.issuance, unit: 'POINTS', direction: 'debit', amount: '1.00' },
            { accountId: county.accounts[0], unit: 'POINTS', direction: 'credit', amount: '1.00' },
          ],
        },
        timeoutMs: 30_000,
      });
      for (const [what, r] of [['readyz', ready], ['write', write]] as const) {
        probes.push({
          what,
          status: r.ok ? r.status : null,
          ms: r.doneAt - r.sentAt,
          problemJson: r.ok && isProblemJson(r),
          code: r.ok ? (r.body?.code ?? null) : r.error,
          retryAfter: r.ok ? ((r.headers['retry-after'] as string | undefined) ?? null) : null,
        });
      }
      await sleep(250);
    }

    const upAt = Date.now();
    await cluster.start();
    const pgStartMs = Date.now() - upAt;
    windows.push({ stoppedAt, downAt, upAt });
    if (!service.running()) {
      // It died (a failure, reported above). Restart it as a supervisor would, so the checks of
      // the data after the crash still run.
      await crashed;
      service = await startService(t, { databaseUrl: url, port });
      crashed = watch(service);
    }
    phase = `after Postgres was started again (outage ${k + 1})`;
    // The same process must come back by itself: no restart.
    let readyAt: number | null = null;
    try {
      readyAt = await waitReady(service.base, 60_000);
    } catch (err) {
      t.fail(`outage ${k + 1}: /readyz is not 200 again within 60 s of the restart: ${(err as Error).message}`);
    }
    const deadline = Date.now() + 60_000;
    while (firstWriteAfter(w, upAt) === null && Date.now() < deadline) await sleep(50);
    const writeAt = firstWriteAfter(w, upAt);
    recoveries.push({ readyMs: readyAt === null ? null : readyAt - upAt, writeMs: writeAt === null ? null : writeAt - upAt, pgStartMs });
    t.ok(writeAt !== null, `outage ${k + 1}: writes succeed again once Postgres is back`);
  }
  await sleep(scale(2000, 4000));
  stop = true;
  await within(driving, 90_000, 'the clients to stop');
  t.same(exits, [], 'the service process never stopped: it recovered by itself');
  phase = 'during the checks';

  // The load's answers while the database was down (sent after the stop returned, before the start).
  const all = w.attempts();
  const during: Attempt[] = all.filter((a) => windows.some((win) => a.sentAt >= win.downAt && a.sentAt < win.upAt));
  const duringBad = during.filter((a) => a.status !== 503 || !a.problemJson || a.code !== 'service_unavailable');
  const slowest = Math.max(0, ...all.map((a) => a.doneAt - a.sentAt), ...probes.map((p) => p.ms));
  const slow = all.filter((a) => a.doneAt - a.sentAt >= ANSWER_BOUND_MS).length + probes.filter((p) => p.ms >= ANSWER_BOUND_MS).length;

  const db = await connect(t, url);
  const before = await snapshot(db, county.tenantId);
  const first = audit(before, w);
  const retry = await retryUnacked(w, before, CONNECTIONS);
  const after = await snapshot(db, county.tenantId);
  const second = audit(after, w);
  const verification = await client.request('GET', '/v1/ledger/verification', { key: county.key, timeoutMs: 60_000 });
  const stuckProbes = await db.query(`SELECT count(*)::int AS n FROM idempotency_keys WHERE tenant_id = $1 AND status_code = 0`, [county.tenantId]);

  figures(t, 'postgres-kill', {
    mode: MODE,
    outages,
    down_ms: downFor,
    sent: first.sent,
    requests: first.requests,
    acked: first.acked,
    unacked: first.unacked,
    unacked_committed: first.unackedPresent,
    acked_after_failed_attempt: first.ackedAfterFailure,
    of_which_replayed: first.ackedAfterFailureReplayed,
    lost: first.lost,
    doubled: first.doubled,
    half: first.half,
    stuck_keys: first.stuck,
    errors_5xx: first.errors5xx,
    unexpected: first.unexpected,
  });
  figures(t, 'postgres-kill', Object.fromEntries(Object.entries(outcomes(all)).map(([k, v]) => [`answers_${k}`, v])));
  figures(t, 'postgres-kill', {
    service_exits: exits.length,
    while_down_requests: during.length,
    while_down_not_503_problem: duringBad.length,
    probes: probes.length,
    probes_bad: probes.filter((p) => p.status !== 503 || !p.problemJson || p.code !== 'service_unavailable').length,
    slowest_answer_ms: slowest,
    answers_over_10s: slow,
  });
  recoveries.forEach((r, i) =>
    figures(t, 'postgres-kill', { outage: i + 1, pg_start_ms: r.pgStartMs, recovery_ready_ms: r.readyMs, recovery_write_ms: r.writeMs }),
  );
  figures(t, 'postgres-kill', {
    retried: retry.retried,
    retry_replayed: retry.replayed,
    retry_fresh: retry.fresh,
    retry_failures: retry.failures,
    after_retry_lost: second.lost,
    after_retry_doubled: second.doubled,
    after_retry_half: second.half,
    after_retry_stuck: second.stuck,
    ledger_ok: verification.ok && verification.status === 200 ? verification.body.ok : 'no answer',
  });
  for (const p of duringBad.slice(0, 10)) t.comment(`postgres-kill while down: ${p.status ?? p.error} ${p.code ?? ''} ${p.text ?? ''}`);
  for (const p of [...first.problems, ...retry.problems, ...second.problems].slice(0, 40)) t.comment(`postgres-kill problem: ${p}`);

  // While down.
  t.ok(probes.length > 0, 'probed while the database was down');
  for (const what of ['readyz', 'write'] as const) {
    const mine = probes.filter((p) => p.what === what);
    t.ok(
      mine.every((p) => p.status === 503 && p.problemJson && p.code === 'service_unavailable'),
      `${what} answers 503 application/problem+json, code service_unavailable, while the database is down ` +
        `(${JSON.stringify([...new Set(mine.map((p) => `${p.status ?? ''}:${p.code}`))])})`,
    );
    t.ok(mine.every((p) => p.ms < ANSWER_BOUND_MS), `${what} answers within ${ANSWER_BOUND_MS} ms (slowest ${Math.max(...mine.map((p) => p.ms))} ms)`);
  }
  t.ok(probes.filter((p) => p.what === 'write').every((p) => p.retryAfter !== null), 'a refused write says when to retry (Retry-After)');
  t.equal(duringBad.length, 0, "the load's requests while the database is down all get 503 problem+json service_unavailable");
  t.equal(slow, 0, `no request takes ${ANSWER_BOUND_MS} ms or more, none hangs (slowest ${slowest} ms)`);

  // Recovery and the ledger.
  t.ok(first.sent > 0 && first.acked > 0, 'the load wrote something');
  t.equal(first.lost, 0, 'no acknowledged write is lost');
  t.equal(first.doubled, 0, 'no write is doubled');
  t.equal(first.half, 0, 'no half entries: every write is wholly present or wholly absent');
  t.equal(first.stuck, 0, 'no idempotency key is stuck in progress');
  t.equal(stuckProbes.rows[0].n, 0, 'not even a probe key');
  t.equal(first.errors5xx, 0, 'no 5xx other than 503');
  t.equal(first.unexpected, 0, 'no refusals: every write of the load is valid');
  t.equal(retry.failures, 0, 'each unacknowledged write, retried with its key, is written once or replayed');
  t.equal(second.unacked, 0, 'after the retries every write is acknowledged');
  t.equal(second.lost + second.doubled + second.half + second.stuck, 0, 'and each is in the database exactly once, whole');
  t.equal(verification.ok && verification.status, 200, 'GET /v1/ledger/verification answers');
  t.match(verification.ok ? verification.body : null, { ok: true, problems: [] }, 'the ledger verifies: per-unit sums zero, balances equal postings');
  for (const r of recoveries) t.ok(r.readyMs !== null && r.readyMs < 60_000, `ready again ${r.readyMs} ms after Postgres was started`);
  ending = true; // teardown kills the service: not a failure
});
