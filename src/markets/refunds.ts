import crypto from 'node:crypto';
import { Decimal } from 'decimal.js';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Caller } from '../auth/caller.js';
import type { DB } from '../db/schema.js';
import type { ItemKind } from '../db/marketTables.js';
import { formatAmount, marketAccount, memberPointsAccount, post } from '../ledger/index.js';
import { DomainError } from '../problems.js';
import { stockForLines } from './lines.js';
import { movementsOf, type Receipt, writeRefund } from './receipts.js';
import { requireMarketScope, terminalOf } from './scope.js';

// Refunds (退货): part or all of a sale, by line and quantity, each on its own receipt. The
// points go back to the member from the market's account (a `refund` entry), goods go back into
// stock. A line is never refunded more than it sold: the line's `refunded` is raised by a guarded
// UPDATE under the line's lock, so two terminals refunding the same line at once cannot both win.

export interface RefundRequest {
  lines: { line: number; quantity: number }[];
  reason: string;
}

type SaleRow = {
  market_id: string;
  member_id: string;
  card_no: string | null;
  entry_id: string;
  name: string;
  line_no: number;
  item_id: string;
  sku: string;
  kind: ItemKind;
  quantity: number;
  price: string;
  refunded: number;
};

async function saleLines(db: Kysely<DB> | Transaction<DB>, tenantId: string, redemptionId: string): Promise<SaleRow[]> {
  return db
    .selectFrom('redemptions as r')
    .innerJoin('redemption_lines as l', (j) => j.onRef('l.tenant_id', '=', 'r.tenant_id').onRef('l.redemption_id', '=', 'r.redemption_id'))
    .select(['r.market_id', 'r.member_id', 'r.card_no', 'r.entry_id', 'l.name', 'l.line_no', 'l.item_id', 'l.sku', 'l.kind', 'l.quantity', 'l.price', 'l.refunded'])
    .where('r.tenant_id', '=', tenantId)
    .where('r.redemption_id', '=', redemptionId)
    .orderBy('l.line_no')
    .execute();
}

export async function refundSale(trx: Transaction<DB>, caller: Caller, redemptionId: string, request: RefundRequest): Promise<Receipt> {
  const sold = await saleLines(trx, caller.tenantId, redemptionId);
  if (sold.length === 0) throw new DomainError('redemption_not_found', { redemptionId });
  const { market_id: marketId, member_id: memberId } = sold[0]!;
  requireMarketScope(caller, marketId);

  // One entry per line, however the request spelled it.
  const wanted = new Map<number, number>();
  for (const l of request.lines) wanted.set(l.line, (wanted.get(l.line) ?? 0) + l.quantity);
  const lines = [...wanted].sort(([a], [b]) => a - b).map(([lineNo, quantity]) => {
    const line = sold.find((s) => s.line_no === lineNo);
    if (!line) throw new DomainError('unknown_line', { line: lineNo });
    if (line.refunded + quantity > line.quantity) throw new DomainError('refund_exceeded', { line: lineNo, refundable: line.quantity - line.refunded, requested: quantity });
    return { lineNo, itemId: line.item_id, sku: line.sku, kind: line.kind, quantity, price: line.price, amount: formatAmount(new Decimal(line.price).times(quantity)) };
  });
  const total = lines.reduce((sum, l) => sum.plus(l.amount), new Decimal(0));
  const refundId = crypto.randomUUID();

  // The guard, under the lines' locks (taken in line order): the check above read without them.
  const { rows: raised } = await sql<{ line_no: number }>`
    UPDATE redemption_lines l SET refunded = l.refunded + w.q
    FROM (SELECT x.line_no, x.q FROM redemption_lines rl JOIN unnest(${lines.map((l) => l.lineNo)}::smallint[], ${lines.map((l) => l.quantity)}::integer[]) AS x(line_no, q)
            ON rl.line_no = x.line_no
          WHERE rl.tenant_id = ${caller.tenantId} AND rl.redemption_id = ${redemptionId}::uuid ORDER BY rl.line_no FOR NO KEY UPDATE OF rl) w
    WHERE l.tenant_id = ${caller.tenantId} AND l.redemption_id = ${redemptionId}::uuid AND l.line_no = w.line_no AND l.refunded + w.q <= l.quantity
    RETURNING l.line_no`.execute(trx);
  if (raised.length < lines.length) {
    const now = await saleLines(trx, caller.tenantId, redemptionId);
    const short = lines.find((l) => !raised.some((r) => r.line_no === l.lineNo))!;
    const line = now.find((s) => s.line_no === short.lineNo)!;
    throw new DomainError('refund_exceeded', { line: short.lineNo, refundable: line.quantity - line.refunded, requested: short.quantity });
  }

  const goods = lines.filter((l) => l.kind === 'goods');
  const after = goods.length > 0 ? await stockForLines(trx, caller.tenantId, 'restock', goods) : new Map<string, number>();
  const entry = await post(trx, {
    tenantId: caller.tenantId,
    kind: 'refund',
    postings: [
      { accountId: memberPointsAccount(memberId), unit: 'POINTS', amount: total },
      { accountId: marketAccount(marketId), unit: 'POINTS', amount: total.negated() },
    ],
    reason: request.reason,
    objectType: 'refund',
    objectId: refundId,
    createdBy: caller.keyId,
    metadata: { redemptionId },
    // The points go back into the lots the sale took them from, with those lots' own expiry.
    returnsEntryId: sold[0]!.entry_id,
  });

  const terminalId = terminalOf(caller);
  const written = await writeRefund(
    trx,
    {
      tenantId: caller.tenantId,
      marketId,
      terminalId,
      refundId,
      redemptionId,
      lines,
      total: formatAmount(total),
      entryId: entry.id,
      reason: request.reason,
      actor: caller.keyId,
      memberId,
    },
    movementsOf(goods, after, 1),
  );
  return {
    kind: 'refund',
    receiptNo: written.receiptNo,
    marketId,
    terminalId,
    memberId,
    cardNo: sold[0]!.card_no,
    redemptionId,
    refundId,
    basketId: null,
    lines: lines.map((l) => ({ lineNo: l.lineNo, sku: l.sku, name: sold.find((s) => s.line_no === l.lineNo)!.name, kind: l.kind, quantity: l.quantity, price: formatAmount(l.price), amount: l.amount, refunded: 0 })),
    total: formatAmount(total),
    entryId: entry.id,
    reason: request.reason,
    occurredAt: written.recordedAt,
    recordedAt: written.recordedAt,
    points: written.points,
  };
}
