import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Entry, HoldEventKind } from '../ledger/index.js';
import type { StockMovement } from '../markets/stock.js';
import type { Position } from './cursor.js';
import type { View } from './view.js';

// The shape of the feed's sources (one per file beside this one, listed in sources.ts).
// Where the feed's events come from: one source per kind of row, each a table whose rows carry
// the writing transaction's id (tx_id, indexed with tenant_id) and are never changed or removed
// once written; the sequencer (sequencer.ts) reads the same tables for the transactions. The feed
// reads these tables itself, across the modules that own them, because one page must merge them
// all in one order; it only reads, and only rows of committed transactions, which no longer change.
//
// Within one transaction the kinds come in rank order (an entry before the hold change or record
// change that names it, then configuration, then stock movements), each kind by its key. A new kind
// of event is one more source file, listed in SOURCES (sources.ts) with the next rank (a rank is in
// the cursors handed out: never renumber one); redemptions and refunds need none: they are entries
// (and their stock movements).

export interface ScanParams {
  tenantId: string;
  after: Position;
  view: View;
}

export interface ScanRow {
  /** The transaction's position (bigint as text). */
  position: string;
  rank: number;
  key: string;
  visible: boolean;
}

/** The kinds of event: which of entry, hold, serviceRecord, config, stockMovement an event carries. */
export const EventKinds = ['entry', 'hold', 'serviceRecord', 'config', 'stockMovement'] as const;
export type EventKind = (typeof EventKinds)[number];

/** An event as a source reads it; the feed adds its cursor. */
export interface SourcedEvent {
  id: string;
  kind: EventKind;
  type: string;
  txId: string;
  at: string;
  actor: string | null;
  entry: FeedEntry | null;
  hold: HoldChange | null;
  serviceRecord: RecordChange | null;
  config: ConfigChange | null;
  stockMovement: StockChange | null;
}

export interface EventSource {
  kind: EventKind;
  /** Order within one transaction; unique, 1–9. */
  rank: number;
  /**
   * A SELECT of (position, rank, key, visible) of this source's rows of the transactions in `txs`
   * (a CTE of (position, tx_id) the feed puts before it, every position from the cursor's on),
   * after `after`; `visible`: the view shows the row.
   */
  scan(p: ScanParams): RawBuilder<ScanRow>;
  /** The events at these keys (any order). */
  load(db: Kysely<DB>, tenantId: string, keys: string[]): Promise<Map<string, SourcedEvent>>;
}

export const iso = (d: Date | string) => new Date(d).toISOString();
export const none = { entry: null, hold: null, serviceRecord: null, config: null, stockMovement: null };

/**
 * The part of a scan every source shares: the rows of the tenant written by a transaction of
 * `txs` (an index range on (tenant_id, tx_id) for each), and within the cursor's own transaction
 * only the keys after it.
 */
export function inTxs(p: ScanParams, rank: number, alias: string, key: RawBuilder<string>): RawBuilder<boolean> {
  // Within the cursor's transaction: a kind of a later rank comes whole, one of an earlier rank
  // is done ('~' sorts after every key), the cursor's own kind after its key.
  const bound = rank > p.after.rank ? '' : rank < p.after.rank ? '~' : p.after.key;
  const x = sql.raw(alias);
  return sql<boolean>`${x}.tenant_id = ${p.tenantId} AND ${x}.tx_id = t.tx_id
    AND (t.position > ${p.after.position}::bigint OR ${key} > ${bound})`;
}

// The payloads of the five kinds of event.

/** An entry as GET /v1/entries/{id} shows it, less what can change later (reversedByEntryId). */
export type FeedEntry = Omit<Entry, 'reversedByEntryId'>;

export interface HoldChange {
  id: string;
  accountId: string;
  unit: 'HOURS' | 'POINTS';
  amount: string;
  expiresAt: string;
  reference: string | null;
  reason: string | null;
  createdAt: string;
  createdBy: string | null;
  change: { kind: HoldEventKind; amount: string; released: string; entryId: string | null; reason: string | null };
}

export interface RecordChange {
  id: string;
  externalId: string;
  memberId: string;
  orgUnitId: string;
  /** The record's history entry (GET /v1/service-records/{id}, `history`). */
  change: { no: number; type: string; reason: string | null; detail: Record<string, unknown> };
}

export interface ConfigChange {
  action: string;
  subjectType: string;
  subjectId: string | null;
  orgUnitId: string | null;
  data: Record<string, unknown>;
  changes: Record<string, unknown> | null;
}

/** A stock movement as GET /v1/markets/{id}/items/{sku}/stock-movements shows it, with the item's sku. */
export type StockChange = StockMovement & { sku: string };
