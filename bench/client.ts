import crypto from 'node:crypto';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import autocannon, { type Request } from 'autocannon';
import { RecordMaker } from './records.js';
import { saleBody, type SaleLoad } from './redeem.js';
import { latency, type Latency, round, Samples } from './stats.js';

// The HTTP load generator. It runs in its own process (bench/load.ts starts it), so the work of
// building request bodies and parsing answers is not charged to the benchmark driver, and the
// driver can sample the service's memory meanwhile. It reads a ClientConfig as JSON on stdin,
// runs a warm-up and then the measured window, and prints one JSON object on stdout.

export type Mode = 'award' | 'batch' | 'read' | 'floor' | 'read-open' | 'floor-open' | 'hold-capture' | 'redeem' | 'redeem-open';

export interface ClientConfig {
  url: string;
  mode: Mode;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Connection i sends with keys[i % keys.length] and posts for that key's org unit. */
  keys: { key: string; orgUnitId: string }[];
  members: string[];
  /** Slot plan (bench/records.ts): the anchor day and this process's lane. */
  anchor: number;
  lane: number;
  /** Prefix of externalIds, unique per run and scenario. */
  tag: string;
  batchSize: number;
  timeoutSeconds: number;
  /**
   * read-open, redeem-open: the offered rate, requests per second, whatever the answers' pace.
   * award: autocannon's overallRate, a paced closed loop (the redeem scenarios' background load).
   */
  rate?: number;
  /** hold-capture: the admin key and the funded accounts to hold from (bench/baselines.ts). */
  adminKey?: string;
  accounts?: string[];
  /** redeem, redeem-open: the terminals' keys and the catalogue; `members` are the buyers. */
  sale?: SaleLoad;
}

export interface PhaseResult extends Latency {
  started_at: string;
  finished_at: string;
  duration_s: number;
  responses: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  status_codes: Record<string, number>;
  requests_per_s: number;
  /** Records written (award: one per 2xx; batch: the accepted items). */
  records: number;
  records_per_s: number;
  /** Batch items refused inside a 200 answer. */
  refused_items: number;
  /** 201 answers whose record was not verified at once (autoVerify did not apply). */
  not_verified: number;
  /** The first few failed answers, for diagnosis. */
  failures: string[];
  /** read-open: the rate offered, and how many requests were still unanswered at the end. */
  offered_per_s?: number;
  unanswered?: number;
  /** Open loops: the load generator's CPU per request sent and its event loop's delays (ms). */
  client_cpu_ms_per_request?: number;
  client_loop_delay_p99_ms?: number;
  client_loop_delay_max_ms?: number;
}

export interface ClientResult {
  warmup: PhaseResult | null;
  measured: PhaseResult;
}

