import crypto from 'node:crypto';
import { Decimal } from 'decimal.js';
import { type Kysely, type Selectable, sql, type Transaction, type Updateable } from 'kysely';
import type { Caller } from '../auth/caller.js';
import { recordConfigChange } from '../changes/changes.js';
import type { CapacityPeriod, CatalogItemsTable, ItemKind, LimitPeriod } from '../db/marketTables.js';
import type { DB } from '../db/schema.js';
import { formatAmount } from '../ledger/index.js';
import { DomainError } from '../problems.js';
import { lockActiveMarket } from './markets.js';
import { requireMarketScope, terminalOf } from './scope.js';
import { changeStock, listItemMovements, MAX_STOCK, recordStockMovements, type StockMovement } from './stock.js';

// The catalogue (商品) of a market: goods with stock, services (积分换服务) with an optional
// capacity per period, each with a points price whose history is kept (catalog_prices, append-only:
// a receipt line keeps the price it was sold at) and an optional per-member limit. Stock changes
// only through stock movements (src/markets/stock.ts); an update of the item never touches it.

export const ItemKinds = ['goods', 'service'] as const satisfies readonly ItemKind[];
export const CapacityPeriods = ['day', 'week', 'month'] as const satisfies readonly CapacityPeriod[];
export const LimitPeriods = ['day', 'month', 'quarter', 'year'] as const satisfies readonly LimitPeriod[];

export interface Item {
  id: string;
  marketId: string;
  sku: string;
  name: string;
  kind: ItemKind;
  price: string;
  active: boolean;
  /** Null for services. */
  stock: number | null;
  /** Held by open baskets. */
  reserved: number;
  /** stock − reserved: what can be sold now; null for services. */
  available: number | null;
  capacity: { quantity: number; period: CapacityPeriod } | null;
  limit: { quantity: number; period: LimitPeriod } | null;
  createdAt: string;
  /** The last change of the item's definition (name, price, active, capacity, limit), not of its stock. */
  updatedAt: string;
}

export interface PriceChange {
  price: string;
  validFrom: string;
  actor: string;
}

export type ItemRow = Selectable<CatalogItemsTable>;

