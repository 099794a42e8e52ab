import { Decimal } from 'decimal.js';
import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { StockMovementKind } from '../db/marketTables.js';
import { answersSql } from '../idempotency/groups.js';
import { answerSql } from '../idempotency/keys.js';
import { type Balance, balanceJsonSql, entryRecordedAtSql, memberAccountSql, memberPointsAccount, toBalance } from '../ledger/index.js';
import { DomainError } from '../problems.js';
import type { PricedLine, StockAfter } from './lines.js';
import { insertStockMovementsSql } from './stock.js';

// Receipts (小票): what a sale or a refund answers and prints. The sale or refund and its stock
// movements carry the recorded time of their ledger entry, to the microsecond (the day report
// cuts days by it). Written last in their
// transaction, in one statement that takes the market's next receipt number (the counter row of
// migrations/0011_markets.ts: held only for this statement and the commit; no gaps among
// committed receipts), the sale or refund row, its lines and its stock movements.

export interface ReceiptLine extends Omit<PricedLine, 'itemId'> {
  /** How much of the line has been refunded (sales); on a refund receipt, 0. */
  refunded: number;
}

export interface Receipt {
  kind: 'sale' | 'refund';
  receiptNo: string;
  marketId: string;
  terminalId: string | null;
  memberId: string;
  cardNo: string | null;
  /** The sale; on a refund receipt, the sale refunded. */
  redemptionId: string;
  refundId: string | null;
  basketId: string | null;
  lines: ReceiptLine[];
  total: string;
  entryId: string;
  reason: string | null;
  occurredAt: string;
  recordedAt: string;
  /** The member's points just after this receipt. */
  points: Balance;
}

export interface NewSale {
  tenantId: string;
  marketId: string;
  terminalId: string | null;
  memberId: string;
  cardNo: string | null;
  redemptionId: string;
  basketId: string | null;
  lines: PricedLine[];
  total: string;
  entryId: string;
  /** The recorded time of the sale's ledger entry, as the ledger answered it. */
  recordedAt: string;
  /** The member's balance its entry left, when later entries of the transaction moved it on (sales sharing one). */
  balanceAfter?: string;
  occurredAt: Date;
  actor: string;
}

// Borrows the member's points balance row through the ledger facade (balanceJsonSql): the points
// after the write (the row this transaction just posted to and holds locked), read in the
// receipt's own statement rather than in one more round trip.
const pointsSql = (tenantId: string, memberId: string) => balanceJsonSql(tenantId, memberPointsAccount(memberId));

/** The member's points on a receipt: the balance after, and what was available then (held is what lies between). */
export function pointsOf(balanceAfter: string, availableAfter: string): Balance {
  return toBalance(balanceAfter, new Decimal(balanceAfter).minus(availableAfter));
}

type Movement = { itemId: string; quantity: number; stockAfter: number };

/** The stock movements of lines whose goods' stock changed: one per item, signed. */
export function movementsOf(lines: { itemId: string; quantity: number }[], after: StockAfter, sign: 1 | -1): Movement[] {
  const sums = new Map<string, number>();
  for (const l of lines) if (after.has(l.itemId)) sums.set(l.itemId, (sums.get(l.itemId) ?? 0) + l.quantity);
  return [...sums].filter(([, q]) => q > 0).map(([itemId, q]) => ({ itemId, quantity: sign * q, stockAfter: after.get(itemId)! }));
}

/** A receipt's stock movements, as the rows stock.ts inserts, stamped with the receipt's entry's time. */
function movementsSql(tenantId: string, marketId: string, kind: StockMovementKind, movements: Movement[], terminalId: string | null, actor: string, ids: { redemptionId: string; refundId: string | null }, entryId: string) {
  const rows = movements.map((m) => ({ tenantId, marketId, itemId: m.itemId, kind, quantity: m.quantity, stockAfter: m.stockAfter, terminalId, ...ids, actor, reason: null }));
  return insertStockMovementsSql(rows, entryRecordedAtSql(tenantId, entryId));
}

/**
 * Writes a sale's receipt (number, sale, lines, stock movements) in one statement (writeSales, of one sale), its last
 * before its commit, which also stores the answer under the sale's Idempotency-Key (answerSql):
 * the market row and the items, which every sale of the market queues on, stay locked for no round
 * trip of the service after it. The answer is built here, so the first answer and every replay are
 * the same bytes.
 */
export async function writeSale(trx: Transaction<DB>, sale: NewSale, movements: Movement[]): Promise<Receipt> {
  return (await writeSales(trx, [{ sale, movements }]))[0]!;
}

