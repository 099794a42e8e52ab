import crypto from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import pg from 'pg';
import type { Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import type { DB } from '../../src/db/schema.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { createTenant } from '../../src/tenants/tenants.js';
import { migratedPglite } from './pgliteTemplate.js';

// Each test file gets its own database: a fresh Postgres database (dropped at the end) or an
// in-memory PGlite. Files can therefore run in parallel.

export type Engine = 'postgres' | 'pglite';

/** Engines the core tests run on; TEST_ENGINES=postgres (or pglite) narrows it. */
export const engines: Engine[] = (process.env.TEST_ENGINES ?? 'postgres,pglite')
  .split(',')
  .map((e) => e.trim())
  .filter((e): e is Engine => e === 'postgres' || e === 'pglite');

/** Server-level URL of the test Postgres (any database on it; tests create their own). */
export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export type Tap = Test;

export interface Response {
  status: number;
  headers: LightMyRequestResponse['headers'];
  body: any;
}

export interface Harness {
  engine: Engine;
  app: FastifyInstance;
  database: Database;
  /** The Postgres database's URL (for a CLI process on it); null on PGlite. */
  databaseUrl: string | null;
  tenantId: string;
  adminKey: string;
  /** Calls the API as a client would (through app.inject); key defaults to the admin key. */
  request(
    method: string,
    url: string,
    opts?: { body?: unknown; key?: string | null; headers?: Record<string, string> },
  ): Promise<Response>;
  /** A further tenant with its own admin key. */
  newTenant(id?: string): Promise<{ tenantId: string; adminKey: string }>;
  /** A key of the given role in the main tenant. */
  keyFor(role: 'admin' | 'station' | 'pos' | 'auditor', tenantKey?: string): Promise<string>;
  /** Asserts the ledger invariants over the whole database. */
  assertLedger(t: Tap, message?: string): Promise<void>;
  /** Counts rows of a table in the database, all tenants. */
  count(table: string): Promise<number>;
}

/** `options`: what CREATE DATABASE takes after the name (a template, a locale). */
export async function createTestDatabase(t: Tap, options = ''): Promise<string> {
  const name = `ledger_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} ${options}`);
  await admin.end();
  t.teardown(async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });
  return databaseUrl(name);
}

/**
 * A database migrated from empty by this run (not the tests' migrated copy), for tests of the
 * schema the migrations build. `url`: a Postgres database of the test's own to use.
 */
export async function migratedDatabase(t: Tap, engine: Engine, url?: string): Promise<Database> {
  const database =
    engine === 'postgres'
      ? await openDatabase({ engine: 'postgres', url: url ?? (await createTestDatabase(t)), poolSize: 2 })
      : await openDatabase({ engine: 'pglite', dataDir: null });
  t.teardown(() => database.close());
  await migrateToLatest(database.db);
  return database;
}

/**
 * opts.logs: when given, the app logs at opts.logLevel (debug unless given) and every log line is
 * pushed onto it (tests use it to prove what never reaches the logs).
 */
export async function setup(
  t: Tap,
  engine: Engine,
  opts: { poolSize?: number; logs?: string[]; logLevel?: string; env?: Record<string, string> } = {},
): Promise<Harness> {
  const config = loadConfig({ LOG_LEVEL: 'silent', DATABASE_POOL_SIZE: String(opts.poolSize ?? 20), ...opts.env });
  const databaseUrl = engine === 'postgres' ? await createTestDatabase(t) : null;
  const database = databaseUrl
    ? await openDatabase({ engine: 'postgres', url: databaseUrl, poolSize: opts.poolSize ?? 20 })
    : await openDatabase({ engine: 'pglite', dataDir: null }, { from: await migratedPglite() });
  await migrateToLatest(database.db);
  const logs = opts.logs;
  const app = logs
    ? await buildApp({ config, database, logger: { level: opts.logLevel ?? 'debug' }, logStream: { write: (line: string) => void logs.push(line) } })
    : await buildApp({ config, database, logger: false });
  await app.ready();
  // Registered after the database's teardown, so it runs first (tap runs teardowns in reverse).
  t.teardown(async () => {
    await app.close();
    await database.close();
  });

  const suffix = () => crypto.randomBytes(3).toString('hex');
  const first = await createTenant(database.db, { id: `t-${suffix()}`, name: '测试县' });

  const request: Harness['request'] = async (method, url, o = {}) => {
    const key = o.key === undefined ? first.adminKey.key : o.key;
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(o.headers ?? {}) },
      ...(o.body !== undefined ? { payload: o.body as object } : {}),
    });
    let body: unknown = res.body;
    try {
      body = res.body ? JSON.parse(res.body) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.statusCode, headers: res.headers, body };
  };

  return {
    engine,
    app,
    database,
    databaseUrl,
    tenantId: first.tenantId,
    adminKey: first.adminKey.key,
    request,
    async newTenant(id) {
      const created = await createTenant(database.db, { id: id ?? `t-${suffix()}`, name: '另一个县' });
      return { tenantId: created.tenantId, adminKey: created.adminKey.key };
    },
    async keyFor(role, tenantKey) {
      const res = await request('POST', '/v1/api-keys', { key: tenantKey ?? first.adminKey.key, body: { name: `${role} key`, role } });
      if (res.status !== 201) throw new Error(`could not create ${role} key: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.key as string;
    },
    async assertLedger(tap, message = 'ledger verifies') {
      const result = await verifyLedger(database.db, null);
      tap.same(result.problems, [], `${message}: no problems`);
      for (const u of result.unitTotals) tap.equal(u.total, '0.00', `${message}: ${u.unit} postings sum to zero`);
    },
    async count(table) {
      const r = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(table)}`.execute(database.db);
      return Number(r.rows[0]!.n);
    },
  };
}