function phase(cfg: ClientConfig, seconds: number, maker: RecordMaker): Promise<PhaseResult> {
  const lat = new Samples();
  const codes: Record<string, number> = {};
  const failures: string[] = [];
  let ok = 0;
  let records = 0;
  let refused = 0;
  let notVerified = 0;
  let nextKey = 0;

  const fail = (what: string) => {
    if (failures.length < 5) failures.push(what.slice(0, 600));
  };

  // One request definition per connection, bound to that connection's key and org unit.
  const requestFor = (key: string, orgUnitId: string): Request => {
    const auth = { authorization: `Bearer ${key}` };
    const json = { ...auth, 'content-type': 'application/json' };
    switch (cfg.mode) {
      case 'award':
        return {
          method: 'POST',
          path: '/v1/service-records',
          headers: json,
          setupRequest: (req) => ({ ...req, body: JSON.stringify(maker.next(orgUnitId)) }),
          onResponse: (status, body) => {
            if (status >= 200 && status < 300) {
              records++;
              // The record must have been verified (one award entry) by the station's autoVerify.
              if (!body.includes('"status":"verified"')) {
                notVerified++;
                fail(`not verified: ${body}`);
              }
            } else fail(`${status} ${body}`);
          },
        };
      case 'batch':
        return {
          method: 'POST',
          path: '/v1/service-records:batch',
          headers: json,
          setupRequest: (req) => ({
            ...req,
            body: JSON.stringify({ items: Array.from({ length: cfg.batchSize }, () => maker.next(orgUnitId)) }),
          }),
          onResponse: (status, body) => {
            if (status < 200 || status >= 300) return fail(`${status} ${body}`);
            // The answer starts with the counts; no need to parse 100 outcomes to read them.
            const head = body.slice(0, 200);
            const accepted = Number(/"accepted":(\d+)/.exec(head)?.[1] ?? 0);
            const refusedHere = Number(/"refused":(\d+)/.exec(head)?.[1] ?? cfg.batchSize);
            records += accepted;
            refused += refusedHere;
            if (refusedHere > 0) fail(`batch refused ${refusedHere}: ${body}`);
          },
        };
      case 'floor':
        // GET /healthz: no key, no database; what one HTTP request costs the service and this
        // client on the shared cores, the floor under every other scenario.
        return {
          method: 'GET',
          path: '/healthz',
          onResponse: (status, body) => {
            if (status >= 200 && status < 300) records++;
            else fail(`${status} ${body}`);
          },
        };
      case 'read':
        return {
          method: 'GET',
          path: '/v1/members',
          headers: auth,
          setupRequest: (req) => ({ ...req, path: `/v1/members/${cfg.members[crypto.randomInt(cfg.members.length)]}` }),
          onResponse: (status, body) => {
            if (status >= 200 && status < 300) records++;
            else fail(`${status} ${body}`);
          },
        };
      default:
        throw new Error(`autocannon does not drive ${cfg.mode}`);
    }
  };

  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: cfg.url,
        connections: cfg.connections,
        duration: seconds,
        timeout: cfg.timeoutSeconds,
        ...(cfg.rate ? { overallRate: cfg.rate } : {}),
        setupClient: (client) => {
          const { key, orgUnitId } = cfg.keys[nextKey++ % cfg.keys.length]!;
          client.setRequests([requestFor(key, orgUnitId)]);
        },
      },
      (err, result) => {
        if (err) return reject(err);
        const duration = result.duration;
        resolve({
          started_at: new Date(result.start).toISOString(),
          finished_at: new Date(result.finish).toISOString(),
          duration_s: duration,
          responses: lat.length,
          ok,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          status_codes: codes,
          requests_per_s: round(ok / duration, 1),
          records,
          records_per_s: round(records / duration, 1),
          refused_items: refused,
          not_verified: notVerified,
          failures,
          ...latency(lat.values()),
        });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
      lat.push(responseTime);
      codes[status] = (codes[status] ?? 0) + 1;
      if (status >= 200 && status < 300) ok++;
    });
    instance.on('reqError', (err: Error) => fail(`request error: ${err.message}`));
  });
}

// ---- Drivers of our own, on node:http with a keep-alive agent ----------------------------------

interface Answer {
  status: number;
  body: string;
}

function request(agent: http.Agent, base: URL, method: string, path: string, headers: Record<string, string>, body: string | null, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: base.hostname, port: base.port, method, path, headers: body === null ? headers : { ...headers, 'content-length': Buffer.byteLength(body) }, timeout: timeoutMs },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

function phaseResult(start: number, finished: number, lat: Samples, ok: number, records: number, codes: Record<string, number>, errors: number, timeouts: number, failures: string[]): PhaseResult {
  const duration = (finished - start) / 1000;
  let non2xx = 0;
  for (const [code, n] of Object.entries(codes)) if (Number(code) < 200 || Number(code) >= 300) non2xx += n;
  return {
    started_at: new Date(start).toISOString(),
    finished_at: new Date(finished).toISOString(),
    duration_s: round(duration),
    responses: lat.length,
    ok,
    non2xx,
    errors,
    timeouts,
    status_codes: codes,
    requests_per_s: round(ok / duration, 1),
    records,
    records_per_s: round(records / duration, 1),
    refused_items: 0,
    not_verified: 0,
    failures,
    ...latency(lat.values()),
  };
}

/**
 * The open loop: read-open (GET /v1/members/{id} for random members), floor-open and redeem-open (sales) at a
 * fixed offered rate, whatever the pace of the answers (an open loop: a slow answer does not
 * delay the next request, as it does in a closed loop of N connections). Each request's latency counts from the moment it was due, not
 * from when a socket took it, so queueing in the client counts too (no coordinated omission).
 * The warm-up (cfg.warmupSeconds) is the first part of the same schedule, at the same rate and on
 * the same connections, with its answers left out: the window then starts in the steady state,
 * not in the first second of a load generator just started (its code not yet compiled, every
 * request of its first 800 ms late by 10–300 ms on the 2-core machine) and of a service still
 * collecting the garbage of the load before. Requests due in the window are sent; the answers
 * still out when it ends are waited for up to
 * OPEN_LOOP_GRACE_MS, and those still unanswered then count with the time they had waited (a
 * lower bound) and as `unanswered`. The rate achieved is the answers received within the window
 * per second of it.
 */
