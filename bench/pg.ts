import crypto from 'node:crypto';
import pg from 'pg';
import { onCleanup } from './cleanup.js';

// The Postgres server the run uses (any database on it: the run creates and drops its own).
export const SERVER_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const url = new URL(SERVER_URL);
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
    const deadline = Date.now() + 60_000;
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
