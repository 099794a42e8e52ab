import fs from 'node:fs';
import type { ScenarioResult } from './report.js';
import type { Service } from './service.js';
import { withClient } from './pg.js';
import { round } from './stats.js';

// The bench's integrity scenarios (issue 22): how far sealing lags behind a write load, and how
// fast the journal export streams.

function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Samples, every 250 ms, how old the oldest entry not yet in a block is (0 when every entry is
 * sealed): the sealing lag. stop() gives the maximum and the 95th percentile within the window.
 */
export async function sampleSealLag(dbUrl: string, tenantId: string) {
  const samples: { at: number; lag: number }[] = [];
  let running = true;
  const loop = withClient(dbUrl, async (c) => {
    while (running) {
      // The entries above the sealed sequence read by the (tenant, seq) index behind a fence
      // (OFFSET 0): without it the planner took min(recorded_at) from the recorded_at index,
      // walking every sealed entry before the first unsealed one (179 ms on a million entries,
      // four times a second, on the cores the sealing service's load shares).
      const { rows } = await c.query<{ lag: string }>(
        `SELECT coalesce(extract(epoch FROM clock_timestamp() - min(u.recorded_at)), 0)::text AS lag
         FROM (SELECT e.recorded_at FROM ledger_entries e
               WHERE e.tenant_id = $1 AND e.seq > (SELECT coalesce(max(last_seq), 0) FROM integrity_blocks WHERE tenant_id = $1)
               OFFSET 0) u`,
        [tenantId],
      );
      samples.push({ at: Date.now(), lag: Number(rows[0]!.lag) });
      await new Promise((r) => setTimeout(r, 250));
    }
  });
  return {
    async stop(from: string, to: string) {
      running = false;
      await loop;
      const inWindow = samples.filter((s) => s.at >= Date.parse(from) && s.at <= Date.parse(to)).map((s) => s.lag).sort((a, b) => a - b);
      return {
        lag_max_s: inWindow.length ? round(inWindow[inWindow.length - 1]!, 2) : null,
        lag_p95_s: inWindow.length ? round(inWindow[Math.min(inWindow.length - 1, Math.floor(inWindow.length * 0.95))]!, 2) : null,
        lag_samples: inWindow.length,
      };
    },
  };
}

/** GET /v1/exports/journal of the whole tenant, read to the end; postings per second and the service's RSS meanwhile. */
export async function exportJournal(service: Service, adminKey: string, format: 'csv' | 'jsonl'): Promise<ScenarioResult> {
  const before = rssMb(service.pid) ?? 0;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(service.pid) ?? 0)), 100);
  const startedAt = new Date();
  const started = performance.now();
  const res = await fetch(`${service.baseUrl}/v1/exports/journal?format=${format}`, { headers: { authorization: `Bearer ${adminKey}` } });
  let bytes = 0;
  let tail = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    tail = (tail + decoder.decode(chunk, { stream: true })).slice(-2000);
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  // The end record carries the counts: {"type":"end",…} or "end",…,"<entries>","<postings>".
  const last = tail.trim().split('\n').at(-1) ?? '';
  const postings = format === 'jsonl' ? Number(JSON.parse(last).postings) : Number(/"(\d+)"\s*$/.exec(last)?.[1]);
  const ok = res.status === 200 && Number.isFinite(postings);
  return {
    requests_per_s: round(1 / seconds, 3),
    records_per_s: round(postings / seconds, 0),
    p50_ms: round(seconds * 1000, 0),
    p95_ms: round(seconds * 1000, 0),
    p99_ms: round(seconds * 1000, 0),
    max_ms: round(seconds * 1000, 0),
    mean_ms: round(seconds * 1000, 0),
    requests: 1,
    records: postings,
    errors: ok ? 0 : 1,
    timeouts: 0,
    non2xx: res.status === 200 ? 0 : 1,
    refused_items: 0,
    not_verified: 0,
    status_codes: { [String(res.status)]: 1 },
    duration_s: round(seconds, 2),
    connections: 1,
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    failures: ok ? [] : [`status ${res.status}, end record ${last.slice(0, 200)}`],
    warmup: null,
    unit: 'postings of the whole journal, one request',
    bytes,
    service_rss_before_mb: round(before, 1),
    service_peak_rss_mb: round(peak, 1),
  };
}
