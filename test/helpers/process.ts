// Starting the service and the CLI as real processes, for tests of what an operator sees: exit
// codes, files written, output. Every child is killed in teardown (and when the test file exits).
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Tap } from './harness.js';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Proc {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited and its output is read to the end. */
  closed: Promise<Exit>;
  /**
   * Resolves when the process itself has exited, without waiting for its output pipes: a process
   * it leaves behind (the service behind `npm start`) may hold those open.
   */
  exited: Promise<Exit>;
  running(): boolean;
}

const children = new Set<ChildProcess>();
let scratchDataDir: string | undefined;
// Last resort: never leave a child behind, even when the test file dies.
process.on('exit', () => {
  for (const c of children) {
    try {
      // npm start children lead their own process group: end all of it.
      if (c.pid) process.kill(-c.pid, 'SIGKILL');
    } catch {
      c.kill('SIGKILL');
    }
  }
  if (scratchDataDir) fs.rmSync(scratchDataDir, { recursive: true, force: true });
});

/**
 * Our environment without the service's variables, plus `extra`. A child given no DATA_DIR gets a
 * scratch folder of this run: a Postgres service still writes there (the operator token, a first
 * start's key file), and it must never be the checkout's ./data.
 */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(PORT|HOST|DATABASE_|DATA_DIR|LOG_LEVEL|BODY_LIMIT_BYTES|SHUTDOWN_TIMEOUT_MS|NODE_OPTIONS|OPERATOR_TOKEN|BOOTSTRAP|CLI_PROGRESS|npm_)/.test(name)) {
      delete env[name];
    }
  }
  if (extra.DATA_DIR === undefined) {
    scratchDataDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-process-scratch-'));
    env.DATA_DIR = scratchDataDir;
  }
  return { ...env, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...extra };
}

/**
 * Starts `command args` in ROOT. `npm start` runs through a shell in its own process group
 * (detached), so the group is signalled as a whole; every child is started so.
 */
export function start(t: Tap, command: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(command, args, { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const closed = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const running = () => child.exitCode === null && child.signalCode === null;
  t.teardown(async () => {
    if (running()) {
      signal(child, 'SIGKILL');
      await closed;
    }
  });
  return { child, pid: child.pid!, stdout: () => out, stderr: () => err, closed, exited, running };
}

/** `node --import tsx <script> args`: the code run the way `npm start` and `npm run cli` run it. */
export function startScript(t: Tap, script: string, args: string[], env: Record<string, string>): Proc {
  return start(t, process.execPath, ['--import', 'tsx', script, ...args], env);
}

export function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, sig);
  } catch {
    child.kill(sig);
  }
}

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function tempDir(t: Tap): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-process-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Service extends Proc {
  base: string;
}

/** `npm start` on a random port; resolves when /readyz answers 200, fails with its output if it exits. */
export function npmStart(t: Tap, env: Record<string, string>): Promise<Service> {
  return startReady(t, 'npm', ['start'], env);
}

/** `node --import tsx src/server.ts` (what `npm start` runs), on a random port, likewise. */
export function startServer(t: Tap, env: Record<string, string>): Promise<Service> {
  return startReady(t, process.execPath, ['--import', 'tsx', 'src/server.ts'], env);
}

/** Starts `command args` on a random port and waits until /readyz answers 200; fails with its output if it exits. */
async function startReady(t: Tap, command: string, args: string[], env: Record<string, string>): Promise<Service> {
  const port = await freePort();
  const proc = start(t, command, args, { PORT: String(port), ...env });
  const base = `http://127.0.0.1:${port}`;
  // A first start initialises the database (and creates a tenant): slow on a busy machine.
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline) {
    if (!proc.running()) {
      const exit = await proc.closed;
      throw new Error(`the service exited (${exit.code ?? exit.signal}) before it was ready:\n${proc.stderr()}${proc.stdout()}`);
    }
    try {
      const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return { ...proc, base };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`the service was not ready within 240 s:\n${proc.stderr()}`);
}

/** SIGTERM, then the exit. */
export async function stop(service: Proc): Promise<Exit> {
  signal(service.child, 'SIGTERM');
  return within(service.closed, 20_000, 'SIGTERM');
}

export interface CliResult extends Exit {
  stdout: string;
  stderr: string;
}

export async function cli(t: Tap, args: string[], env: Record<string, string>): Promise<CliResult> {
  const proc = startScript(t, 'src/cli.ts', args, env);
  const exit = await within(proc.closed, 120_000, `cli ${args.join(' ')}`);
  return { ...exit, stdout: proc.stdout(), stderr: proc.stderr() };
}

export async function api(
  base: string,
  method: string,
  url: string,
  opts: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: {
      ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.headers ?? {}),
    },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body };
}

/** Each secret and its random part alone: a log line must hold neither. */
export function secretsOf(secret: string): string[] {
  const parts = [secret.trim()];
  const random = secret.trim().split('.').at(-1)!.replace(/^op_/, '');
  if (random.length >= 20) parts.push(random);
  return parts;
}

export function assertNoSecret(t: Tap, text: string, secrets: string[], what: string): void {
  const leaked = secrets.flatMap(secretsOf).filter((s) => text.includes(s));
  t.same(leaked, [], `${what}: no key or token in it`);
}

