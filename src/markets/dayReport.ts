import { Decimal } from 'decimal.js';
import { stringify } from 'csv-stringify/sync';
import { type Kysely, sql } from 'kysely';
import type { Caller } from '../auth/caller.js';
import type { DB } from '../db/schema.js';
import type { ItemKind } from '../db/marketTables.js';
import { accountMovement, formatAmount, marketAccount } from '../ledger/index.js';
import { DomainError } from '../problems.js';
import { chinaDay } from '../chinaTime.js';
import { requireMarketScope } from './scope.js';

// A market's day (对账, DESIGN §4): per terminal and per item, what the day's receipts say was
// sold and refunded, and what the stock movements say left and came back, checked against the two
// independent records (账物相符):
//  (a) points: the market account's ledger movement over the day (entries by recorded time, read
//      through the ledger's facade) must equal the points its sale receipts took less what its
//      refund receipts returned;
//  (b) goods: per item, the day's stock movements of kind sale must equal the quantity on the
//      day's sale receipts, those of kind refund the quantity on its refund receipts (services
//      move no stock: both 0);
//  (c) per goods item, the day's movements must lead from the opening stock to the closing one.
// A day is a China-time calendar day; receipts count by their recorded_at, movements by their at,
// the ledger by its entries' recorded_at: a sale or refund stamps its row and its stock movements
// with its entry's recorded time (src/markets/receipts.ts), so all three cut a day at one instant.

export const StockKinds = ['sale', 'refund', 'restock', 'correction'] as const;
type StockBy = Record<(typeof StockKinds)[number], number>;

export interface TerminalDay {
  terminalId: string | null;
  sales: number;
  refunds: number;
  pointsTaken: string;
  pointsReturned: string;
  net: string;
}

export interface ItemDay {
  itemId: string;
  sku: string;
  name: string;
  kind: ItemKind;
  quantitySold: number;
  quantityRefunded: number;
  pointsTaken: string;
  pointsReturned: string;
  /** The day's stock movements summed by kind (signed: a sale takes, a refund gives). */
  stockMovements: StockBy;
  /** Goods: the stock after the last movement before the day (0 if none); services: null. */
  openingStock: number | null;
  /** Goods: the stock after the last movement of the day or before; services: null. */
  closingStock: number | null;
}

export const DifferenceChecks = ['ledger', 'stock_sale', 'stock_refund', 'stock_chain'] as const;

export interface Difference {
  check: (typeof DifferenceChecks)[number];
  /** The item, for the stock checks. */
  sku: string | null;
  /** What the receipts say (ledger: net points; stock_sale/stock_refund: quantities; stock_chain: closing − opening). */
  expected: string;
  /** What the other record says (the ledger movement; the stock movements). */
  actual: string;
}

export interface DayReport {
  marketId: string;
  date: string;
  from: string;
  to: string;
  terminals: TerminalDay[];
  items: ItemDay[];
  totals: Omit<TerminalDay, 'terminalId'> & { quantitySold: number; quantityRefunded: number; stockMovements: StockBy };
  ledger: { accountId: string; movement: string; postings: number };
  reconciled: boolean;
  differences: Difference[];
}

type TerminalRow = { terminal_id: string | null; sales: number; refunds: number; taken: string; returned: string };
type ItemRow = {
  item_id: string; sku: string; name: string; kind: ItemKind; sold: number; refunded: number; taken: string; returned: string;
  sale: number; refund: number; restock: number; correction: number; opening: number | null; closing: number | null;
};

async function terminalRows(db: Kysely<DB>, tenantId: string, marketId: string, from: string, to: string): Promise<TerminalRow[]> {
  const { rows } = await sql<TerminalRow>`SELECT terminal_id,
      count(*) FILTER (WHERE kind = 'sale')::int AS sales, count(*) FILTER (WHERE kind = 'refund')::int AS refunds,
      coalesce(sum(total) FILTER (WHERE kind = 'sale'), 0)::text AS taken, coalesce(sum(total) FILTER (WHERE kind = 'refund'), 0)::text AS returned
    FROM (SELECT 'sale' AS kind, terminal_id, total FROM redemptions
            WHERE tenant_id = ${tenantId} AND market_id = ${marketId} AND recorded_at >= ${from}::timestamptz AND recorded_at < ${to}::timestamptz
          UNION ALL
          SELECT 'refund', terminal_id, total FROM refunds
            WHERE tenant_id = ${tenantId} AND market_id = ${marketId} AND recorded_at >= ${from}::timestamptz AND recorded_at < ${to}::timestamptz) x
    GROUP BY terminal_id ORDER BY terminal_id NULLS FIRST`.execute(db);
  return rows;
}

