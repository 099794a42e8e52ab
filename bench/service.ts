import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { onCleanup } from './cleanup.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const RESULTS = path.join(ROOT, 'bench', 'results');

export interface Service {
  pid: number;
  baseUrl: string;
  logFile: string;
  /** Lines the service logged at warn (40) and error (50) level or above so far. */
  logLevels(): { warn: number; error: number };
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the service the way `npm start` does (node --min-semi-space-size=16 --import tsx
 * src/server.ts) with the given environment on a free port, logging at warn into
 * bench/results/service-<label>.log.tmp, and waits until /readyz answers 200.
 */
export async function startService(label: string, env: Record<string, string>): Promise<Service> {
  const port = await freePort();
  const logFile = path.join(RESULTS, `service-${label}.log.tmp`);
  fs.mkdirSync(RESULTS, { recursive: true });
  const log = fs.openSync(logFile, 'w');
  // BENCH_NODE_ARGS: extra node flags for the service, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...extra, '--min-semi-space-size=16', '--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    // The bench makes its own tenant: no first-start tenant, and the files a start writes (the
    // operator token) go to a scratch folder unless the scenario names its own DATA_DIR.
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      BOOTSTRAP: 'off',
      DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'bench-service-')),
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // SIGTERM lets it finish in-flight requests and close its pool; SIGKILL if it hangs.
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  const forget = onCleanup(kill);
  const tail = () => fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000; // the embedded engine's first boot runs initdb
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service (${label}) exited with ${child.exitCode} before it was ready:\n${tail()}`);
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await kill();
      throw new Error(`service (${label}) not ready after 120 s:\n${tail()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    pid: child.pid!,
    baseUrl,
    logFile,
    logLevels: () => {
      const counts = { warn: 0, error: 0 };
      for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
        const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
        if (level >= 50) counts.error++;
        else if (level >= 40) counts.warn++;
      }
      return counts;
    },
    stop: async () => {
      forget();
      await kill();
    },
  };
}

/** Resident set size of a process in MiB (Linux /proc), or null when it cannot be read. */
export function rssMb(pid: number): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb === undefined ? null : Number(kb) / 1024;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process has used so far, or null. Linux counts in 1/100 s. */
export function cpuSeconds(pid: number): number | null {
  try {
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * CPU seconds used so far by the Postgres backends serving database `name` on this machine (their
 * process titles read "postgres: [<cluster>: ]<user> <database> <client> <state>"), or null when
 * Postgres is not local. Backends that exited are not counted: the service's pool keeps its connections.
 */
export function databaseCpuSeconds(name: string): number | null {
  const byPid = databaseCpuByPid(name);
  return byPid.size === 0 ? null : [...byPid.values()].reduce((a, b) => a + b, 0);
}

/**
 * Backends of the bench's own upkeep (the ANALYZE that stands in for autovacuum, pg.ts): their CPU
 * is not the load's. Postgres runs autovacuum in worker processes that databaseCpuByPid never
 * counts, so leaving the stand-in out makes the database's CPU per record the same whether the
 * server's autovacuum is on or off. What it used is reported beside it (upkeepCpuSeconds).
 */
const upkeepPids = new Set<number>();
export function markUpkeepBackend(pid: number): () => void {
  upkeepPids.add(pid);
  return () => upkeepPids.delete(pid);
}

/** CPU seconds used so far by the bench's upkeep backends, or null when there is none. */
export function upkeepCpuSeconds(): number | null {
  if (upkeepPids.size === 0) return null;
  let sum = 0;
  for (const pid of upkeepPids) {
    const s = cpuSeconds(pid);
    if (s === null) return null; // not on this machine
    sum += s;
  }
  return sum;
}

/** CPU seconds used so far by each Postgres backend serving database `name` on this machine, upkeep left out. */
export function databaseCpuByPid(name: string): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let title: string;
    try {
      title = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!title.startsWith('postgres: ') || !title.includes(` ${name} `) || upkeepPids.has(Number(entry))) continue;
    const cpu = cpuSeconds(Number(entry));
    if (cpu !== null) byPid.set(Number(entry), cpu);
  }
  return byPid;
}

export interface ProcessSample {
  at: number;
  rssMb: number;
  cpuS: number;
  /** CPU seconds of the database's backends, when a database was named and is local. */
  dbCpuS: number | null;
  /** The same per backend: a backend that exits in the window (a pool closing) must not count as negative time. */
  dbCpuByPid: Map<number, number> | null;
  /** CPU seconds of the bench's upkeep backends (not in dbCpuS), when there are any. */
  upkeepCpuS: number | null;
}

/** Samples a process's RSS and CPU time (and its database's, given a name) every second until stopped. */
export function sampleProcess(pid: number, database?: string): { stop(): ProcessSample[] } {
  const samples: ProcessSample[] = [];
  const take = () => {
    const rss = rssMb(pid);
    const cpu = cpuSeconds(pid);
    const byPid = database ? databaseCpuByPid(database) : null;
    const dbCpuS = byPid && byPid.size > 0 ? [...byPid.values()].reduce((x, y) => x + y, 0) : null;
    if (rss !== null && cpu !== null) samples.push({ at: Date.now(), rssMb: rss, cpuS: cpu, dbCpuS, dbCpuByPid: byPid, upkeepCpuS: upkeepCpuSeconds() });
  };
  take();
  const timer = setInterval(take, 1000);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}