/** A sale's receipt as answered, but for its number and the member's points (the statement adds them). */
function saleBody(sale: NewSale): Omit<Receipt, 'receiptNo' | 'points'> {
  return {
    kind: 'sale',
    marketId: sale.marketId,
    terminalId: sale.terminalId,
    memberId: sale.memberId,
    cardNo: sale.cardNo,
    redemptionId: sale.redemptionId,
    refundId: null,
    basketId: sale.basketId,
    lines: sale.lines.map(({ itemId: _, ...line }) => ({ ...line, refunded: 0 })),
    total: sale.total,
    entryId: sale.entryId,
    reason: null,
    occurredAt: sale.occurredAt.toISOString(),
    recordedAt: sale.recordedAt,
  };
}

/**
 * Sales of one market in one statement (writeSale is one of them): numbered in the order given
 * (one move of the market's counter), each with the member's points after it (its `balanceAfter`
 * where given: a member may have more than one sale among them), its lines and its stock
 * movements (in the order given, each stamped with its sale's entry's time). It stores the answers
 * too: each under its sale's `key` in a shared transaction of idempotentWriteMany (answersSql), or
 * a single sale's under the key its idempotentWrite claimed (answerSql).
 */
export async function writeSales(trx: Transaction<DB>, sales: { key?: string; sale: NewSale; movements: Movement[] }[]): Promise<Receipt[]> {
  const { tenantId, marketId } = sales[0]!.sale;
  const all = sales.map((x) => x.sale);
  const col = <T>(f: (s: NewSale) => T) => all.map(f);
  const lines = all.flatMap((s) => s.lines.map((l) => ({ ...l, redemptionId: s.redemptionId })));
  const lc = <T>(f: (l: (typeof lines)[number]) => T) => lines.map(f);
  const movements = sales.flatMap(({ sale: s, movements: ms }) =>
    ms.map((m) => ({ tenantId, marketId, itemId: m.itemId, kind: 'sale' as const, quantity: m.quantity, stockAfter: m.stockAfter, terminalId: s.terminalId, redemptionId: s.redemptionId, refundId: null, actor: s.actor, reason: null })),
  );
  const keys = sales.flatMap((x) => (x.key === undefined ? [] : [x.key]));
  const stored =
    (keys.length === sales.length ? answersSql(trx, 201, keys, sql`SELECT key, response FROM answer`) : null) ??
    (sales.length === 1 ? answerSql(trx, 201, sql`SELECT response FROM answer`) : null);
  const entryOfMovement = entryRecordedAtSql(tenantId, sql`(SELECT s.entry_id FROM s WHERE s.redemption_id = m.redemption_id)`);
  const { rows } = await sql<{ response: Receipt }>`
    WITH n AS (UPDATE markets SET receipt_no = receipt_no + ${all.length}::bigint WHERE tenant_id = ${tenantId} AND market_id = ${marketId} RETURNING receipt_no - ${all.length}::bigint AS base),
    s AS (SELECT * FROM unnest(${col((s) => s.redemptionId)}::uuid[], ${col((s) => s.terminalId)}::text[], ${col((s) => s.memberId)}::uuid[], ${col((s) => s.cardNo)}::text[],
        ${col((s) => s.entryId)}::uuid[], ${col((s) => s.total)}::numeric[], ${col((s) => s.occurredAt.toISOString())}::timestamptz[], ${col((s) => s.basketId)}::uuid[],
        ${col((s) => s.balanceAfter ?? null)}::numeric[], ${col((s) => s.actor)}::text[], ${col((s) => JSON.stringify(saleBody(s)))}::jsonb[], ${sales.map((x) => x.key ?? null)}::text[])
      WITH ORDINALITY AS s(redemption_id, terminal_id, member_id, card_no, entry_id, total, occurred_at, basket_id, balance_after, actor, body, key, k)),
    p AS (SELECT s.k, n.base + s.k AS receipt_no, ${balanceJsonSql(tenantId, memberAccountSql(sql`s.member_id::text`, 'points'), sql`s.balance_after`)} AS points FROM s, n),
    r AS (INSERT INTO redemptions (tenant_id, redemption_id, market_id, terminal_id, member_id, card_no, receipt_no, entry_id, total, occurred_at, basket_id, balance_after, available_after, actor, recorded_at)
      SELECT ${tenantId}, s.redemption_id, ${marketId}, s.terminal_id, s.member_id, s.card_no, p.receipt_no, s.entry_id, s.total, s.occurred_at, s.basket_id,
        (p.points->>'balance')::numeric, (p.points->>'available')::numeric, s.actor, ${entryRecordedAtSql(tenantId, sql`s.entry_id`)}
      FROM s JOIN p ON p.k = s.k ORDER BY s.k RETURNING redemption_id, occurred_at),
    lines AS (INSERT INTO redemption_lines (tenant_id, redemption_id, line_no, item_id, sku, name, kind, quantity, price, amount, occurred_at)
      SELECT ${tenantId}, x.redemption_id, x.line_no, x.item_id, x.sku, x.name, x.kind, x.quantity, x.price, x.amount, r.occurred_at
      FROM unnest(${lc((x) => x.redemptionId)}::uuid[], ${lc((x) => x.lineNo)}::smallint[], ${lc((x) => x.itemId)}::uuid[], ${lc((x) => x.sku)}::text[], ${lc((x) => x.name)}::text[],
        ${lc((x) => x.kind)}::text[], ${lc((x) => x.quantity)}::integer[], ${lc((x) => x.price)}::numeric[], ${lc((x) => x.amount)}::numeric[])
        AS x(redemption_id, line_no, item_id, sku, name, kind, quantity, price, amount)
      JOIN r ON r.redemption_id = x.redemption_id),
    moved AS (${insertStockMovementsSql(movements, entryOfMovement)}),
    answer AS (SELECT s.k, s.key, s.body || jsonb_build_object('receiptNo', p.receipt_no::text, 'points', p.points) AS response FROM s JOIN p ON p.k = s.k)
    ${stored === null ? sql`` : sql`, stored AS (${stored})`}
    SELECT response FROM answer ORDER BY k`.execute(trx);
  if (rows.length !== all.length) throw new DomainError('market_not_found', { marketId });
  return rows.map((r) => r.response);
}

