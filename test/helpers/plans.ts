import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { SESSION_OPTIONS } from '../../src/db/database.js';
import type { DB } from '../../src/db/schema.js';
import type { Tap } from './harness.js';

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
