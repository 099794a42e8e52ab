import { Decimal } from 'decimal.js';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { CapacityPeriod, ItemKind, LimitPeriod } from '../db/marketTables.js';
import { formatAmount } from '../ledger/index.js';
import { DomainError } from '../problems.js';
import { chinaTime } from '../chinaTime.js';
import { type Period, periodOf } from './periods.js';

// The lines of a sale or a basket against the catalogue: priced from the items as they are now,
// then, under the items' row locks, the stock taken (a sale) or reserved (a basket), and the
// per-member limits and service capacity checked, counting open baskets. Nothing here is read
// from a copy apart from the write: every check runs in the write's transaction, after the locks
// that make it exact (the member's points row, taken by the ledger write before this; the items'
// rows, taken here in item-id order).

export interface LineRequest {
  sku: string;
  quantity: number;
}

/** A line as sold (or held): the price is the item's price at the time, kept on the receipt. */
export interface PricedLine {
  lineNo: number;
  itemId: string;
  sku: string;
  name: string;
  kind: ItemKind;
  quantity: number;
  price: string;
  amount: string;
}

interface ItemRules {
  itemId: string;
  sku: string;
  kind: ItemKind;
  capacity: number | null;
  capacityPeriod: CapacityPeriod | null;
  limitQuantity: number | null;
  limitPeriod: LimitPeriod | null;
}

export interface PricedBasket {
  lines: PricedLine[];
  total: Decimal;
  items: ItemRules[];
}

type CatalogRow = {
  market_active: boolean;
  item_id: string | null;
  sku: string | null;
  name: string;
  kind: ItemKind;
  price: string;
  active: boolean;
  capacity: number | null;
  capacity_period: CapacityPeriod | null;
  limit_quantity: number | null;
  limit_period: LimitPeriod | null;
  /** As last committed: a hint for grouping sales (the stock statement checks under the lock). */
  stock: number | null;
  reserved: number;
};

/** The market's items of these skus as they are now, by sku: market_not_found, market_inactive. */
export async function catalogFor(db: Kysely<DB> | Transaction<DB>, tenantId: string, marketId: string, skus: string[]): Promise<Map<string, CatalogRow>> {
  const { rows } = await sql<CatalogRow>`SELECT m.active AS market_active, i.item_id, i.sku, i.name, i.kind, i.price, i.active, i.capacity, i.capacity_period, i.limit_quantity, i.limit_period, i.stock, i.reserved
    -- One look-up by key per sku (LIMIT keeps each its own subquery): with the skus as = ANY, a
    -- catalog without statistics was read whole for each sale.
    FROM markets m LEFT JOIN LATERAL (SELECT i.* FROM unnest(${[...new Set(skus)]}::text[]) AS s(sku)
      CROSS JOIN LATERAL (SELECT * FROM catalog_items i WHERE i.tenant_id = m.tenant_id AND i.market_id = m.market_id AND i.sku = s.sku LIMIT 1) i) i ON true
    WHERE m.tenant_id = ${tenantId} AND m.market_id = ${marketId}`.execute(db);
  if (rows.length === 0) throw new DomainError('market_not_found', { marketId });
  if (!rows[0]!.market_active) throw new DomainError('market_inactive', { marketId });
  return new Map(rows.filter((r) => r.item_id !== null).map((r) => [r.sku!, r]));
}

/**
 * The market (must take sales) and the lines priced from its catalogue, in one query:
 * market_not_found, market_inactive, unknown_sku, item_inactive.
 */
export async function priceLines(db: Kysely<DB> | Transaction<DB>, tenantId: string, marketId: string, lines: LineRequest[]): Promise<PricedBasket> {
  return priceFrom(await catalogFor(db, tenantId, marketId, lines.map((l) => l.sku)), lines);
}

/** The lines priced from catalogue rows (catalogFor's, holding every sku named): unknown_sku, item_inactive. */
export function priceFrom(bySku: Map<string, CatalogRow>, lines: LineRequest[]): PricedBasket {
  const skus = [...new Set(lines.map((l) => l.sku))];
  let total = new Decimal(0);
  const priced = lines.map((line, i) => {
    const item = bySku.get(line.sku);
    if (!item) throw new DomainError('unknown_sku', { sku: line.sku });
    if (!item.active) throw new DomainError('item_inactive', { sku: line.sku });
    const amount = new Decimal(item.price).times(line.quantity);
    total = total.plus(amount);
    return {
      lineNo: i + 1,
      itemId: item.item_id!,
      sku: item.sku!,
      name: item.name,
      kind: item.kind,
      quantity: line.quantity,
      price: formatAmount(item.price),
      amount: formatAmount(amount),
    };
  });
  // In the order the lines first name them: a basket that breaks two rules is refused for the first, every time.
  const items = skus.flatMap((sku) => (bySku.has(sku) ? [bySku.get(sku)!] : [])).map((r) => ({
    itemId: r.item_id!,
    sku: r.sku!,
    kind: r.kind,
    capacity: r.capacity,
    capacityPeriod: r.capacity_period,
    limitQuantity: r.limit_quantity,
    limitPeriod: r.limit_period,
  }));
  return { lines: priced, total, items };
}

