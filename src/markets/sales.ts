import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Caller } from '../auth/caller.js';
import type { DB } from '../db/schema.js';
import { formatAmount, marketAccount, memberPointsAccount, post } from '../ledger/index.js';
import { memberForCounter } from '../members/members.js';
import { stockForLines, checkLimits, type LineRequest, priceLines } from './lines.js';
import { type Receipt, writeSale } from './receipts.js';
import { marketOf, terminalOf } from './scope.js';

// A sale (兑换) at a market's counter, in one transaction of the caller's (an Idempotency-Key
// makes a retry answer the first result): the member found by card or id, the lines priced, the
// member's points debited and the market's account credited (the ledger write, which locks the
// member's points row: two sales of one member are checked one after the other), the limits
// counted, and last, in one statement right before the commit, the items' stock taken under their
// locks and the receipt written with its number (receipts.ts). The locks every sale of a market
// queues on (items, the receipt counter) are taken last, so they are held for the least time.
// Any refusal rolls all of it back: nothing is written.

export interface SaleRequest {
  marketId?: string | undefined;
  cardNo?: string | undefined;
  memberId?: string | undefined;
  lines: LineRequest[];
}

/** Whom a sale or a basket is for, and where: what every counter write resolves first. */
export async function counterParties(db: Kysely<DB> | Transaction<DB>, caller: Caller, request: { marketId?: string | undefined; cardNo?: string | undefined; memberId?: string | undefined }) {
  const marketId = marketOf(caller, request.marketId);
  const member = await memberForCounter(db, caller.tenantId, { cardNo: request.cardNo ?? null, memberId: request.memberId ?? null });
  return { marketId, terminalId: terminalOf(caller), ...member };
}

export async function redeem(trx: Transaction<DB>, caller: Caller, request: SaleRequest, occurredAt: Date = new Date()): Promise<Receipt> {
  const { marketId, terminalId, memberId, cardNo } = await counterParties(trx, caller, request);
  const basket = await priceLines(trx, caller.tenantId, marketId, request.lines);
  const redemptionId = crypto.randomUUID();
  const entry = await post(trx, {
    tenantId: caller.tenantId,
    kind: 'redemption',
    occurredAt,
    postings: [
      { accountId: memberPointsAccount(memberId), unit: 'POINTS', amount: basket.total.negated() },
      { accountId: marketAccount(marketId), unit: 'POINTS', amount: basket.total },
    ],
    objectType: 'redemption',
    objectId: redemptionId,
    createdBy: caller.keyId,
  });
  // A service's capacity is counted under its item's lock (services are locked before goods, the
  // order every writer keeps); a member's limits under the member's points row, locked by the post.
  const counted = basket.lines.filter((l) => basket.items.some((i) => i.itemId === l.itemId && i.capacity !== null));
  if (counted.length > 0) await stockForLines(trx, caller.tenantId, 'sell', counted);
  await checkLimits(trx, { tenantId: caller.tenantId, memberId, items: basket.items, lines: basket.lines, occurredAt });
  return writeSale(
    trx,
    { tenantId: caller.tenantId, marketId, terminalId, memberId, cardNo, redemptionId, basketId: null, lines: basket.lines, total: formatAmount(basket.total), entryId: entry.id, recordedAt: entry.recordedAt, occurredAt, actor: caller.keyId },
    { change: 'sell' },
  );
}
