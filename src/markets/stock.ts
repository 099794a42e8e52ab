import { type Kysely, type RawBuilder, type Selectable, sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { StockMovementKind, StockMovementsTable } from '../db/marketTables.js';
import { DomainError } from '../problems.js';

// Stock movements (库存流水): every change of an item's stock, append-only (the table's triggers
// refuse UPDATE and DELETE), each with the stock it left, who made it, from which terminal and why.
// The item's running figure (catalog_items.stock) and its movement change in one transaction.
//
// Order: a movement is written while its item's row is locked (by the guarded UPDATE of its
// stock), so one item's movements are made, numbered and timed in their commit order; a list of
// one item's movements, newest first, is therefore the order in which its stock really changed.

export interface StockMovement {
  /** Sequence number (increasing; may have gaps): the movement's id. */
  movementNo: string;
  marketId: string;
  itemId: string;
  kind: StockMovementKind;
  /** Signed: a sale or a downward correction takes stock, a refund, restock or upward correction gives it. */
  quantity: number;
  stockAfter: number;
  terminalId: string | null;
  redemptionId: string | null;
  refundId: string | null;
  actor: string;
  reason: string | null;
  at: string;
}

export type MovementRow = Pick<
  Selectable<StockMovementsTable>,
  'movement_no' | 'market_id' | 'item_id' | 'kind' | 'quantity' | 'stock_after' | 'terminal_id' | 'redemption_id' | 'refund_id' | 'actor' | 'reason' | 'at'
>;

const COLUMNS = ['movement_no', 'market_id', 'item_id', 'kind', 'quantity', 'stock_after', 'terminal_id', 'redemption_id', 'refund_id', 'actor', 'reason', 'at'] as const;

export function toStockMovement(r: MovementRow): StockMovement {
  return {
    movementNo: String(r.movement_no),
    marketId: r.market_id,
    itemId: r.item_id,
    kind: r.kind,
    quantity: Number(r.quantity),
    stockAfter: Number(r.stock_after),
    terminalId: r.terminal_id,
    redemptionId: r.redemption_id,
    refundId: r.refund_id,
    actor: r.actor,
    reason: r.reason,
    at: new Date(r.at).toISOString(),
  };
}

/** One movement to record: the stock change itself was made by the caller, in the same transaction. */
export type NewStockMovement = Omit<StockMovement, 'movementNo' | 'at'> & { tenantId: string };

/**
 * The INSERT of stock movements, one statement for any number of them, in the order given (their
 * numbers follow it: give them in the order the items' rows were locked, by item id). `at` is
 * their time: by default the moment each is written; a sale or refund passes its ledger entry's
 * recorded time. A statement of its own (recordStockMovements), or a CTE of a receipt's statement.
 */
export function insertStockMovementsSql(rows: readonly NewStockMovement[], at: RawBuilder<unknown> = sql`clock_timestamp()`): RawBuilder<unknown> {
  const col = <T>(f: (r: NewStockMovement) => T) => rows.map(f);
  return sql`INSERT INTO stock_movements (tenant_id, market_id, item_id, kind, quantity, stock_after, terminal_id, redemption_id, refund_id, actor, reason, at)
    SELECT m.tenant_id, m.market_id, m.item_id, m.kind, m.quantity, m.stock_after, m.terminal_id, m.redemption_id, m.refund_id, m.actor, m.reason, ${at}
    FROM unnest(${col((r) => r.tenantId)}::text[], ${col((r) => r.marketId)}::text[], ${col((r) => r.itemId)}::uuid[], ${col((r) => r.kind)}::text[],
      ${col((r) => r.quantity)}::integer[], ${col((r) => r.stockAfter)}::integer[], ${col((r) => r.terminalId)}::text[], ${col((r) => r.redemptionId)}::uuid[],
      ${col((r) => r.refundId)}::uuid[], ${col((r) => r.actor)}::text[], ${col((r) => r.reason)}::text[])
      WITH ORDINALITY AS m(tenant_id, market_id, item_id, kind, quantity, stock_after, terminal_id, redemption_id, refund_id, actor, reason, n)
    ORDER BY m.n`;
}

/** Records stock movements (insertStockMovementsSql), in the transaction that changed the stock; returns them as recorded. */
export async function recordStockMovements(trx: Transaction<DB>, rows: readonly NewStockMovement[]): Promise<StockMovement[]> {
  if (rows.length === 0) return [];
  const { rows: inserted } = await sql<MovementRow>`${insertStockMovementsSql(rows)} RETURNING ${sql.join(COLUMNS.map((c) => sql.ref(c)))}`.execute(trx);
  return inserted.map(toStockMovement);
}

/** The largest stock an item can have (the column is a Postgres integer). */
export const MAX_STOCK = 2_147_483_647;

/**
 * Changes the stock of one goods item by `quantity` with one guarded UPDATE: the stock never goes
 * below what open baskets hold (`reserved`, so never below zero either) nor above MAX_STOCK.
 * Concurrent changes of the same item wait on its row and each re-checks the guard against the
 * stock the one before it left, so no interleaving overdraws it. Returns the item's id and the
 * stock after, or null when the guard (or the item's kind) refused: nothing was changed then.
 */
export async function changeStock(
  trx: Transaction<DB>,
  item: { tenantId: string; marketId: string; sku: string },
  quantity: number,
): Promise<{ itemId: string; stockAfter: number } | null> {
  const { rows } = await sql<{ item_id: string; stock: number }>`UPDATE catalog_items SET stock = stock + ${quantity}::integer
    WHERE tenant_id = ${item.tenantId} AND market_id = ${item.marketId} AND sku = ${item.sku} AND kind = 'goods'
      AND stock::bigint + ${quantity}::integer >= reserved AND stock::bigint + ${quantity}::integer <= ${MAX_STOCK}::bigint
    RETURNING item_id, stock`.execute(trx);
  const row = rows[0];
  return row ? { itemId: row.item_id, stockAfter: Number(row.stock) } : null;
}

// A place in one item's movements, newest first: the movement's time as Postgres keeps it (to the
// microsecond, which a JS Date would round) and its number, base64url-encoded: opaque to clients.
const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function encodeCursor(at: string, no: string): string {
  return Buffer.from(JSON.stringify([at, no])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && AT.test(String(v[0])) && /^\d{1,19}$/.test(String(v[1]))) return [String(v[0]), String(v[1])];
  } catch {
    // fall through
  }
  throw new DomainError('invalid_cursor');
}

/** One item's movements, newest first, keyset-paged. */
export async function listItemMovements(
  db: Kysely<DB>,
  tenantId: string,
  itemId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: StockMovement[]; nextCursor: string | null }> {
  let query = db
    .selectFrom('stock_movements')
    .select(COLUMNS)
    .select(sql<string>`to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('at_text'))
    .where('tenant_id', '=', tenantId)
    .where('item_id', '=', itemId);
  if (page.cursor) {
    const [at, no] = decodeCursor(page.cursor);
    query = query.where(sql<boolean>`(at, movement_no) < (${at}::timestamptz, ${no}::bigint)`);
  }
  const rows = await query.orderBy('at', 'desc').orderBy('movement_no', 'desc').limit(page.limit + 1).execute();
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  return {
    items: items.map(toStockMovement),
    nextCursor: rows.length > page.limit && last ? encodeCursor(last.at_text, String(last.movement_no)) : null,
  };
}
