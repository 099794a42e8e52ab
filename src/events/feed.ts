import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { DomainError } from '../problems.js';
import { type Decoded, decodeCursor, encodeCursor, type Position, START } from './cursor.js';
import { sequenceTenant } from './sequencer.js';
import { type ScanRow, SOURCES, type SourcedEvent } from './sources.js';
import type { View } from './view.js';

// The event feed (README "Event feed"; DESIGN §3 "Order and integrity").
//
// The feed is the sequence of every row of a tenant ordered by (position of the writing
// transaction, rank of its kind, key). Positions are given by the sequencer (sequencer.ts) to
// committed transactions only, in the order their commits became visible to it, and a reader sees
// them as a prefix: nothing can ever appear before a position a reader has seen, so a cursor never
// misses a row and never sees one twice, and a transaction that commits late comes after the ones
// that committed before it. Each read first takes a sequencer step of its own (waiting for
// another process's to end), so it sees every transaction that committed before it began.

export interface FeedEvent extends SourcedEvent {
  /** Resume after this event. */
  cursor: string;
}

export interface FeedPage {
  items: FeedEvent[];
  nextCursor: string;
  /** True when the page stopped at its size: more may be there now; false when it reached the end of the feed as it is now. */
  hasMore: boolean;
}

/** A key's view scans at most this many rows per page, so a page costs the same however sparse the view. */
const RESTRICTED_SCAN = 1000;

const place = (r: ScanRow): Position => ({ position: String(r.position), rank: Number(r.rank), key: r.key });

/** One page of the feed after `after`, as `view` sees it, and the place to go on from. */
export async function readPage(
  db: Kysely<DB>,
  tenantId: string,
  view: View,
  after: Position,
  limit: number,
): Promise<FeedPage & { next: Position }> {
  const scanLimit = view.restricted ? Math.max(limit, RESTRICTED_SCAN) : limit;
  const p = { tenantId, after, view };
  const union = sql.join(SOURCES.map((s) => sql`(${s.scan(p)})`), sql` UNION ALL `);
  // The cursor's transaction and those after it; each has at least one row, so scanLimit of them
  // after the cursor's own give at least scanLimit rows.
  const { rows } = await sql<ScanRow>`WITH txs AS MATERIALIZED (SELECT position, tx_id FROM feed_transactions
      WHERE tenant_id = ${tenantId} AND position >= ${after.position}::bigint ORDER BY position LIMIT ${scanLimit + 1})
    SELECT u.position::text AS position, u.rank, u.key, u.visible FROM (${union}) u
    ORDER BY u.position, u.rank, u.key LIMIT ${scanLimit}`.execute(db);

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
    // Rows of a positioned (committed) transaction are never changed or removed: one scanned is there.
    if (!event) throw new Error(`event feed: the ${r.rank}/${r.key} row at position ${r.position} was scanned but not loaded`);
    return { ...event, cursor: encodeCursor(place(r)) };
  });
  const next = last ? place(last) : after;
  return { items, nextCursor: encodeCursor(next), hasMore, next };
}

/**
 * The place a cursor names in this tenant's feed: `invalid_cursor` for a position the feed has
 * not reached (another tenant's or database's, or made up), or a transaction id (a cursor of the
 * feed before migration 0010) that has no position in it.
 */
async function placeOf(db: Kysely<DB>, tenantId: string, d: Decoded): Promise<Position> {
  if (d.legacyTx === undefined && d.position === '0') return d;
  const { rows } = await sql<{ position: string }>`SELECT position::text AS position FROM feed_transactions
    WHERE tenant_id = ${tenantId} AND ${d.legacyTx === undefined ? sql`position = ${d.position}::bigint` : sql`tx_id = ${d.legacyTx}::xid8`}`.execute(db);
  if (!rows[0]) throw new DomainError('invalid_cursor');
  return { position: rows[0].position, rank: d.rank, key: d.key };
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
  const decoded = r.after === undefined ? START : decodeCursor(r.after);
  const deadline = Date.now() + r.waitSeconds * 1000;
  // The first step waits for another process's: this read sees every commit before it began.
  await sequenceTenant(db, r.tenantId, true);
  let after = await placeOf(db, r.tenantId, decoded);
  for (;;) {
    const { next, ...page } = await readPage(db, r.tenantId, await r.view(), after, r.limit);
    if (page.items.length > 0 || Date.now() >= deadline || r.signal.aborted) return page;
    after = next;
    // A full page of rows the view does not show: look on at once.
    if (page.hasMore) continue;
    await sleep(Math.min(POLL_MS, deadline - Date.now()), r.signal);
    // Later looks leave a busy tenant to the step under way (or the next one).
    if (!r.signal.aborted) await sequenceTenant(db, r.tenantId, false);
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
