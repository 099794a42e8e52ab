// Fault test 1: the service is SIGKILLed at a random moment while 32 clients write (awards,
// posted-then-verified records, manual entries, reversals, each with its idempotency key), then
// started again. Every acknowledged write must be in the database exactly once; every other one
// wholly there or wholly absent, and its retry with the same key gives exactly one; no half
// entries; no key stuck "in progress"; the ledger verifies; the report folds the service runs beside
// its sealer agree with the sealed awards.
//
// FAULTS=quick (default): one kill; FAULTS=full: three kills over a longer run.
import crypto from 'node:crypto';
import t from 'tap';
import { foldAudit, foldedUp } from './fixtures/folds.js';
import { audit, firstWriteAfter, outcomes, retryUnacked, setupCounty, snapshot, Workload } from './fixtures/ledger-load.js';
import {
  Client,
  connect,
  createDatabase,
  figures,
  freePort,
  killService,
  MODE,
  migratedTenant,
  randomBetween,
  scale,
  type Service,
  sleep,
  startService,
  within,
} from './fixtures/service.js';

const CONNECTIONS = 32;
// One signing secret for every start: each start has a new data folder, and a secret made there
// would not open the tenant's signing key sealed under the first one, so sealing would stop.
const SIGNING = { SIGNING_KEY_SECRET: 'service-kill-signing-secret-0123456789' };

async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(20);
  }
  return condition();
}

t.test(`service SIGKILLed under load (${MODE})`, async (t) => {
  const url = await createDatabase(t);
  const tenant = await migratedTenant(url, `kill-${crypto.randomBytes(3).toString('hex')}`);
  const port = await freePort();
  let service: Service = await startService(t, { databaseUrl: url, port, env: SIGNING });
  const client = new Client(service.base, CONNECTIONS);
  t.teardown(() => client.close());
  const county = await setupCounty(client, tenant, { members: scale(40, 120), accounts: 32 });

  const w = new Workload(county, client);
  let stop = false;
  const driving = w.drive(CONNECTIONS, () => stop);
  const kills = scale(1, 3);
  const recoveries: { readyMs: number; writeMs: number | null }[] = [];
  for (let k = 0; k < kills; k++) {
    await sleep(randomBetween(scale(2500, 5000), scale(5000, 15000)));
    const inFlight = w.inFlight;
    const killedAt = await killService(service, 'SIGKILL');
    t.comment(`service-kill: kill ${k + 1} at +${killedAt - w.attempts()[0]!.sentAt} ms, ${inFlight} requests in flight`);
    service = await startService(t, { databaseUrl: url, port, env: SIGNING });
    const wrote = await waitFor(() => firstWriteAfter(w, killedAt) !== null, 60_000);
    const writeAt = firstWriteAfter(w, killedAt);
    recoveries.push({ readyMs: service.readyAt - killedAt, writeMs: writeAt === null ? null : writeAt - killedAt });
    t.ok(wrote, `kill ${k + 1}: writes succeed again after the restart`);
  }
  await sleep(scale(2000, 4000));
  stop = true;
  await within(driving, 90_000, 'the clients to stop');

  const db = await connect(t, url);
  const before = await snapshot(db, county.tenantId);
  const first = audit(before, w);
  const retry = await retryUnacked(w, before, CONNECTIONS);
  const after = await snapshot(db, county.tenantId);
  const second = audit(after, w);
  const verification = await client.request('GET', '/v1/ledger/verification', { key: county.key, timeoutMs: 60_000 });

  const kinds: Record<string, number> = {};
  for (const op of w.ops) if (op.attempts.length > 0) kinds[op.kind] = (kinds[op.kind] ?? 0) + 1;
  figures(t, 'service-kill', {
    mode: MODE,
    kills,
    sent: first.sent,
    requests: first.requests,
    acked: first.acked,
    unacked: first.unacked,
    unacked_committed: first.unackedPresent,
    lost: first.lost,
    doubled: first.doubled,
    half: first.half,
    stuck_keys: first.stuck,
    errors_5xx: first.errors5xx,
    unexpected: first.unexpected,
  });
  figures(t, 'service-kill', Object.fromEntries(Object.entries(kinds).map(([k, v]) => [`sent_${k}`, v])));
  figures(t, 'service-kill', Object.fromEntries(Object.entries(outcomes(w.attempts())).map(([k, v]) => [`answers_${k}`, v])));
  recoveries.forEach((r, i) => figures(t, 'service-kill', { kill: i + 1, recovery_ready_ms: r.readyMs, recovery_write_ms: r.writeMs }));
  figures(t, 'service-kill', {
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
  for (const p of [...first.problems, ...retry.problems, ...second.problems].slice(0, 40)) t.comment(`service-kill problem: ${p}`);

  t.ok(first.sent > 0 && first.acked > 0, 'the load wrote something');
  t.equal(first.lost, 0, 'no acknowledged write is lost');
  t.equal(first.doubled, 0, 'no write is doubled');
  t.equal(first.half, 0, 'no half entries: every write is wholly present or wholly absent');
  t.equal(first.stuck, 0, 'no idempotency key is stuck in progress');
  t.equal(first.errors5xx, 0, 'no 5xx other than 503');
  t.equal(first.unexpected, 0, 'no refusals: every write of the load is valid');
  t.equal(retry.failures, 0, 'each unacknowledged write, retried with its key, is written once or replayed');
  t.equal(second.unacked, 0, 'after the retries every write is acknowledged');
  t.equal(second.lost + second.doubled + second.half + second.stuck, 0, 'and each is in the database exactly once, whole');
  t.equal(verification.ok && verification.status, 200, 'GET /v1/ledger/verification answers');
  t.match(verification.ok ? verification.body : null, { ok: true, problems: [] }, 'the ledger verifies: per-unit sums zero, balances equal postings');
  for (const u of verification.ok ? (verification.body.unitTotals as { unit: string; total: string }[]) : []) {
    t.equal(u.total, '0.00', `${u.unit} postings sum to zero`);
  }
  for (const r of recoveries) {
    t.ok(r.readyMs < 60_000, `ready again ${r.readyMs} ms after the kill`);
  }

  // The service's report folds (every SEAL_MS, beside its sealer) went on through the kills: once
  // it has sealed and folded everything, each counted record is there once with its awards' hours.
  const up = await foldedUp(db, county.tenantId, 60_000);
  t.ok(up.done, `the service seals and folds every entry after the kills: ${JSON.stringify(up)}`);
  const folds = await foldAudit(db, county.tenantId);
  figures(t, 'service-kill', { folded_through: folds.through, counted_records: folds.records, fold_problems: folds.problems.length });
  for (const p of folds.problems.slice(0, 20)) t.comment(`service-kill fold problem: ${p}`);
  t.ok(folds.records > 0, 'records were counted');
  t.same(folds.problems, [], 'the counted records and their day totals are what the sealed awards say');
});
