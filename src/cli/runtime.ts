import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { buildApp } from '../app.js';
import { operatorTokenForClient } from '../admin/operator.js';
import { type Config, loadConfig } from '../config.js';
import { lockHolder, readServiceAddress } from '../dataDir.js';
import { DataDirLockedError, openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import type { DB } from '../db/schema.js';
import type { ParseArgsConfig } from 'node:util';
import { TENANT_ID } from '../tenants/tenants.js';

// What the CLI's commands (src/cli.ts) stand on: exit codes, output, the database or the running
// service to work on, and the OpenAPI document.

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export class UsageError extends Error {}
/** A refusal or failure the user can act on: its message is printed without a stack. */
export class CliError extends Error {}

export function out(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function say(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** The OpenAPI document as the code generates it; needs no database (none is ever queried). */
export async function generateOpenApi(): Promise<string> {
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ max: 1 }) }) });
  const app = await buildApp({ config, database: { db, engine: 'postgres', close: () => db.destroy() }, logger: false });
  await app.ready();
  const document = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  await app.close();
  await db.destroy();
  return document;
}

export async function withDatabase<T>(opts: { migrate: boolean }, fn: (db: Kysely<DB>) => Promise<T>): Promise<T> {
  const database = await openDatabase(loadConfig().database);
  try {
    if (opts.migrate) await migrateToLatest(database.db);
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

export type ServiceCall = (method: string, url: string, body?: unknown) => Promise<unknown>;

/**
 * Runs `direct` on the database; when the embedded data folder is held by the running service
 * (which only one process may open), runs `viaService` against that service instead, with the
 * operator token. With DATABASE_URL the database is always opened directly.
 */
export async function onDatabaseOrService<T>(direct: (db: Kysely<DB>) => Promise<T>, viaService: (call: ServiceCall) => Promise<T>): Promise<T> {
  const config = loadConfig();
  try {
    return await withDatabase({ migrate: true }, direct);
  } catch (err) {
    if (!(err instanceof DataDirLockedError) || config.database.engine !== 'pglite') throw err;
    const call = serviceClient(config, err);
    return viaService(call);
  }
}

function serviceClient(config: Config, locked: DataDirLockedError): ServiceCall {
  const address = readServiceAddress(config.dataDir);
  const holder = lockHolder(config.dataDir);
  if (!address || address.pid !== holder) {
    throw new CliError(`${locked.message}\n(no running service of this folder to go through: DATA_DIR/service.json is missing or not that process's)`);
  }
  const token = operatorTokenForClient(config.dataDir);
  if (!token) throw new CliError('the service holds the data folder and no operator token is at hand: set OPERATOR_TOKEN to the service\'s');
  say(`the service (pid ${address.pid}) holds the data folder: going through it at ${address.url}`);
  return async (method, url, body) => {
    let res: Response;
    try {
      res = await fetch(`${address.url}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          // The CLI speaks English; the service's problem details follow Accept-Language.
          'accept-language': 'en',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new CliError(`could not reach the service at ${address.url}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: reported below
    }
    if (res.ok) return parsed;
    const problem = (parsed ?? {}) as { code?: string; detail?: string };
    const hint = problem.code === 'operator_unauthenticated' ? ' (set OPERATOR_TOKEN to the service\'s operator token)' : '';
    throw new CliError(`the service refused: ${res.status} ${problem.code ?? ''} ${problem.detail ?? text}${hint}`.replace(/ {2,}/g, ' '));
  };
}

export type Values = Record<string, string | boolean | undefined>;

export interface Command {
  /** One or two words: `migrate`, `tenant create`. */
  name: string;
  /** The arguments as the usage shows them. */
  args?: string;
  summary: string;
  /** More lines for `<command> --help`. */
  details?: string;
  options?: NonNullable<ParseArgsConfig['options']>;
  /** Options that must be given. */
  required?: string[];
  /** How many positional arguments the command takes (all required); none when left out. */
  positionals?: number;
  run(values: Values, positionals: string[]): Promise<number>;
}

export function tenantIdOption(value: unknown): string {
  const id = String(value);
  if (!TENANT_ID.test(id)) throw new UsageError('a tenant id is 2-40 characters: a lower-case letter, then lower-case letters, digits or "-"');
  return id;
}

/**
 * An option that is an instant: RFC 3339 with an offset (seconds and fractions may be left out),
 * so that no run depends on the machine's time zone. Returns the text as given; null when unset.
 */
export function timeOption(name: string, value: unknown, example = '2026-01-01T00:00:00+08:00'): string | null {
  if (value === undefined) return null;
  const text = String(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(text) || Number.isNaN(Date.parse(text))) {
    throw new UsageError(`--${name} is an RFC 3339 time with an offset, e.g. ${example}`);
  }
  return text;
}
