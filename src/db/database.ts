import fs from 'node:fs';
import path from 'node:path';
import { type DatabaseConnection, type Dialect, type Driver, Kysely, PostgresDialect, type TransactionSettings } from 'kysely';
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { DatabaseConfig } from '../config.js';
import type { ConnectionStats } from '../metrics.js';
import type { DB } from './schema.js';

/**
 * Settings of every connection of the service. Every query of the service is short: JIT
 * compilation only ever adds its own time to them, and a generic plan spares planning on each
 * call (planning had cost the database as much CPU as running, measured under bench/).
 */
export const SESSION_OPTIONS = '-c jit=off -c plan_cache_mode=force_generic_plan';

export interface Database {
  db: Kysely<DB>;
  engine: DatabaseConfig['engine'];
  close(): Promise<void>;
  /** How the connections are used right now (read by the metrics when scraped). */
  connections?(): ConnectionStats;
}

// BIGINT (OID 20) as a string, as the PGlite side does too: sequence numbers exceed 2^53 one day.
pg.types.setTypeParser(20, (v) => v);

/**
 * opts.from: an embedded database without a folder starts as a copy of this dump (PGlite's
 * dumpDataDir) instead of an empty cluster: the tests start each of theirs from one migrated copy,
 * since a fresh cluster (initdb) costs seconds every time.
 */
export async function openDatabase(config: DatabaseConfig, opts: { from?: Blob } = {}): Promise<Database> {
  if (config.engine === 'postgres') {
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolSize,
      connectionTimeoutMillis: 5000,
      options: SESSION_OPTIONS,
    });
    // An idle client that loses its server (Postgres restarted) emits 'error'; without a listener
    // that would crash the process. The pool drops the client and makes a new one on demand.
    pool.on('error', () => {});
    pool.on('connect', (client) => {
      // A client the service holds (in a transaction, between two queries or in one) whose server
      // goes away emits 'error' too, and the pool listens only to idle clients: without this the
      // process dies. The failed query rejects on its own, and the pool discards the client when
      // it is released.
      client.on('error', () => {});
      preparedStatements(client);
    });
    // cursor: kysely's stream() reads a large result a page at a time (the journal export).
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool, cursor: Cursor }) });
    const max = config.poolSize;
    return {
      db,
      engine: 'postgres',
      close: () => db.destroy(),
      connections: () => ({ max, open: pool.totalCount, inUse: pool.totalCount - pool.idleCount, waiting: pool.waitingCount }),
    };
  }
  return openEmbedded(config.dataDir, opts.from);
}

/** Distinct statements a connection keeps prepared; any beyond are parsed and planned each time. */
const PREPARED_PER_CONNECTION = 100;

/**
 * Makes a connection prepare each statement it runs (up to PREPARED_PER_CONNECTION of them): the
 * service runs the same few dozen statements again and again, and parsing and planning them
 * each time cost about as much database CPU as running them (0.1–0.5 ms per statement, measured
 * with log_planner_stats). pg then sends only Bind/Execute for a statement it has prepared;
 * Postgres re-plans by itself when a table changes, and pg parses again after a failed Parse.
 */
function preparedStatements(client: pg.PoolClient): void {
  const names = new Map<string, string>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((text: unknown, values?: unknown, ...rest: unknown[]) => {
    if (typeof text !== 'string' || !Array.isArray(values) || rest.length > 0) return query(text, values, ...rest);
    let name = names.get(text);
    if (name === undefined && names.size < PREPARED_PER_CONNECTION) {
      name = `s${names.size}`;
      names.set(text, name);
    }
    // pg's callback form, in a promise of our own. A query pg makes without its callback (its
    // promise form, or a Query given its callback afterwards) kept its result alive past the
    // young generation's next collection, into the old one: with --trace-gc-nvp, a member read
    // promoted 1.3 KB (350 KB each scavenge, which then took 1.8 ms); this way 0.08 KB (21 KB,
    // 1.0 ms). Why V8 keeps them was not found; which form does it was (README "Balance reads").
    return new Promise((resolve, reject) => {
      const done = (err: Error | null, result: unknown) => (err ? reject(err) : resolve(result));
      if (name === undefined) query(text, values, done);
      else query({ name, text, values }, done);
    });
  }) as typeof client.query;
}

async function openEmbedded(dataDir: string | null, from?: Blob): Promise<Database> {
  // Imported lazily: a Postgres deployment never loads the WASM engine.
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  let release = () => {};
  if (dataDir) {
    fs.mkdirSync(dataDir, { recursive: true });
    release = lockDataDir(dataDir);
  }
  try {
    const parsers = { 20: (v: string) => v };
    const pglite = dataDir || !from ? await PGlite.create(dataDir ?? undefined, { parsers }) : await PGlite.create({ loadDataDir: from, parsers });
    const dialect = new CountedDialect(new PGliteDialect(pglite));
    const db = new Kysely<DB>({ dialect });
    return {
      db,
      engine: 'pglite',
      // Its one connection, lent to one caller at a time; the others wait in the driver's queue.
      connections: () => ({ max: 1, open: 1, inUse: dialect.inUse, waiting: dialect.waiting }),
      close: async () => {
        await db.destroy();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

/**
 * A dialect whose driver counts the connections it lends and the callers waiting for one: PGlite's
 * driver keeps them to itself, and the metrics report them as they do a pg pool's.
 */
class CountedDialect implements Dialect {
  inUse = 0;
  waiting = 0;

  constructor(private readonly inner: Dialect) {}

  createAdapter() {
    return this.inner.createAdapter();
  }
  createQueryCompiler() {
    return this.inner.createQueryCompiler();
  }
  createIntrospector(db: Kysely<any>) {
    return this.inner.createIntrospector(db);
  }
  createDriver(): Driver {
    const driver = this.inner.createDriver();
    return {
      init: () => driver.init(),
      acquireConnection: async () => {
        this.waiting++;
        let connection: DatabaseConnection;
        try {
          connection = await driver.acquireConnection();
        } finally {
          this.waiting--;
        }
        this.inUse++;
        return connection;
      },
      releaseConnection: async (connection) => {
        this.inUse--;
        await driver.releaseConnection(connection);
      },
      beginTransaction: (connection, settings: TransactionSettings) => driver.beginTransaction(connection, settings),
      commitTransaction: (connection) => driver.commitTransaction(connection),
      rollbackTransaction: (connection) => driver.rollbackTransaction(connection),
      destroy: () => driver.destroy(),
    };
  }
}

export class DataDirLockedError extends Error {}

// PGlite takes no lock of its own: two processes on one folder would both run and one's writes
// would be lost. A lock file holding our pid keeps a second process out; a stale file (its
// process is gone, e.g. after SIGKILL) is taken over.
function lockDataDir(dataDir: string): () => void {
  const lockPath = path.join(dataDir, 'ledger.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(lockPath, 'utf8') === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
      if (Number.isInteger(holder) && holder > 0 && (holder === process.pid || isAlive(holder))) {
        throw new DataDirLockedError(
          `data folder ${path.resolve(dataDir)} is in use by process ${holder}; ` +
            'stop that process first (the embedded database allows one process per folder)',
        );
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new DataDirLockedError(`could not lock data folder ${path.resolve(dataDir)}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