/** Opens a member-style (non-negative) account and a slotted issuance account, funding the first. */
export async function fundedAccount(h: Harness, opts: { id: string; points: string; key?: string }): Promise<void> {
  const key = opts.key ?? h.adminKey;
  const issuance = `issuance:${opts.id}`;
  for (const body of [
    { id: opts.id, unit: 'POINTS', type: 'member' },
    { id: issuance, unit: 'POINTS', type: 'issuance', allowNegative: true, slots: 4 },
  ]) {
    const res = await h.request('POST', '/v1/accounts', { key, body });
    if (res.status !== 201) throw new Error(`account ${body.id}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  if (opts.points !== '0') {
    const res = await h.request('POST', '/v1/entries', {
      key,
      body: {
        reason: 'opening balance',
        postings: [
          { accountId: issuance, unit: 'POINTS', direction: 'debit', amount: opts.points },
          { accountId: opts.id, unit: 'POINTS', direction: 'credit', amount: opts.points },
        ],
      },
    });
    if (res.status !== 201) throw new Error(`funding ${opts.id}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/** A two-posting entry body moving `amount` from one account to another. */
export function transfer(from: string, to: string, amount: string, unit = 'POINTS', reason = 'test transfer') {
  return {
    reason,
    postings: [
      { accountId: from, unit, direction: 'debit', amount },
      { accountId: to, unit, direction: 'credit', amount },
    ],
  };
}

/** A problem+json answer with this status and code (and the status member matching). */
export function isProblem(t: Tap, res: Response, status: number, code: string, message = code): void {
  t.equal(res.status, status, `${message}: status ${status}`);
  t.equal(res.body?.code, code, `${message}: code ${code}`);
  t.match(String(res.headers['content-type']), /^application\/problem\+json/, `${message}: problem+json`);
  t.equal(res.body?.status, status, `${message}: status member matches`);
}

/** The SQLSTATE of a database error, if it has one. */
export function sqlstate(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Runs a statement by direct SQL that must fail; returns the error (or null when it, wrongly, succeeded). */
export async function attempt(h: Harness, statement: RawBuilder<unknown>): Promise<unknown> {
  try {
    await statement.execute(h.database.db);
    return null;
  } catch (err) {
    return err;
  }
}

/** The body of an answer that must have `status` (fixtures: anything else stops the test). */
export async function expectStatus(res: Promise<Response>, status: number, what: string): Promise<any> {
  const r = await res;
  if (r.status !== status) throw new Error(`${what}: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function rowCounts(h: Harness, tables: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of tables) out[table] = await h.count(table);
  return out;
}

/** Runs a call that must be refused: asserts the problem and that none of `tables` gained or lost a row. */
export async function refused(
  t: Tap,
  h: Harness,
  tables: readonly string[],
  call: () => Promise<Response>,
  status: number,
  code: string,
  message = code,
): Promise<Response> {
  const before = await rowCounts(h, tables);
  const res = await call();
  isProblem(t, res, status, code, message);
  t.same(await rowCounts(h, tables), before, `${message}: nothing written`);
  return res;
}