const OPEN_LOOP_GRACE_MS = 5_000;

/** One request of an open loop, made when it is due. */
interface Due {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | null;
}

function openLoopRead(cfg: ClientConfig): Promise<ClientResult> {
  const headers = { authorization: `Bearer ${cfg.keys[0]!.key}` };
  return openLoop(cfg, () => ({ method: 'GET', path: `/v1/members/${cfg.members[crypto.randomInt(cfg.members.length)]!}`, headers, body: null }));
}

/**
 * floor-open: GET /healthz (no key, no database) on read-open's schedule, in the same run: what
 * the load generator, the HTTP stack and the shared cores alone leave of a read's latency budget.
 */
function openLoopFloor(cfg: ClientConfig): Promise<ClientResult> {
  return openLoop(cfg, () => ({ method: 'GET', path: '/healthz', headers: {}, body: null }));
}

/** redeem-open: sales at a fixed offered rate, round the terminals, each with its own key. */
function openLoopRedeem(cfg: ClientConfig): Promise<ClientResult> {
  const sale = cfg.sale!;
  const run = crypto.randomBytes(4).toString('hex');
  let n = 0;
  return openLoop(cfg, () => {
    const i = n++;
    return {
      method: 'POST',
      path: '/v1/redemptions',
      headers: saleHeaders(sale.terminalKeys[i % sale.terminalKeys.length]!, `${cfg.tag}-${run}-${i}`),
      body: saleBody(cfg.members, sale),
    };
  });
}

/**
 * award at a fixed rate (the background of the sales' scenarios): records of the stations in turn,
 * each sent when it is due, so the rate is the same in every part of a second. autocannon's
 * overallRate sends each connection's share of a second back to back at the start of it, which
 * made "100 awards/s" a burst of 100 closed-loop awards every second.
 */
function openLoopAward(cfg: ClientConfig, maker: RecordMaker): Promise<ClientResult> {
  let n = 0;
  return openLoop(cfg, () => {
    const { key, orgUnitId } = cfg.keys[n++ % cfg.keys.length]!;
    return {
      method: 'POST',
      path: '/v1/service-records',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(maker.next(orgUnitId)),
    };
  });
}

const saleHeaders = (key: string, idempotencyKey: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey });

/** What one part of an open loop's schedule (the warm-up, or the window) counted. */
class OpenTally {
  readonly lat = new Samples();
  readonly codes: Record<string, number> = {};
  readonly failures: string[] = [];
  errors = 0;
  timeouts = 0;
  /** 2xx answers received before the window ended (the rate achieved counts these). */
  answeredInWindow = 0;
  start = 0;
  finished = 0;

  result(): PhaseResult {
    return phaseResult(this.start, this.finished, this.lat, this.answeredInWindow, this.answeredInWindow, this.codes, this.errors, this.timeouts, this.failures);
  }
}

