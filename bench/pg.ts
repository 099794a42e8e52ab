import crypto from 'node:crypto';
import pg from 'pg';
import { onCleanup } from './cleanup.js';
import { markUpkeepBackend } from './service.js';

// The Postgres server the run uses (any database on it: the run creates and drops its own).
export const SERVER_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** The URL of database `name` on `server` (by default the run's server). */
export function databaseUrl(name: string, server = SERVER_URL): string {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh database, bench_<random>[_suffix], dropped when the run ends however it ends. */
export async function createDatabase(suffix = ''): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `bench_${crypto.randomBytes(5).toString('hex')}${suffix}`;
  await withClient(SERVER_URL, (c) => c.query(`CREATE DATABASE ${name}`));
  const drop = () => withClient(SERVER_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined);
  const forget = onCleanup(drop);
  return {
    name,
    url: databaseUrl(name),
    drop: async () => {
      forget();
      await drop();
    },
  };
}

export interface ServerInfo {
  version: string;
  server_version_num: number;
  settings: Record<string, string>;
}

export async function serverInfo(): Promise<ServerInfo> {
  return withClient(SERVER_URL, async (c) => {
    const version = (await c.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v;
    const settings = await c.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings WHERE name IN
        ('server_version_num', 'max_connections', 'shared_buffers', 'synchronous_commit', 'fsync', 'autovacuum', 'wal_level', 'max_wal_size')`,
    );
    const map = Object.fromEntries(settings.rows.map((r) => [r.name, r.unit ? `${r.setting} ${r.unit}` : r.setting]));
    return { version, server_version_num: Number(map.server_version_num), settings: map };
  });
}

/**
 * Between scenarios: wait until nothing of the last one still runs in the database (a batch the
 * load generator gave up on finishes on the server), then VACUUM ANALYZE so each scenario starts
 * from clean tables and fresh statistics, as autovacuum would provide (it may be off on a dev
 * server; then fresh tables are never analysed and cached plans stay those of empty tables).
 */
export async function settle(url: string, vacuum = true): Promise<void> {
  await withClient(url, async (c) => {
    const deadline = Date.now() + 300_000;
    for (;;) {
      const { rows } = await c.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`,
      );
      if (Number(rows[0]!.n) === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (vacuum) await c.query('VACUUM ANALYZE');
  });
}

/**
 * When the server's autovacuum is off (as on some dev servers), nothing ever analyses the tables
 * the load fills: every connection keeps the plans it made while they were empty, e.g. foreign
 * key checks that scan service_records or ledger_entries sequentially, and each request gets
 * slower than the last. Production runs autovacuum, which analyses a table once more than
 * 50 rows + 10 % of it changed since the last time; this stands in for it by the same rule,
 * checked every `seconds` while the load runs. Does nothing when autovacuum is on. Its backend's
 * CPU is left out of the load's database CPU and reported apart (service.ts, markUpkeepBackend):
 * with tables that grow from nearly empty during a 20 s window, it analyses each of them about
 * every second, far more often than autovacuum (once a minute at most) does.
 */
export async function standInForAutovacuum(url: string, seconds: number): Promise<{ active: boolean; stop(): Promise<void> }> {
  const on = await withClient(url, async (c) => (await c.query<{ s: string }>(`SELECT current_setting('autovacuum') AS s`)).rows[0]!.s === 'on');
  if (on) return { active: false, stop: async () => {} };
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const unmark = markUpkeepBackend((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const analyzeChanged = async () => {
    const { rows } = await client.query<{ name: string }>(
      `SELECT format('%I.%I', s.schemaname, s.relname) AS name FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
       WHERE s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)`,
    );
    for (const { name } of rows) if (!stopped) await client.query(`ANALYZE ${name}`);
  };
  const timer = setInterval(() => {
    running = running.then(() => (stopped ? null : analyzeChanged().catch(() => null)));
  }, seconds * 1000);
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    await running;
    await client.end();
    unmark();
  };
  const forget = onCleanup(stop);
  return {
    active: true,
    stop: async () => {
      forget();
      await stop();
    },
  };
}

/**
 * Where the database spends the load's time: samples the other sessions of the database every
 * `everyMs` and counts what each active one is doing (wait event, or CPU, and the start of its
 * statement). Postgres without pg_stat_statements has no better cheap profile.
 */
export type Activity = { share: number; sessions: number; what: string }[];

export async function sampleActivity(url: string, everyMs = 200): Promise<{ stop(): Promise<Activity> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const counts = new Map<string, number>();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await client.query<{ what: string }>(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') || ' | ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS what
         FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'`,
      );
      samples++;
      for (const r of rows) counts.set(r.what, (counts.get(r.what) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  const forget = onCleanup(() => client.end());
  return {
    stop: async () => {
      stopped = true;
      await loop;
      forget();
      await client.end();
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      return [...counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([what, n]) => ({ share: Math.round((n / total) * 1000) / 1000, sessions: Math.round((n / samples) * 100) / 100, what }));
    },
  };
}
