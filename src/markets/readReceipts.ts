import { type Kysely, sql } from 'kysely';
import type { Caller } from '../auth/caller.js';
import type { DB } from '../db/schema.js';
import { formatAmount } from '../ledger/index.js';
import { DomainError } from '../problems.js';
import { pointsOf, type Receipt } from './receipts.js';
import { getMarket } from './markets.js';
import { requireMarketScope } from './scope.js';

// Receipts read back: a sale with its refunds (a reprint shows what the counter printed, the
// points after included), and a market's receipts in number order.

type ReceiptRow = {
  kind: 'sale' | 'refund';
  receipt_no: string;
  market_id: string;
  terminal_id: string | null;
  member_id: string;
  card_no: string | null;
  redemption_id: string;
  refund_id: string | null;
  basket_id: string | null;
  total: string;
  entry_id: string;
  reason: string | null;
  occurred_at: Date | string;
  recorded_at: Date | string;
  balance_after: string;
  available_after: string;
  lines: { lineNo: number; sku: string; name: string; kind: 'goods' | 'service'; quantity: number; price: string; amount: string; refunded: number }[];
};

// One shape for both kinds: a refund's lines are the sale's lines it gave back, with its amounts.
const RECEIPTS = sql`(
  SELECT 'sale'::text AS kind, r.receipt_no, r.market_id, r.terminal_id, r.member_id, r.card_no, r.redemption_id, NULL::uuid AS refund_id, r.basket_id,
    r.total, r.entry_id, NULL::text AS reason, r.occurred_at, r.recorded_at, r.balance_after, r.available_after, r.tenant_id,
    (SELECT json_agg(json_build_object('lineNo', l.line_no, 'sku', l.sku, 'name', l.name, 'kind', l.kind, 'quantity', l.quantity,
        'price', l.price::text, 'amount', l.amount::text, 'refunded', l.refunded) ORDER BY l.line_no)
     FROM redemption_lines l WHERE l.tenant_id = r.tenant_id AND l.redemption_id = r.redemption_id) AS lines
  FROM redemptions r
  UNION ALL
  SELECT 'refund', f.receipt_no, f.market_id, f.terminal_id, s.member_id, s.card_no, f.redemption_id, f.refund_id, NULL,
    f.total, f.entry_id, f.reason, f.recorded_at, f.recorded_at, f.balance_after, f.available_after, f.tenant_id,
    (SELECT json_agg(json_build_object('lineNo', fl.line_no, 'sku', l.sku, 'name', l.name, 'kind', l.kind, 'quantity', fl.quantity,
        'price', l.price::text, 'amount', fl.amount::text, 'refunded', 0) ORDER BY fl.line_no)
     FROM refund_lines fl JOIN redemption_lines l ON l.tenant_id = fl.tenant_id AND l.redemption_id = f.redemption_id AND l.line_no = fl.line_no
     WHERE fl.tenant_id = f.tenant_id AND fl.refund_id = f.refund_id)
  FROM refunds f JOIN redemptions s ON s.tenant_id = f.tenant_id AND s.redemption_id = f.redemption_id
) rc`;

function toReceipt(row: ReceiptRow): Receipt {
  return {
    kind: row.kind,
    receiptNo: String(row.receipt_no),
    marketId: row.market_id,
    terminalId: row.terminal_id,
    memberId: row.member_id,
    cardNo: row.card_no,
    redemptionId: row.redemption_id,
    refundId: row.refund_id,
    basketId: row.basket_id,
    lines: (row.lines ?? []).map((l) => ({ ...l, price: formatAmount(l.price), amount: formatAmount(l.amount) })),
    total: formatAmount(row.total),
    entryId: row.entry_id,
    reason: row.reason,
    occurredAt: new Date(row.occurred_at).toISOString(),
    recordedAt: new Date(row.recorded_at).toISOString(),
    points: pointsOf(formatAmount(row.balance_after), formatAmount(row.available_after)),
  };
}

/** A sale with its refund receipts; a key of another market is refused. */
export async function getRedemption(db: Kysely<DB>, caller: Caller, redemptionId: string): Promise<Receipt & { refunds: Receipt[] }> {
  const { rows } = await sql<ReceiptRow>`SELECT rc.* FROM ${RECEIPTS}
    WHERE rc.tenant_id = ${caller.tenantId} AND rc.redemption_id = ${redemptionId}::uuid ORDER BY rc.receipt_no`.execute(db);
  const sale = rows.find((r) => r.kind === 'sale');
  if (!sale) throw new DomainError('redemption_not_found', { redemptionId });
  requireMarketScope(caller, sale.market_id);
  return { ...toReceipt(sale), refunds: rows.filter((r) => r.kind === 'refund').map(toReceipt) };
}

/** A market's receipts from a number on, in number order (sales and refunds in one series). */
export async function listReceipts(db: Kysely<DB>, caller: Caller, marketId: string, opts: { after: string | null; limit: number }): Promise<{ items: Receipt[]; next: string | null }> {
  await getMarket(db, caller, marketId);
  const { rows } = await sql<ReceiptRow>`SELECT rc.* FROM ${RECEIPTS}
    WHERE rc.tenant_id = ${caller.tenantId} AND rc.market_id = ${marketId} AND rc.receipt_no > ${opts.after ?? '0'}::bigint
    ORDER BY rc.receipt_no LIMIT ${opts.limit + 1}`.execute(db);
  const items = rows.slice(0, opts.limit).map(toReceipt);
  return { items, next: rows.length > opts.limit ? items[items.length - 1]!.receiptNo : null };
}
