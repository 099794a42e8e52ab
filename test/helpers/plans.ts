import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { type Database, SESSION_OPTIONS } from '../../src/db/database.js';
import type { DB } from '../../src/db/schema.js';
import type { Harness, Tap } from './harness.js';

// Plans as Postgres runs them, read by a test on a connection of its own: auto_explain for every
// statement of the session (those inside functions too), each plan with its actual rows, sent to
// the client as a NOTICE. PostgreSQL only (auto_explain ships with it; tests connect as a superuser).

/** The statements that turn it on for the session, in order. */
export const EXPLAIN_EVERY_STATEMENT = [
  `LOAD 'auto_explain'`,
  'SET auto_explain.log_min_duration = 0',
  'SET auto_explain.log_nested_statements = on',
  'SET auto_explain.log_analyze = on',
  'SET auto_explain.log_level = notice',
  'SET client_min_messages = notice',
];

/** A connection's notice listener that keeps the plans auto_explain sends, in order, in `plans`. */
export function keepPlans(plans: string[]): (notice: { message?: string }) => void {
  return (notice) => {
    if (notice.message?.includes('Query Text:')) plans.push(notice.message);
  };
}

/**
 * A kysely on one connection with the service's session settings (generic plans), as the
 * service's jobs run: `explain()` turns auto_explain on for it, and from then on the plans of its
 * statements land in `plans`.
 */
export function oneServiceConnection(t: Tap, url: string): { db: Kysely<DB>; plans: string[]; explain: () => Promise<void> } {
  const pool = new pg.Pool({ connectionString: url, max: 1, options: SESSION_OPTIONS });
  const plans: string[] = [];
  pool.on('connect', (c) => c.on('notice', keepPlans(plans)));
  // The test's database is dropped WITH (FORCE) in a teardown that may run before this pool's:
  // the idle connection it ends then emits 'error', which unheard fails the test after all its
  // checks passed (seen once in CI, fold-plans). The service's pool listens the same way.
  pool.on('error', () => {});
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  t.teardown(() => db.destroy());
  const explain = async () => {
    for (const s of EXPLAIN_EVERY_STATEMENT) await sql.raw(s).execute(db);
  };
  return { db, plans, explain };
}

/**
 * What `read` returns (counters of pg_stat_user_tables or _indexes) once every connection of the
 * service's pool has flushed its own. A connection flushes its counters as it goes idle, but not
 * within a second of its last flush: then up to 10 s later. So, a second after the last flush,
 * a statement on each of the pool's connections at once makes every one flush as it goes idle
 * again; counters read after two such rounds in a row that agree are settled.
 */
export async function settledCounters<T>(h: Harness, read: () => Promise<T>): Promise<T> {
  let last: string | null = null;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 1100));
    await everyConnection(h.database, (c) => sql`SELECT 1`.execute(c));
    const counts = await read();
    const now = JSON.stringify(counts);
    if (now === last) return counts;
    last = now;
  }
  throw new Error('the counters did not settle in 60 s');
}

/** Rows read so far from each of `tables` (by scans and index look-ups), once the counters have settled. */
function rowsRead(h: Harness, tables: string[]): Promise<Record<string, number>> {
  return settledCounters(h, async () => {
    const { rows } = await sql<{ name: string; n: string }>`SELECT relname AS name,
      (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::text AS n
      FROM pg_stat_user_tables WHERE relname = ANY(${tables}::text[]) ORDER BY relname`.execute(h.database.db);
    return Object.fromEntries(rows.map((r) => [r.name, Number(r.n)])) as Record<string, number>;
  });
}

/**
 * What `act` made the service read of each of `tables`: the rows its connections read, from
 * pg_stat_user_tables before and after (settledCounters).
 */
export async function readBy(h: Harness, tables: string[], act: () => Promise<void>): Promise<Record<string, number>> {
  const before = await rowsRead(h, tables);
  await act();
  const after = await rowsRead(h, tables);
  return Object.fromEntries(tables.map((table) => [table, after[table]! - before[table]!]));
}

/**
 * Runs `statement` once on each idle connection of the pool, all held at once so that none runs it
 * twice (the pool hands out its idle connections first). One in use flushes when it goes idle.
 */
async function everyConnection(database: Database, statement: (c: Kysely<DB>) => Promise<unknown>): Promise<void> {
  const pool = database.connections?.();
  const n = pool ? pool.open - pool.inUse : 0;
  let arrived = 0;
  let all!: () => void;
  const together = new Promise<void>((r) => (all = r));
  await Promise.all(
    Array.from({ length: n }, () =>
      database.db.connection().execute(async (c) => {
        await statement(c);
        if (++arrived === n) all();
        await together;
      }),
    ),
  );
}