/** Quantities per item, in item-id order (the order every writer locks items in). */
export function perItem(lines: { itemId: string; quantity: number }[]): { itemIds: string[]; quantities: number[] } {
  const sums = new Map<string, number>();
  for (const l of lines) sums.set(l.itemId, (sums.get(l.itemId) ?? 0) + l.quantity);
  const itemIds = [...sums.keys()].sort();
  return { itemIds, quantities: itemIds.map((id) => sums.get(id)!) };
}

/** What a stock change left: per goods item, its stock after (for the stock movements). */
export type StockAfter = Map<string, number>;

/**
 * Changes the stock and reservations of the items, locking them in item-id order, in one
 * statement (NO KEY UPDATE: the rows that reference an item, a sale's lines and movements, still take
 * their foreign keys' KEY SHARE lock on it without waiting). A take leaves stock − reserved never below zero (out_of_stock otherwise, with what
 * is left); a service with a capacity is locked (its capacity is counted next) but holds no stock,
 * one without is not locked at all.
 *  - sell:    stock − q                 (a sale)
 *  - reserve: reserved + q              (a basket)
 *  - release: reserved − q              (a basket voided or expired)
 *  - capture: reserved − held, stock − q (a basket captured: `held` per item)
 *  - restock: stock + q                 (a refund)
 */
export async function stockForLines(
  trx: Transaction<DB>,
  tenantId: string,
  change: 'sell' | 'reserve' | 'release' | 'capture' | 'restock',
  lines: { itemId: string; sku: string; quantity: number }[],
  held?: { itemId: string; quantity: number }[],
): Promise<StockAfter> {
  const { itemIds, quantities } = perItem(lines);
  const heldBy = new Map(held ? (() => { const h = perItem(held); return h.itemIds.map((id, i) => [id, h.quantities[i]!] as const); })() : []);
  const ids = [...new Set([...itemIds, ...heldBy.keys()])].sort();
  const qs = ids.map((id) => quantities[itemIds.indexOf(id)] ?? 0);
  const hs = ids.map((id) => heldBy.get(id) ?? 0);
  const { rows } = await sql<{ item_id: string; kind: ItemKind; stock: number | null; reserved: number; changed: boolean }>`
    WITH want AS (SELECT * FROM unnest(${ids}::uuid[], ${qs}::integer[], ${hs}::integer[]) AS w(item_id, q, h)),
    -- Joined, not locked item by item: a LATERAL lock per item cost this statement 20 % more
    -- instructions on a market of 50 items (a scan of its page per item). Without statistics the
    -- join reads the tenant's whole catalog (README "Sales at the counter without statistics").
    locked AS (SELECT i.item_id, i.kind, i.stock, i.reserved, w.q, w.h FROM catalog_items i JOIN want w ON w.item_id = i.item_id
               WHERE i.tenant_id = ${tenantId} AND (i.kind = 'goods' OR i.capacity IS NOT NULL) ORDER BY i.item_id FOR NO KEY UPDATE OF i),
    changed AS (UPDATE catalog_items c SET
        stock = CASE ${change} WHEN 'sell' THEN c.stock - l.q WHEN 'capture' THEN c.stock - l.q WHEN 'restock' THEN c.stock + l.q ELSE c.stock END,
        reserved = CASE ${change} WHEN 'reserve' THEN c.reserved + l.q WHEN 'release' THEN c.reserved - l.q WHEN 'capture' THEN c.reserved - l.h ELSE c.reserved END
      FROM locked l
      WHERE c.tenant_id = ${tenantId} AND c.item_id = l.item_id AND c.kind = 'goods'
        AND (${change} NOT IN ('sell', 'reserve') OR c.stock - c.reserved >= l.q)
      RETURNING c.item_id, c.stock, c.reserved)
    -- The lock read the newest row of each item (after waiting for its lock): what a refusal reports.
    SELECT l.item_id, l.kind, coalesce(ch.stock, l.stock) AS stock, coalesce(ch.reserved, l.reserved) AS reserved, ch.item_id IS NOT NULL AS changed
    FROM locked l LEFT JOIN changed ch ON ch.item_id = l.item_id`.execute(trx);
  // Only a take can fail its guard; the row read here is the locked, newest one. Two items short:
  // the one the lines name first is reported, every time.
  const short = rows.filter((r) => r.kind === 'goods' && !r.changed);
  const line = lines.find((l) => short.some((r) => r.item_id === l.itemId));
  if (line) {
    const row = short.find((r) => r.item_id === line.itemId)!;
    throw new DomainError('out_of_stock', { sku: line.sku, available: Number(row.stock) - Number(row.reserved), requested: qs[ids.indexOf(row.item_id)]! });
  }
  const after: StockAfter = new Map();
  for (const row of rows) if (row.kind === 'goods') after.set(row.item_id, Number(row.stock));
  return after;
}