export function toItem(r: ItemRow): Item {
  const stock = r.stock === null ? null : Number(r.stock);
  const reserved = Number(r.reserved);
  return {
    id: r.item_id,
    marketId: r.market_id,
    sku: r.sku,
    name: r.name,
    kind: r.kind,
    price: formatAmount(r.price),
    active: r.active,
    stock,
    reserved,
    available: stock === null ? null : stock - reserved,
    capacity: r.capacity === null || r.capacity_period === null ? null : { quantity: Number(r.capacity), period: r.capacity_period },
    limit: r.limit_quantity === null || r.limit_period === null ? null : { quantity: Number(r.limit_quantity), period: r.limit_period },
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** The market's org unit (the org unit of its configuration changes); market_not_found. */
async function marketOrgUnit(db: Kysely<DB>, tenantId: string, marketId: string): Promise<string> {
  const row = await db.selectFrom('markets').select('org_unit_id').where('tenant_id', '=', tenantId).where('market_id', '=', marketId).executeTakeFirst();
  if (!row) throw new DomainError('market_not_found', { marketId });
  return row.org_unit_id;
}

/** The item's row (locked for the transaction with forUpdate); market_not_found or item_not_found. */
async function itemRow(db: Kysely<DB>, caller: Caller, marketId: string, sku: string, forUpdate = false): Promise<ItemRow> {
  let query = db.selectFrom('catalog_items').selectAll().where('tenant_id', '=', caller.tenantId).where('market_id', '=', marketId).where('sku', '=', sku);
  if (forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (row) return row;
  await marketOrgUnit(db, caller.tenantId, marketId); // a missing market is named as such
  throw new DomainError('item_not_found', { sku });
}

/** Records a change of an item, with its market's org unit (for keys scoped to an org unit). */
async function recordItemChange(trx: Transaction<DB>, caller: Caller, action: 'catalogItem.created' | 'catalogItem.updated', item: Item, changes?: object): Promise<Item> {
  const orgUnitId = await marketOrgUnit(trx, caller.tenantId, item.marketId);
  await recordConfigChange(trx, caller, action, { ...item, orgUnitId }, changes);
  return item;
}

/** Who makes a restock or correction, and where: no sale or refund is behind it. */
function movedBy(caller: Caller, marketId: string) {
  return { tenantId: caller.tenantId, marketId, terminalId: terminalOf(caller), redemptionId: null, refundId: null, actor: caller.keyId };
}

export interface NewItem {
  sku: string;
  name: string;
  kind: ItemKind;
  price: string;
  active?: boolean | undefined;
  stock?: number | undefined;
  capacity?: { quantity: number; period: CapacityPeriod } | undefined;
  limit?: { quantity: number; period: LimitPeriod } | undefined;
}

/** Refuses what the item's kind cannot have: stock for a service, a capacity for goods. */
function checkKind(kind: ItemKind, input: { stock?: unknown; capacity?: unknown }): void {
  const errors: { in: string; path: string; code: string; message: string }[] = [];
  if (kind === 'service' && input.stock !== undefined) errors.push({ in: 'body', path: 'stock', code: 'validation_failed', message: 'a service has no stock' });
  if (kind === 'goods' && input.capacity != null) errors.push({ in: 'body', path: 'capacity', code: 'validation_failed', message: 'only a service has a capacity' });
  if (errors.length > 0) throw new DomainError('validation_failed', { errors });
}

/**
 * A new item with its first price, and its opening stock as a 'restock' movement ('initial
 * stock') when there is any; item_exists when the market has the sku already.
 */
export async function createItem(trx: Transaction<DB>, caller: Caller, marketId: string, input: NewItem): Promise<Item> {
  requireMarketScope(caller, marketId);
  checkKind(input.kind, input);
  await lockActiveMarket(trx, caller.tenantId, marketId);
  const stock = input.kind === 'goods' ? (input.stock ?? 0) : null;
  const row = await trx
    .insertInto('catalog_items')
    .values({
      tenant_id: caller.tenantId,
      item_id: crypto.randomUUID(),
      market_id: marketId,
      sku: input.sku,
      name: input.name,
      kind: input.kind,
      price: input.price,
      active: input.active ?? true,
      stock,
      capacity: input.capacity?.quantity ?? null,
      capacity_period: input.capacity?.period ?? null,
      limit_quantity: input.limit?.quantity ?? null,
      limit_period: input.limit?.period ?? null,
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'market_id', 'sku']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new DomainError('item_exists', { sku: input.sku });
  await trx.insertInto('catalog_prices').values({ tenant_id: caller.tenantId, item_id: row.item_id, price: input.price, actor: caller.keyId }).execute();
  if (stock !== null && stock > 0) {
    await recordStockMovements(trx, [{ ...movedBy(caller, marketId), itemId: row.item_id, kind: 'restock', quantity: stock, stockAfter: stock, reason: 'initial stock' }]);
  }
  return recordItemChange(trx, caller, 'catalogItem.created', toItem(row));
}

export interface ItemPatch {
  name?: string | undefined;
  price?: string | undefined;
  active?: boolean | undefined;
  capacity?: { quantity: number; period: CapacityPeriod } | null | undefined;
  limit?: { quantity: number; period: LimitPeriod } | null | undefined;
}

/**
 * Changes an item's definition (null clears its capacity or limit). A new price is appended to
 * the price history; the same price again is no change. The stock is never touched here.
 */
export async function updateItem(trx: Transaction<DB>, caller: Caller, marketId: string, sku: string, patch: ItemPatch): Promise<Item> {
  requireMarketScope(caller, marketId);
  const current = await itemRow(trx, caller, marketId, sku, true);
  checkKind(current.kind, { capacity: patch.capacity });
  const set: Updateable<CatalogItemsTable> = {};
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.active !== undefined) set.active = patch.active;
  if (patch.capacity !== undefined) {
    set.capacity = patch.capacity?.quantity ?? null;
    set.capacity_period = patch.capacity?.period ?? null;
  }
  if (patch.limit !== undefined) {
    set.limit_quantity = patch.limit?.quantity ?? null;
    set.limit_period = patch.limit?.period ?? null;
  }
  if (patch.price !== undefined && !new Decimal(patch.price).eq(current.price)) {
    set.price = patch.price;
    await trx.insertInto('catalog_prices').values({ tenant_id: caller.tenantId, item_id: current.item_id, price: patch.price, actor: caller.keyId }).execute();
  }
  if (Object.keys(set).length === 0) return recordItemChange(trx, caller, 'catalogItem.updated', toItem(current), patch);
  const row = await trx
    .updateTable('catalog_items')
    .set({ ...set, updated_at: sql<Date>`now()` })
    .where('tenant_id', '=', caller.tenantId)
    .where('item_id', '=', current.item_id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return recordItemChange(trx, caller, 'catalogItem.updated', toItem(row), patch);
}

/** An item with its prices, newest first. */
export async function getItem(db: Kysely<DB>, caller: Caller, marketId: string, sku: string): Promise<Item & { prices: PriceChange[] }> {
  requireMarketScope(caller, marketId);
  const row = await itemRow(db, caller, marketId, sku);
  const prices = await db
    .selectFrom('catalog_prices')
    .select(['price', 'valid_from', 'actor'])
    .where('tenant_id', '=', caller.tenantId)
    .where('item_id', '=', row.item_id)
    .orderBy('valid_from', 'desc')
    .execute();
  return { ...toItem(row), prices: prices.map((p) => ({ price: formatAmount(p.price), validFrom: new Date(p.valid_from).toISOString(), actor: p.actor })) };
}

function decodeSkuCursor(cursor: string): string {
  const sku = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(sku) || Buffer.from(sku, 'utf8').toString('base64url') !== cursor) throw new DomainError('invalid_cursor');
  return sku;
}

/** A market's items by sku, keyset-paged; `active` filters. */
export async function listItems(
  db: Kysely<DB>,
  caller: Caller,
  marketId: string,
  filter: { active?: boolean | undefined; limit: number; cursor?: string | undefined },
): Promise<{ items: Item[]; nextCursor: string | null }> {
  requireMarketScope(caller, marketId);
  const after = filter.cursor === undefined ? null : decodeSkuCursor(filter.cursor);
  await marketOrgUnit(db, caller.tenantId, marketId);
  let query = db.selectFrom('catalog_items').selectAll().where('tenant_id', '=', caller.tenantId).where('market_id', '=', marketId);
  if (filter.active !== undefined) query = query.where('active', '=', filter.active);
  // "C" collation: the order of the bytes, the same on every database, as the cursor compares.
  if (after !== null) query = query.where(sql<boolean>`sku COLLATE "C" > ${after}`);
  const rows = await query.orderBy(sql`sku COLLATE "C"`).limit(filter.limit + 1).execute();
  const items = rows.slice(0, filter.limit);
  const last = items[items.length - 1];
  return { items: items.map(toItem), nextCursor: rows.length > filter.limit && last ? Buffer.from(last.sku, 'utf8').toString('base64url') : null };
}

export interface StockChange {
  kind: 'restock' | 'correction';
  quantity: number;
  reason: string;
}

/**
 * A restock or a correction: the item's stock and its movement, in the caller's transaction.
 * stock_negative (with the stock as it is) when it would take the stock below zero or below what
 * open baskets hold; not_goods for a service.
 */
export async function moveStock(trx: Transaction<DB>, caller: Caller, marketId: string, sku: string, change: StockChange): Promise<StockMovement> {
  requireMarketScope(caller, marketId);
  const changed = await changeStock(trx, { tenantId: caller.tenantId, marketId, sku }, change.quantity);
  if (!changed) {
    // Refused: say why from the item as it is now (nothing was changed).
    const row = await itemRow(trx, caller, marketId, sku);
    if (row.stock === null) throw new DomainError('not_goods', { sku });
    const stock = Number(row.stock);
    if (stock + change.quantity > MAX_STOCK) {
      throw new DomainError('validation_failed', { errors: [{ in: 'body', path: 'quantity', code: 'validation_failed', message: `the stock cannot exceed ${MAX_STOCK}` }] });
    }
    throw new DomainError('stock_negative', { sku, stock, reserved: Number(row.reserved) });
  }
  const [movement] = await recordStockMovements(trx, [
    { ...movedBy(caller, marketId), itemId: changed.itemId, kind: change.kind, quantity: change.quantity, stockAfter: changed.stockAfter, reason: change.reason },
  ]);
  return movement!;
}

/** An item's stock movements, newest first (none for a service). */
export async function listStockMovements(
  db: Kysely<DB>,
  caller: Caller,
  marketId: string,
  sku: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: StockMovement[]; nextCursor: string | null }> {
  requireMarketScope(caller, marketId);
  const row = await itemRow(db, caller, marketId, sku);
  return listItemMovements(db, caller.tenantId, row.item_id, page);
}