async function openLoop(cfg: ClientConfig, next: () => Due): Promise<ClientResult> {
  const rate = cfg.rate ?? 2000;
  const base = new URL(cfg.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(cfg.connections, 256) });
  const warm = new OpenTally();
  const win = new OpenTally();
  let windowOver = false;
  const inFlight = new Map<Promise<void>, number>();
  // Connections opened before the window, as a terminal or an app keeps its connection open: a
  // fresh agent opened one for each request of the first burst, and those connects (a handshake
  // each, on the shared cores) made a third of the slow answers of a 15 s window at 1,000 req/s,
  // all in its first half second.
  await Promise.all(Array.from({ length: cfg.connections }, () => request(agent, base, 'GET', '/healthz', {}, null, cfg.timeoutSeconds * 1000)));
  // The load generator's own delays and CPU in the window: it shares the cores, and a request it
  // sends late is timed from when it was due, so its stalls count in the latencies it reports.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  let cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const warmup = Math.floor(rate * cfg.warmupSeconds);
  const total = warmup + Math.floor(rate * cfg.durationSeconds);
  let sent = 0;
  warm.start = Date.now();
  const fire = (due: number, t: OpenTally) => {
    const r = next();
    const p = request(agent, base, r.method, r.path, r.headers, r.body, cfg.timeoutSeconds * 1000)
      .then((a) => {
        if (t === win && inFlight.get(p) === undefined) return; // given up on at the end
        t.lat.push(performance.now() - due);
        t.codes[a.status] = (t.codes[a.status] ?? 0) + 1;
        if (a.status >= 200 && a.status < 300) {
          if (t === warm || !windowOver) t.answeredInWindow++;
        } else if (t.failures.length < 5) t.failures.push(`${a.status} ${a.body.slice(0, 300)}`);
      })
      .catch((err: Error) => {
        if (t === win && inFlight.get(p) === undefined) return;
        if (err.message === 'timeout') t.timeouts++;
        else t.errors++;
        if (t.failures.length < 5) t.failures.push(`request error: ${err.message}`);
      })
      .finally(() => inFlight.delete(p));
    if (t === win) inFlight.set(p, due);
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      // Every request due by now (a late timer sends the ones it owes at once, each timed from its due time).
      while (sent < total && t0 + (sent * 1000) / rate <= now) {
        if (sent === warmup) {
          // The window starts with no pause: the warm-up's answers still out are left to it.
          warm.finished = win.start = Date.now();
          loopDelay.enable();
          cpu0 = process.cpuUsage();
        }
        fire(t0 + (sent * 1000) / rate, sent < warmup ? warm : win);
        sent++;
      }
      if (sent >= total) return resolve();
      setTimeout(tick, 1);
    };
    tick();
  });
  win.finished = Date.now();
  loopDelay.disable();
  const cpu = process.cpuUsage(cpu0);
  windowOver = true;
  await Promise.race([Promise.all([...inFlight.keys()]), new Promise((r) => setTimeout(r, OPEN_LOOP_GRACE_MS))]);
  const unanswered = inFlight.size;
  const now = performance.now();
  for (const due of inFlight.values()) win.lat.push(now - due);
  inFlight.clear();
  agent.destroy();
  return {
    warmup: warmup > 0 ? warm.result() : null,
    measured: {
      ...win.result(),
      offered_per_s: rate,
      unanswered,
      client_cpu_ms_per_request: round((cpu.user + cpu.system) / 1000 / Math.max(1, total - warmup), 3),
      client_loop_delay_p99_ms: round(loopDelay.percentile(99) / 1e6),
      client_loop_delay_max_ms: round(loopDelay.max / 1e6),
    },
  };
}

/**
 * hold-capture: N loops, each holding 1.00 point of a random funded account and then capturing it
 * to another random funded account (two requests in sequence), through the raw ledger API with the
 * admin key: the pair moves a point between two random accounts of 10,000, as ledger-post-2 does,
 * so the ratio compares like for like. A pair is one record; its latency is the two requests'.
 */
const HOLD_API = {
  create: (accountId: string, n: number) => ({
    path: '/v1/holds',
    body: { accountId, unit: 'POINTS', amount: '1.00', reference: `bench-hold-${n}`, ttlSeconds: 300 },
  }),
  capture: (id: string, creditTo: string) => ({ path: `/v1/holds/${encodeURIComponent(id)}/capture`, body: { amount: '1.00', credits: [{ accountId: creditTo }] } }),
};

/** What a closed loop's step counts into: its answers' codes, latencies and first failures. */
interface LoopTally {
  agent: http.Agent;
  base: URL;
  lat: Samples;
  codes: Record<string, number>;
  failures: string[];
  ok: number;
  /** Keys of this phase carry it, so the measured phase never replays the warm-up's keys (409). */
  run: string;
}

/**
 * A closed loop: cfg.connections connections, each running `step` again as soon as its last one
 * finished, until `seconds` have passed. A step that throws counts as a timeout or an error.
 */
