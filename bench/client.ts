import crypto from 'node:crypto';
import autocannon, { type Request } from 'autocannon';
import { RecordMaker } from './records.js';
import { latency, type Latency, round, Samples } from './stats.js';

// The HTTP load generator. It runs in its own process (bench/load.ts starts it), so the work of
// building request bodies and parsing answers is not charged to the benchmark driver, and the
// driver can sample the service's memory meanwhile. It reads a ClientConfig as JSON on stdin,
// runs a warm-up and then the measured window, and prints one JSON object on stdout.

export type Mode = 'award' | 'batch' | 'read' | 'floor';

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
    }
  };

  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: cfg.url,
        connections: cfg.connections,
        duration: seconds,
        timeout: cfg.timeoutSeconds,
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

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const cfg = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ClientConfig;
  const maker = new RecordMaker(cfg.members, cfg.anchor, cfg.lane, cfg.tag);
  const warmup = cfg.warmupSeconds > 0 ? await phase(cfg, cfg.warmupSeconds, maker) : null;
  const measured = await phase(cfg, cfg.durationSeconds, maker);
  const result: ClientResult = { warmup, measured };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench client failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