/**
 * Per-member limits and service capacity, counted under the locks: what the member (limit) or
 * everyone (capacity) bought in the item's current period, less what was refunded, plus what open
 * baskets hold, plus these lines. `excludeBasket`: a basket being captured is counted once, as
 * its lines. limit_exceeded says the limit and when it resets; capacity_exceeded what is left and
 * when the places come back (the next period's start, China time).
 */
export async function checkLimits(
  trx: Transaction<DB>,
  input: { tenantId: string; memberId: string; items: ItemRules[]; lines: PricedLine[]; occurredAt: Date; excludeBasket?: string | null },
): Promise<void> {
  type Check = { itemId: string; sku: string; kind: 'limit' | 'capacity'; max: number; period: Period; start: Date; end: Date; adding: number };
  const checks: Check[] = [];
  for (const item of input.items) {
    const adding = input.lines.filter((l) => l.itemId === item.itemId).reduce((n, l) => n + l.quantity, 0);
    if (adding === 0) continue;
    if (item.limitQuantity !== null && item.limitPeriod !== null) {
      checks.push({ itemId: item.itemId, sku: item.sku, kind: 'limit', max: item.limitQuantity, period: item.limitPeriod, ...periodOf(item.limitPeriod, input.occurredAt), adding });
    }
    if (item.capacity !== null && item.capacityPeriod !== null) {
      checks.push({ itemId: item.itemId, sku: item.sku, kind: 'capacity', max: item.capacity, period: item.capacityPeriod, ...periodOf(item.capacityPeriod, input.occurredAt), adding });
    }
  }
  if (checks.length === 0) return;
  const { rows } = await sql<{ n: number; used: string }>`
    -- A member's limit reads the member's sales of the period (redemptions_member) and their lines
    -- by key; the item is no index condition there (IS NOT DISTINCT FROM), or a planner without
    -- statistics may read every line of the item ever sold instead. Capacity counts everyone's:
    -- the item's lines of the period, by the line's own copy of its sale's time (0028).
    SELECT c.n, (CASE WHEN c.per_member THEN
      coalesce((SELECT sum(l.quantity - l.refunded) FROM redemptions r JOIN redemption_lines l ON l.tenant_id = r.tenant_id AND l.redemption_id = r.redemption_id
                WHERE r.tenant_id = ${input.tenantId} AND r.member_id = ${input.memberId}::uuid AND r.occurred_at >= c.start_at AND r.occurred_at < c.end_at
                  AND l.item_id IS NOT DISTINCT FROM c.item_id), 0)
      ELSE coalesce((SELECT sum(l.quantity - l.refunded) FROM redemption_lines l
                WHERE l.tenant_id = ${input.tenantId} AND l.item_id = c.item_id AND l.occurred_at >= c.start_at AND l.occurred_at < c.end_at), 0) END
      + coalesce((SELECT sum(bl.quantity) FROM basket_lines bl JOIN baskets b ON b.tenant_id = bl.tenant_id AND b.basket_id = bl.basket_id
                WHERE bl.tenant_id = ${input.tenantId} AND bl.item_id = c.item_id AND b.status = 'open' AND b.expires_at > clock_timestamp()
                  AND b.basket_id IS DISTINCT FROM ${input.excludeBasket ?? null}::uuid
                  AND b.occurred_at >= c.start_at AND b.occurred_at < c.end_at
                  AND (NOT c.per_member OR b.member_id = ${input.memberId}::uuid)), 0))::text AS used
    FROM unnest(${checks.map((_, i) => i)}::integer[], ${checks.map((c) => c.itemId)}::uuid[], ${checks.map((c) => c.kind === 'limit')}::boolean[],
                ${checks.map((c) => c.start.toISOString())}::timestamptz[], ${checks.map((c) => c.end.toISOString())}::timestamptz[])
      AS c(n, item_id, per_member, start_at, end_at)`.execute(trx);
  for (const row of rows) {
    const check = checks[row.n]!;
    const used = Number(row.used);
    if (used + check.adding <= check.max) continue;
    if (check.kind === 'limit') {
      throw new DomainError('limit_exceeded', { sku: check.sku, limit: check.max, period: check.period, used, requested: check.adding, resetsAt: chinaTime(check.end) });
    }
    throw new DomainError('capacity_exceeded', { sku: check.sku, capacity: check.max, period: check.period, available: Math.max(0, check.max - used), requested: check.adding, resetsAt: chinaTime(check.end) });
  }
}