// Every item the market had by the day's end (and any with a receipt or movement that day), with
// its receipts' quantities and points, its movements by kind, and its stock before and after.
async function itemRows(db: Kysely<DB>, tenantId: string, marketId: string, from: string, to: string): Promise<ItemRow[]> {
  const { rows } = await sql<ItemRow>`WITH
    sold AS (SELECT l.item_id, sum(l.quantity)::int AS quantity, sum(l.amount) AS amount
      FROM redemptions r JOIN redemption_lines l ON l.tenant_id = r.tenant_id AND l.redemption_id = r.redemption_id
      WHERE r.tenant_id = ${tenantId} AND r.market_id = ${marketId} AND r.recorded_at >= ${from}::timestamptz AND r.recorded_at < ${to}::timestamptz
      GROUP BY l.item_id),
    back AS (SELECT l.item_id, sum(fl.quantity)::int AS quantity, sum(fl.amount) AS amount
      FROM refunds f JOIN refund_lines fl ON fl.tenant_id = f.tenant_id AND fl.refund_id = f.refund_id
        JOIN redemption_lines l ON l.tenant_id = f.tenant_id AND l.redemption_id = f.redemption_id AND l.line_no = fl.line_no
      WHERE f.tenant_id = ${tenantId} AND f.market_id = ${marketId} AND f.recorded_at >= ${from}::timestamptz AND f.recorded_at < ${to}::timestamptz
      GROUP BY l.item_id),
    moved AS (SELECT item_id,
        coalesce(sum(quantity) FILTER (WHERE kind = 'sale'), 0)::int AS sale, coalesce(sum(quantity) FILTER (WHERE kind = 'refund'), 0)::int AS refund,
        coalesce(sum(quantity) FILTER (WHERE kind = 'restock'), 0)::int AS restock, coalesce(sum(quantity) FILTER (WHERE kind = 'correction'), 0)::int AS correction
      FROM stock_movements
      WHERE tenant_id = ${tenantId} AND market_id = ${marketId} AND at >= ${from}::timestamptz AND at < ${to}::timestamptz
      GROUP BY item_id)
    SELECT i.item_id, i.sku, i.name, i.kind,
      coalesce(s.quantity, 0) AS sold, coalesce(b.quantity, 0) AS refunded, coalesce(s.amount, 0)::text AS taken, coalesce(b.amount, 0)::text AS returned,
      coalesce(m.sale, 0) AS sale, coalesce(m.refund, 0) AS refund, coalesce(m.restock, 0) AS restock, coalesce(m.correction, 0) AS correction,
      (SELECT stock_after FROM stock_movements o WHERE o.tenant_id = i.tenant_id AND o.item_id = i.item_id AND o.at < ${from}::timestamptz
        ORDER BY o.at DESC, o.movement_no DESC LIMIT 1) AS opening,
      (SELECT stock_after FROM stock_movements c WHERE c.tenant_id = i.tenant_id AND c.item_id = i.item_id AND c.at < ${to}::timestamptz
        ORDER BY c.at DESC, c.movement_no DESC LIMIT 1) AS closing
    FROM catalog_items i
      LEFT JOIN sold s ON s.item_id = i.item_id LEFT JOIN back b ON b.item_id = i.item_id LEFT JOIN moved m ON m.item_id = i.item_id
    WHERE i.tenant_id = ${tenantId} AND i.market_id = ${marketId}
      AND (i.created_at < ${to}::timestamptz OR s.item_id IS NOT NULL OR b.item_id IS NOT NULL OR m.item_id IS NOT NULL)
    ORDER BY i.sku`.execute(db);
  return rows;
}

const stock = (n: number | null, kind: ItemKind) => (kind === 'goods' ? Number(n ?? 0) : null);

function toItem(r: ItemRow): ItemDay {
  return {
    itemId: r.item_id,
    sku: r.sku,
    name: r.name,
    kind: r.kind,
    quantitySold: Number(r.sold),
    quantityRefunded: Number(r.refunded),
    pointsTaken: formatAmount(r.taken),
    pointsReturned: formatAmount(r.returned),
    stockMovements: { sale: Number(r.sale), refund: Number(r.refund), restock: Number(r.restock), correction: Number(r.correction) },
    openingStock: stock(r.opening, r.kind),
    closingStock: stock(r.closing, r.kind),
  };
}

/** The checks (b) and (c) of one item: what disagrees. */
function stockDifferences(item: ItemDay): Difference[] {
  const out: Difference[] = [];
  const m = item.stockMovements;
  // Goods move stock by what the receipts say; services move none.
  const sold = item.kind === 'goods' ? item.quantitySold : 0;
  const refunded = item.kind === 'goods' ? item.quantityRefunded : 0;
  if (-m.sale !== sold) out.push({ check: 'stock_sale', sku: item.sku, expected: String(sold), actual: String(-m.sale) });
  if (m.refund !== refunded) out.push({ check: 'stock_refund', sku: item.sku, expected: String(refunded), actual: String(m.refund) });
  if (item.openingStock !== null && item.closingStock !== null) {
    const moved = m.sale + m.refund + m.restock + m.correction;
    const change = item.closingStock - item.openingStock;
    if (moved !== change) out.push({ check: 'stock_chain', sku: item.sku, expected: String(change), actual: String(moved) });
  }
  return out;
}