export interface NewRefund {
  tenantId: string;
  marketId: string;
  terminalId: string | null;
  refundId: string;
  redemptionId: string;
  lines: { lineNo: number; itemId: string; quantity: number; amount: string }[];
  total: string;
  entryId: string;
  reason: string;
  actor: string;
  memberId: string;
}

/** Writes a refund's receipt (number, refund, its lines, the stock given back) in one statement. */
export async function writeRefund(trx: Transaction<DB>, refund: NewRefund, movements: Movement[]): Promise<{ receiptNo: string; recordedAt: string; points: Balance }> {
  const l = refund.lines;
  const { rows } = await sql<{ receipt_no: string; recorded_at: Date | string; points: Balance }>`
    WITH n AS (UPDATE markets SET receipt_no = receipt_no + 1 WHERE tenant_id = ${refund.tenantId} AND market_id = ${refund.marketId} RETURNING receipt_no),
    points AS (SELECT ${pointsSql(refund.tenantId, refund.memberId)} AS points),
    r AS (INSERT INTO refunds (tenant_id, refund_id, redemption_id, market_id, terminal_id, receipt_no, entry_id, total, reason, balance_after, available_after, actor, recorded_at)
      SELECT ${refund.tenantId}, ${refund.refundId}::uuid, ${refund.redemptionId}::uuid, ${refund.marketId}, ${refund.terminalId}, n.receipt_no, ${refund.entryId}::uuid,
        ${refund.total}::numeric, ${refund.reason}, (p.points->>'balance')::numeric, (p.points->>'available')::numeric, ${refund.actor}, ${entryRecordedAtSql(refund.tenantId, refund.entryId)}
      FROM n, points p RETURNING receipt_no, recorded_at),
    lines AS (INSERT INTO refund_lines (tenant_id, refund_id, line_no, quantity, amount)
      SELECT ${refund.tenantId}, ${refund.refundId}::uuid, x.line_no, x.quantity, x.amount
      FROM r, unnest(${l.map((x) => x.lineNo)}::smallint[], ${l.map((x) => x.quantity)}::integer[], ${l.map((x) => x.amount)}::numeric[]) AS x(line_no, quantity, amount)),
    moved AS (${movementsSql(refund.tenantId, refund.marketId, 'refund', movements, refund.terminalId, refund.actor, { redemptionId: refund.redemptionId, refundId: refund.refundId }, refund.entryId)})
    SELECT r.receipt_no::text, r.recorded_at, p.points FROM r, points p`.execute(trx);
  const row = rows[0];
  if (!row) throw new DomainError('market_not_found', { marketId: refund.marketId });
  return { receiptNo: row.receipt_no, recordedAt: new Date(row.recorded_at).toISOString(), points: row.points };
}
