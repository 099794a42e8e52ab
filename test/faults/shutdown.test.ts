// Fault test 4: graceful shutdown under load. SIGTERM arrives while 32 clients write. Requests
// the service had already taken in must finish with their real answer (not a reset); new ones
// are refused (connection refused, or 503); the process exits 0 within SHUTDOWN_TIMEOUT_MS
// (default 10 s); nothing acknowledged is lost, and nothing unanswered was written.
//
// The service runs at LOG_LEVEL=info here: its `incoming request` lines (matched by the
// X-Request-Id each attempt sends) tell which requests it had taken in when the signal came.
// FAULTS=quick (default): one SIGTERM; FAULTS=full: three, the service started again in between.
import crypto from 'node:crypto';
import t from 'tap';
import { type Attempt, audit, outcomes, retryUnacked, setupCounty, snapshot, Workload } from './fixtures/ledger-load.js';
import {
  Client,
  connect,
  createDatabase,
  type Exit,
  figures,
  freePort,
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
const SHUTDOWN_TIMEOUT_MS = 10_000; // the service's default; not set in its environment

interface Seen {
  /** requestId → time of the service's `incoming request` line. */
  received: Map<string, number>;
  /** requestId → status of its `request completed` line. */
  completed: Map<string, number>;
  /** Requests answered 503 by the framework because the server was closing. */
  refusedWhileClosing: number;
  shuttingDownAt: number | null;
  stoppedAt: number | null;
}

function watchLog(seen: Seen) {
  return (line: string) => {
    let entry: { msg?: string; requestId?: string; time?: number; res?: { statusCode?: number } };
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    const at = entry.time ?? Date.now();
    if (entry.msg === 'incoming request' && entry.requestId) seen.received.set(entry.requestId, at);
    else if (entry.msg === 'request completed' && entry.requestId) seen.completed.set(entry.requestId, entry.res?.statusCode ?? 0);
    else if (entry.msg?.startsWith('request aborted - refusing')) seen.refusedWhileClosing++;
    else if (entry.msg?.startsWith('shutting down')) seen.shuttingDownAt = at;
    else if (entry.msg === 'stopped') seen.stoppedAt = at;
  };
}

t.test(`graceful shutdown: SIGTERM under load (${MODE})`, async (t) => {
  const url = await createDatabase(t);
  const tenant = await migratedTenant(url, `term-${crypto.randomBytes(3).toString('hex')}`);
  const port = await freePort();
  const seen: Seen = { received: new Map(), completed: new Map(), refusedWhileClosing: 0, shuttingDownAt: null, stoppedAt: null };
  const start = () => startService(t, { databaseUrl: url, port, env: { LOG_LEVEL: 'info' }, onLine: watchLog(seen) });
  let service: Service = await start();
  const client = new Client(service.base, CONNECTIONS);
  t.teardown(() => client.close());
  const county = await setupCounty(client, tenant, { members: scale(40, 120), accounts: 32 });

  const w = new Workload(county, client);
  let stop = false;
  const driving = w.drive(CONNECTIONS, () => stop);
  const cycles = scale(1, 3);
  const terms: { termAt: number; exitAt: number; exit: Exit; logShutdownAt: number | null; logStoppedAt: number | null }[] = [];
  for (let c = 0; c < cycles; c++) {
    if (c > 0) {
      seen.shuttingDownAt = null;
      seen.stoppedAt = null;
      service = await start();
    }
    await sleep(randomBetween(scale(2500, 4000), scale(5000, 9000)));
    const termAt = Date.now();
    const inFlight = w.inFlight;
    service.child.kill('SIGTERM');
    const exit = await within(service.closed, SHUTDOWN_TIMEOUT_MS + 20_000, 'exit after SIGTERM');
    const exitAt = Date.now();
    terms.push({ termAt, exitAt, exit, logShutdownAt: seen.shuttingDownAt, logStoppedAt: seen.stoppedAt });
    t.comment(`shutdown: SIGTERM ${c + 1} with ${inFlight} requests in flight; exit ${JSON.stringify(exit)} after ${exitAt - termAt} ms`);
    if (exit.code !== 0) for (const line of service.tail().trim().split('\n').slice(-20)) t.comment(`service: ${line}`);
    await sleep(500); // clients keep trying: every new request is refused
  }
  stop = true;
  await within(driving, 60_000, 'the clients to stop');

  // Classify every attempt by what the service did with it.
  const all = w.attempts();
  const firstTerm = terms[0]!.termAt;
  const inTerm = (a: Attempt) => terms.some((x) => a.doneAt >= x.termAt && a.sentAt <= x.exitAt);
  let takenIn = 0;
  let takenInAnswered = 0;
  let takenInReset = 0;
  let takenInNot2xx = 0;
  let takenInAfterClose = 0;
  let refusedConn = 0;
  let refused503 = 0;
  let refused503NotProblem = 0;
  let resetNotTakenIn = 0;
  let errorsBeforeTerm = 0;
  let other = 0;
  const problems: string[] = [];
  const note = (p: string) => problems.length < 30 && problems.push(p);
  let refusedAtDoor = 0;
  for (const a of all) {
    const receivedAt = seen.received.get(a.requestId);
    // Received only once the service had logged that it is shutting down, and answered 503
    // service_unavailable: refused at the door, not taken in (a refusal made by a hook of the
    // service's own, rather than by the framework, comes after the `incoming request` line).
    const atDoor =
      receivedAt !== undefined &&
      a.status === 503 &&
      a.code === 'service_unavailable' &&
      terms.some((x) => x.logShutdownAt !== null && receivedAt >= x.logShutdownAt && receivedAt <= x.exitAt);
    if (atDoor) refusedAtDoor++;
    if (receivedAt !== undefined && !atDoor) {
      takenIn++;
      if (a.status === null) {
        takenInReset++;
        note(`${a.requestId} (${a.op.kind}) was taken in at ${receivedAt} but the client got ${a.error}`);
      } else {
        takenInAnswered++;
        if (a.status < 200 || a.status >= 300) {
          takenInNot2xx++;
          note(`${a.requestId} (${a.op.kind}) was taken in but answered ${a.status} ${a.text ?? ''}`);
        }
      }
      // Taken in well after the service said it was shutting down: it did not stop accepting.
      const x = terms.find((x) => x.logShutdownAt !== null && receivedAt > x.logShutdownAt + 200 && receivedAt <= x.exitAt);
      if (x) {
        takenInAfterClose++;
        note(`${a.requestId} taken in ${receivedAt - x.logShutdownAt!} ms after shutdown began`);
      }
      continue;
    }
    if (a.sentAt < firstTerm && a.status === null && !inTerm(a)) {
      errorsBeforeTerm++;
      note(`${a.requestId}: ${a.error} before any SIGTERM`);
    } else if (a.status === null && a.error === 'ECONNREFUSED') refusedConn++;
    else if (a.status === 503) {
      refused503++;
      // Fastify's own drain answer bypasses the service's error handler.
      if (!a.problemJson) {
        refused503NotProblem++;
        if (refused503NotProblem === 1) note(`a 503 while draining is not problem+json: ${a.text ?? ''}`);
      }
    } else if (a.status === null && (a.error === 'ECONNRESET' || a.error === 'EPIPE')) resetNotTakenIn++;
    else {
      other++;
      note(`${a.requestId}: ${a.status ?? a.error} not taken in by the service`);
    }
  }

  // Start it again for the checks over HTTP and the retries.
  seen.shuttingDownAt = null;
  service = await startService(t, { databaseUrl: url, port });
  const db = await connect(t, url);
  const before = await snapshot(db, county.tenantId);
  const first = audit(before, w);
  const retry = await retryUnacked(w, before, CONNECTIONS);
  const after = await snapshot(db, county.tenantId);
  const second = audit(after, w);
  const verification = await client.request('GET', '/v1/ledger/verification', { key: county.key, timeoutMs: 60_000 });

  figures(t, 'shutdown', {
    mode: MODE,
    sigterms: cycles,
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
  });
  figures(t, 'shutdown', Object.fromEntries(Object.entries(outcomes(all)).map(([k, v]) => [`answers_${k}`, v])));
  figures(t, 'shutdown', {
    taken_in: takenIn,
    taken_in_answered: takenInAnswered,
    taken_in_reset: takenInReset,
    taken_in_not_2xx: takenInNot2xx,
    taken_in_after_close: takenInAfterClose,
    refused_conn: refusedConn,
    refused_503: refused503,
    refused_503_logged_in_first: refusedAtDoor,
    refused_503_not_problem_json: refused503NotProblem,
    framework_503_logged: seen.refusedWhileClosing,
    reset_not_taken_in: resetNotTakenIn,
    errors_before_sigterm: errorsBeforeTerm,
    other,
  });
  terms.forEach((x, i) =>
    figures(t, 'shutdown', {
      sigterm: i + 1,
      exit_code: x.exit.code,
      exit_signal: x.exit.signal,
      exit_ms: x.exitAt - x.termAt,
      stopped_logged: x.logStoppedAt !== null,
    }),
  );
  figures(t, 'shutdown', {
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
  for (const p of [...problems, ...first.problems, ...retry.problems, ...second.problems].slice(0, 40)) t.comment(`shutdown problem: ${p}`);

  for (const [i, x] of terms.entries()) {
    t.same(x.exit, { code: 0, signal: null }, `SIGTERM ${i + 1}: the process exits 0`);
    t.ok(x.exitAt - x.termAt < SHUTDOWN_TIMEOUT_MS, `SIGTERM ${i + 1}: within SHUTDOWN_TIMEOUT_MS (${x.exitAt - x.termAt} ms)`);
  }
  t.ok(takenIn > 0, 'the service took requests in');
  t.equal(takenInReset, 0, 'every request the service had taken in got its answer: none reset');
  t.equal(takenInNot2xx, 0, 'and its real answer (2xx: every write of the load is valid)');
  t.equal(takenInAfterClose, 0, 'no request is taken in once the shutdown is under way');
  t.equal(errorsBeforeTerm, 0, 'no failures before the signal');
  t.equal(other, 0, 'every other request is refused: connection refused, reset before it was taken in, or 503');
  t.equal(refused503NotProblem, 0, 'a 503 while draining is application/problem+json like every other error');
  t.equal(first.lost, 0, 'no acknowledged write is lost');
  t.equal(first.unackedPresent, 0, 'no unanswered write was committed');
  t.equal(first.doubled + first.half + first.stuck + first.errors5xx, 0, 'nothing doubled, no half entries, no stuck keys, no 5xx');
  t.equal(retry.failures, 0, 'each unanswered write, retried with its key, is written once');
  t.equal(second.unacked + second.lost + second.doubled + second.half + second.stuck, 0, 'then every write is in the database exactly once, whole');
  t.match(verification.ok ? verification.body : null, { ok: true, problems: [] }, 'the ledger verifies');
});