/** The day report of a market; a key of another market is refused, an unknown market is 404. */
export async function dayReport(db: Kysely<DB>, caller: Caller, marketId: string, date: string): Promise<DayReport> {
  requireMarketScope(caller, marketId);
  const market = await db.selectFrom('markets').select('market_id').where('tenant_id', '=', caller.tenantId).where('market_id', '=', marketId).executeTakeFirst();
  if (!market) throw new DomainError('market_not_found', { marketId });
  const { start, end } = chinaDay(date);
  const [from, to] = [start.toISOString(), end.toISOString()];

  const terminals = (await terminalRows(db, caller.tenantId, marketId, from, to)).map((r) => ({
    terminalId: r.terminal_id,
    sales: Number(r.sales),
    refunds: Number(r.refunds),
    pointsTaken: formatAmount(r.taken),
    pointsReturned: formatAmount(r.returned),
    net: formatAmount(new Decimal(r.taken).minus(r.returned)),
  }));
  const items = (await itemRows(db, caller.tenantId, marketId, from, to)).map(toItem);
  const accountId = marketAccount(marketId);
  const moved = await accountMovement(db, caller.tenantId, accountId, { from: start, to: end });
  // A market without its account is a broken market: its movement reads 0 and (a) says so.
  const ledger = { accountId, movement: moved?.amount ?? formatAmount(0), postings: moved?.postings ?? 0 };

  const sum = (values: Decimal.Value[]) => values.reduce<Decimal>((a, v) => a.plus(v), new Decimal(0));
  const taken = sum(terminals.map((t) => t.pointsTaken));
  const returned = sum(terminals.map((t) => t.pointsReturned));
  const count = (f: (i: ItemDay) => number) => items.reduce((a, i) => a + f(i), 0);
  const totals = {
    sales: terminals.reduce((a, t) => a + t.sales, 0),
    refunds: terminals.reduce((a, t) => a + t.refunds, 0),
    pointsTaken: formatAmount(taken),
    pointsReturned: formatAmount(returned),
    net: formatAmount(taken.minus(returned)),
    quantitySold: count((i) => i.quantitySold),
    quantityRefunded: count((i) => i.quantityRefunded),
    stockMovements: Object.fromEntries(StockKinds.map((k) => [k, count((i) => i.stockMovements[k])])) as StockBy,
  };

  const differences: Difference[] = [];
  if (!new Decimal(ledger.movement).equals(totals.net)) differences.push({ check: 'ledger', sku: null, expected: totals.net, actual: ledger.movement });
  for (const item of items) differences.push(...stockDifferences(item));
  return { marketId, date, from, to, terminals, items, totals, ledger, reconciled: differences.length === 0, differences };
}

// The CSV: one row per terminal, per item, the day's totals and each difference, told apart by the
// first column (section); a field that does not apply to a section is empty. It starts with a
// UTF-8 byte order mark, so that Excel reads the Chinese names right.
const CSV_COLUMNS = [
  'section', 'date', 'terminal_id', 'sku', 'name', 'kind', 'sales', 'refunds', 'quantity_sold', 'quantity_refunded', 'points_taken', 'points_returned',
  'net', 'opening_stock', 'stock_sale', 'stock_refund', 'stock_restock', 'stock_correction', 'closing_stock', 'ledger_movement', 'reconciled',
  'check', 'expected', 'actual',
] as const;
type CsvRow = Partial<Record<(typeof CSV_COLUMNS)[number], string | number | boolean | null>>;

export function dayReportCsv(report: DayReport): string {
  const stockOf = (m: StockBy) => ({ stock_sale: m.sale, stock_refund: m.refund, stock_restock: m.restock, stock_correction: m.correction });
  const t = report.totals;
  const rows: CsvRow[] = [
    ...report.terminals.map((r) => ({
      section: 'terminal', terminal_id: r.terminalId, sales: r.sales, refunds: r.refunds, points_taken: r.pointsTaken, points_returned: r.pointsReturned, net: r.net,
    })),
    ...report.items.map((i) => ({
      section: 'item', sku: i.sku, name: i.name, kind: i.kind, quantity_sold: i.quantitySold, quantity_refunded: i.quantityRefunded,
      points_taken: i.pointsTaken, points_returned: i.pointsReturned, net: formatAmount(new Decimal(i.pointsTaken).minus(i.pointsReturned)),
      opening_stock: i.openingStock, ...stockOf(i.stockMovements), closing_stock: i.closingStock,
    })),
    {
      section: 'total', sales: t.sales, refunds: t.refunds, quantity_sold: t.quantitySold, quantity_refunded: t.quantityRefunded, points_taken: t.pointsTaken,
      points_returned: t.pointsReturned, net: t.net, ...stockOf(t.stockMovements), ledger_movement: report.ledger.movement, reconciled: report.reconciled,
    },
    ...report.differences.map((d) => ({ section: 'difference', sku: d.sku, check: d.check, expected: d.expected, actual: d.actual })),
  ];
  const records = rows.map((r) => CSV_COLUMNS.map((c) => (c === 'date' ? report.date : (r[c] ?? null))).map((v) => (v === null ? '' : String(v))));
  return `\uFEFF${stringify([[...CSV_COLUMNS], ...records])}`;
}