async function closedLoop(cfg: ClientConfig, seconds: number, step: (t: LoopTally, connection: number, i: number) => Promise<void>): Promise<PhaseResult> {
  const tally: LoopTally = {
    agent: new http.Agent({ keepAlive: true, maxSockets: cfg.connections }),
    base: new URL(cfg.url),
    lat: new Samples(),
    codes: {},
    failures: [],
    ok: 0,
    run: crypto.randomBytes(4).toString('hex'),
  };
  let errors = 0;
  let timeouts = 0;
  let n = 0;
  const start = Date.now();
  const end = start + seconds * 1000;
  const loop = async (c: number) => {
    while (Date.now() < end) {
      try {
        await step(tally, c, n++);
      } catch (err) {
        if ((err as Error).message === 'timeout') timeouts++;
        else errors++;
        if (tally.failures.length < 5) tally.failures.push(`request error: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: cfg.connections }, (_, c) => loop(c)));
  tally.agent.destroy();
  return phaseResult(start, Date.now(), tally.lat, tally.ok, tally.ok, tally.codes, errors, timeouts, tally.failures);
}

function holdCapture(cfg: ClientConfig, seconds: number): Promise<PhaseResult> {
  const accounts = cfg.accounts ?? [];
  const headers = (key: string) => ({ authorization: `Bearer ${cfg.adminKey}`, 'content-type': 'application/json', 'idempotency-key': key });
  return closedLoop(cfg, seconds, async (t, _c, i) => {
    const tag = `${cfg.tag}-${t.run}-${i}`;
    const started = performance.now();
    const hold = HOLD_API.create(accounts[crypto.randomInt(accounts.length)]!, i);
    const a = await request(t.agent, t.base, 'POST', hold.path, headers(`${tag}-h`), JSON.stringify(hold.body), cfg.timeoutSeconds * 1000);
    t.codes[a.status] = (t.codes[a.status] ?? 0) + 1;
    if (a.status < 200 || a.status >= 300) {
      if (t.failures.length < 5) t.failures.push(`hold: ${a.status} ${a.body.slice(0, 300)}`);
      return;
    }
    let to = accounts[crypto.randomInt(accounts.length)]!;
    while (to === hold.body.accountId) to = accounts[crypto.randomInt(accounts.length)]!;
    const cap = HOLD_API.capture((JSON.parse(a.body) as { id: string }).id, to);
    const b = await request(t.agent, t.base, 'POST', cap.path, headers(`${tag}-c`), JSON.stringify(cap.body), cfg.timeoutSeconds * 1000);
    t.codes[b.status] = (t.codes[b.status] ?? 0) + 1;
    if (b.status < 200 || b.status >= 300) {
      if (t.failures.length < 5) t.failures.push(`capture: ${b.status} ${b.body.slice(0, 300)}`);
      return;
    }
    t.lat.push(performance.now() - started);
    t.ok++;
  });
}

/**
 * redeem: a closed loop of N connections, each sending its next sale when the last is answered,
 * round the terminals' keys (connection i uses terminal i mod 20), every sale a fresh
 * Idempotency-Key. A unit is one sale (201 with its receipt).
 */
function closedLoopRedeem(cfg: ClientConfig, seconds: number): Promise<PhaseResult> {
  const sale = cfg.sale!;
  return closedLoop(cfg, seconds, async (t, c, i) => {
    const key = sale.terminalKeys[c % sale.terminalKeys.length]!;
    const started = performance.now();
    const a = await request(t.agent, t.base, 'POST', '/v1/redemptions', saleHeaders(key, `${cfg.tag}-${t.run}-${i}`), saleBody(cfg.members, sale), cfg.timeoutSeconds * 1000);
    t.lat.push(performance.now() - started);
    t.codes[a.status] = (t.codes[a.status] ?? 0) + 1;
    if (a.status === 201) t.ok++;
    else if (t.failures.length < 5) t.failures.push(`${a.status} ${a.body.slice(0, 300)}`);
  });
}

/** The warm-up and the window of cfg's load: an open loop warms up within its schedule (openLoop), the others first. */
async function run(cfg: ClientConfig, maker: RecordMaker): Promise<ClientResult> {
  if (cfg.mode === 'read-open') return openLoopRead(cfg);
  if (cfg.mode === 'floor-open') return openLoopFloor(cfg);
  if (cfg.mode === 'redeem-open') return openLoopRedeem(cfg);
  if (cfg.mode === 'award' && cfg.rate) return openLoopAward(cfg, maker);
  const closed = (seconds: number) =>
    cfg.mode === 'hold-capture' ? holdCapture(cfg, seconds) : cfg.mode === 'redeem' ? closedLoopRedeem(cfg, seconds) : phase(cfg, seconds, maker);
  const warmup = cfg.warmupSeconds > 0 ? await closed(cfg.warmupSeconds) : null;
  return { warmup, measured: await closed(cfg.durationSeconds) };
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const cfg = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ClientConfig;
  const maker = new RecordMaker(cfg.members, cfg.anchor, cfg.lane, cfg.tag);
  const result = await run(cfg, maker);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench client failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
