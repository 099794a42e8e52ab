import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

// What the process counts for operators (GET /metrics, Prometheus text format; README "Metrics").
// One registry per process: every number here is this process's own since it started, as
// Prometheus expects of a target (it sums the processes of a deployment itself). The domain
// modules call the count* functions below; they know nothing of HTTP or of how it is served.
// A leaf module: it imports no other module of the service, so any of them may import it.

export const registry = new Registry();

/** Every request answered, by route pattern (`/v1/accounts/:id`, never the raw URL), method and status. */
export const requestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Time from receiving a request to the end of its answer, by route pattern, method and status; _count is the number of requests',
  labelNames: ['method', 'route', 'status_code'] as const,
  // From a cached read (about a millisecond) to a batch of 1000 records (seconds).
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

const entriesWritten = new Counter({
  name: 'ledger_entries_written_total',
  help: 'Journal entries committed by this process, by kind (award, bonus, reversal, adjustment, ...)',
  labelNames: ['kind'] as const,
  registers: [registry],
});

const holdsWritten = new Counter({
  name: 'ledger_holds_written_total',
  help: 'Changes of holds committed by this process, by kind (created, captured, voided, expired)',
  labelNames: ['kind'] as const,
  registers: [registry],
});

const transactionRetries = new Counter({
  name: 'ledger_transaction_retries_total',
  help: 'Transactions run again after Postgres aborted them, by reason (deadlock, serialization_failure)',
  labelNames: ['reason'] as const,
  registers: [registry],
});

/** Connection use of a database, as its engine can tell it. */
export interface ConnectionStats {
  /** Most connections the pool opens (PGlite: its one connection). */
  max: number;
  /** Connections open now. */
  open: number;
  /** Open connections lent to a query or a transaction. */
  inUse: number;
  /** Callers waiting for a connection. */
  waiting: number;
}

// The databases this process serves (one in production; a test process may build several apps).
const connectionSources = new Set<() => ConnectionStats>();

/** Reports a database's connections in the gauges below until the returned function is called. */
export function watchConnections(source: () => ConnectionStats): () => void {
  connectionSources.add(source);
  return () => connectionSources.delete(source);
}

function connectionTotals(): ConnectionStats {
  const sum: ConnectionStats = { max: 0, open: 0, inUse: 0, waiting: 0 };
  for (const source of connectionSources) {
    const s = source();
    sum.max += s.max;
    sum.open += s.open;
    sum.inUse += s.inUse;
    sum.waiting += s.waiting;
  }
  return sum;
}

// Read when scraped, never on the hot path.
new Gauge({
  name: 'ledger_db_connections',
  help: 'Database connections of this process by state: in_use (lent to a query or transaction), idle (open, free), max (the pool size)',
  labelNames: ['state'] as const,
  registers: [registry],
  collect() {
    const s = connectionTotals();
    this.set({ state: 'in_use' }, s.inUse);
    this.set({ state: 'idle' }, s.open - s.inUse);
    this.set({ state: 'max' }, s.max);
  },
});

new Gauge({
  name: 'ledger_db_waiting_clients',
  help: 'Callers of this process waiting for a database connection (all connections in use)',
  registers: [registry],
  collect() {
    this.set(connectionTotals().waiting);
  },
});

const jobRuns = new Counter({
  name: 'ledger_job_runs_total',
  help: "Runs of this process's background jobs (hold sweep, points expiry, sealing, report folds, feed sequencing), by job and outcome (ok, failed)",
  labelNames: ['job', 'outcome'] as const,
  registers: [registry],
});

const jobLastSuccess = new Gauge({
  name: 'ledger_job_last_success_timestamp_seconds',
  help: 'When each background job of this process last ended a run without an error (Unix time); no sample before the first',
  labelNames: ['job'] as const,
  registers: [registry],
});

/** Counts a run of a background job once it has ended; a run that ended well also sets its time. */
export function countJobRun(job: string, ok: boolean): void {
  jobRuns.inc({ job, outcome: ok ? 'ok' : 'failed' });
  if (ok) jobLastSuccess.set({ job }, Date.now() / 1000);
}

/** Per tenant, how long its first entry not yet in a sealed block has waited (seconds; 0: all sealed). */
export type SealLagSource = () => Promise<{ tenantId: string; seconds: number }[]>;
const sealLagSources = new Set<SealLagSource>();

/** Reports the sealing lag of a database in the gauge below until the returned function is called. */
export function watchSealLag(source: SealLagSource): () => void {
  sealLagSources.add(source);
  return () => sealLagSources.delete(source);
}

// Read from the database when scraped, and only by a process that seals (it has the signing
// secret): a process that does not seal shows no sample rather than a made-up 0.
new Gauge({
  name: 'ledger_seal_lag_seconds',
  help: "How long each tenant's first committed entry not yet in a sealed block has waited (0: everything is sealed)",
  labelNames: ['tenant'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    for (const source of sealLagSources) {
      // The database unreachable: no sample (the scrape still serves everything else).
      const lags = await source().catch(() => []);
      for (const { tenantId, seconds } of lags) this.set({ tenant: tenantId }, seconds);
    }
  },
});

/** Counts journal entries of a kind, once their transaction has committed (see ledger/post.ts). */
export function countEntries(kind: string, n = 1): void {
  entriesWritten.inc({ kind }, n);
}

export type HoldChange = 'created' | 'captured' | 'voided' | 'expired';

/**
 * Counts a change of a hold (created, captured, voided or expired). Call it once the change is
 * committed (ledger/holds.ts holdChanged), so a rolled-back or retried attempt counts nothing.
 */
export function countHold(kind: HoldChange, n = 1): void {
  holdsWritten.inc({ kind }, n);
}

const RETRY_REASONS: Record<string, string> = { '40P01': 'deadlock', '40001': 'serialization_failure' };

/** Counts a transaction retried after Postgres aborted it with this SQLSTATE. */
export function countRetry(sqlstate: string): void {
  transactionRetries.inc({ reason: RETRY_REASONS[sqlstate] ?? sqlstate });
}

let processMetrics = false;

/**
 * Adds the standard process and Node.js metrics (CPU, memory, event-loop lag, GC, handles) to the
 * registry, once per process, when metrics are served: they sample the event loop and observe GC,
 * which a process that never serves them should not pay for.
 */
export function enableProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: registry });
}
