import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { DomainError } from '../problems.js';
import { decodeCursor, encodeCursor, type Position, START } from './cursor.js';
import { type ScanRow, SOURCES, type SourcedEvent } from './sources.js';
import type { View } from './view.js';

// The event feed (README "Event feed"; DESIGN §3 "Order and integrity").
//
// PostgreSQL 15 records no commit order: without track_commit_timestamp or logical decoding
// nothing tells, afterwards, which of two transactions committed first. What it has is each
// writing transaction's id (every row of the feed keeps it: tx_id) and, in every snapshot, the
// transactions still running. So the feed is the sequence of every row ordered by (transaction
// id, rank of its kind, key), and a page hands out only rows of transactions below a frontier
// under which every transaction of this database has ended, committed or rolled back (its
// snapshot's xmin, frontierNow); no transaction that starts later can be given a smaller id. The
// part of the sequence below the frontier is therefore final: nothing can appear in it later, so
// a cursor into it never misses a row and never sees one twice, however the transactions'
// commits were ordered. The cost: the feed is as far behind as the oldest transaction still
// writing in this database.

export interface FeedEvent extends SourcedEvent {
  /** Resume after this event. */
  cursor: string;
}

export interface FeedPage {
  items: FeedEvent[];
  nextCursor: string;
  /** True when the page stopped at its size: more may be there now; false when it reached the frontier. */
  hasMore: boolean;
}

/** A key's view scans at most this many rows per page, so a page costs the same however sparse the view. */
const RESTRICTED_SCAN = 1000;

/**
 * The frontier: the smallest id of the transactions running when this statement's snapshot was
 * taken (its xmin), leaving out those that, read after the snapshot, are running in another
 * database of the server: a transaction never moves to another database, so they write nothing
 * here, and a long one elsewhere (a report, a stuck session) does not hold this feed back. Anything
 * not known to be elsewhere counts (its database unknown, a prepared transaction, one that has just
 * ended): a frontier is only ever too early, which delays an event, never too late, which would
 * skip one. Below it every transaction has ended before the scan's snapshot (a later statement)
 * is taken, so the scan sees all of their rows.
 */
async function frontierNow(db: Kysely<DB>): Promise<{ frontier: string; xmax: string }> {
  const { rows } = await sql<{ frontier: string; xmax: string }>`SELECT pg_snapshot_xmax(q.s)::text AS xmax,
      coalesce((SELECT min(x) FROM pg_snapshot_xip(q.s) AS x
        WHERE xid(x) NOT IN (SELECT a.backend_xid FROM pg_stat_activity a
                             WHERE a.datname <> current_database() AND a.backend_xid IS NOT NULL)),
        pg_snapshot_xmax(q.s))::text AS frontier
    FROM (SELECT pg_current_snapshot() AS s) q`.execute(db);
  return rows[0]!;
}

const position = (r: ScanRow): Position => ({ tx: r.tx_id, rank: Number(r.rank), key: r.key });

/** One page of the feed after `after`, as `view` sees it. */
export async function readPage(db: Kysely<DB>, tenantId: string, view: View, after: Position, limit: number): Promise<FeedPage> {
  const { frontier, xmax } = await frontierNow(db);
  // No transaction has this id yet: a cursor of another database (or made up).
  if (BigInt(after.tx) >= BigInt(xmax)) throw new DomainError('invalid_cursor');
  const scanLimit = view.restricted ? Math.max(limit, RESTRICTED_SCAN) : limit;
  const p = { tenantId, frontier, after, limit: scanLimit, view };
  const union = sql.join(SOURCES.map((s) => sql`(${s.scan(p)})`), sql` UNION ALL `);
  const { rows } = await sql<ScanRow>`SELECT u.tx_id::text AS tx_id, u.rank, u.key, u.visible FROM (${union}) u
    ORDER BY u.tx_id, u.rank, u.key LIMIT ${scanLimit}`.execute(db);

  const shown = rows.filter((r) => r.visible);
  const page = shown.slice(0, limit);
  // Past the last event shown when the page is full; else past every row scanned (the rows the
  // view does not show are passed over for good).
  const last = shown.length > limit ? page[page.length - 1] : rows[rows.length - 1];
  const hasMore = rows.length === scanLimit || shown.length > limit;

  const events = new Map<string, SourcedEvent>();
  for (const source of SOURCES) {
    const keys = page.filter((r) => Number(r.rank) === source.rank).map((r) => r.key);
    if (keys.length === 0) continue;
    for (const [key, event] of await source.load(db, tenantId, keys)) events.set(`${source.rank}/${key}`, event);
  }
  const items = page.map((r) => {
    const event = events.get(`${r.rank}/${r.key}`);
    // Rows below the frontier are never changed or removed: one that was scanned is there.
    if (!event) throw new Error(`event feed: the ${r.rank}/${r.key} row of transaction ${r.tx_id} was scanned but not loaded`);
    return { ...event, cursor: encodeCursor(position(r)) };
  });
  return { items, nextCursor: encodeCursor(last ? position(last) : after), hasMore };
}

/** How often a waiting request looks again (both engines: no LISTEN, no trigger on the write path). */
export const POLL_MS = 200;

export interface FeedRequest {
  tenantId: string;
  /** Read again on every look: an org unit created meanwhile under a key's scope is in it. */
  view: () => Promise<View>;
  after: string | undefined;
  limit: number;
  /** Seconds to wait for a first event when there is none yet. */
  waitSeconds: number;
  /** Ends the wait early (the client went away, the service is closing): the page as it is. */
  signal: AbortSignal;
}

/**
 * A page of the feed; with waitSeconds, when the feed has nothing after the cursor yet, looks
 * again every POLL_MS until an event arrives (answered at once) or the time is up (an empty page,
 * with the cursor to ask again with).
 */
export async function readFeed(db: Kysely<DB>, r: FeedRequest): Promise<FeedPage> {
  let after = r.after === undefined ? START : decodeCursor(r.after);
  const deadline = Date.now() + r.waitSeconds * 1000;
  for (;;) {
    const page = await readPage(db, r.tenantId, await r.view(), after, r.limit);
    if (page.items.length > 0 || Date.now() >= deadline || r.signal.aborted) return page;
    after = decodeCursor(page.nextCursor);
    // A full page of rows the view does not show: look on at once.
    if (!page.hasMore) await sleep(Math.min(POLL_MS, deadline - Date.now()), r.signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener('abort', done, { once: true });
  });
}
