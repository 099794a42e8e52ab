import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Caller } from '../auth/caller.js';
import type { DB } from '../db/schema.js';
import { formatAmount, marketAccount, memberPointsAccount, post } from '../ledger/index.js';
import { memberForCounter } from '../members/members.js';
import { stockForLines, checkLimits, type LineRequest, priceLines } from './lines.js';
import { movementsOf, type Receipt, writeSale } from './receipts.js';
import { marketOf, terminalOf } from './scope.js';

// A sale (兑换) at a market's counter, in one transaction of the caller's (an Idempotency-Key
// makes a retry answer the first result): the member found by card or id, the lines priced, the
// items' stock taken under their locks, the member's points debited and the market's account
// credited (the ledger write, which locks the member's points row: two sales of one member are
// checked one after the other), the limits counted, and the receipt written with its number last.
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
  const total = formatAmount(basket.total);
  const memberAccount = memberPointsAccount(memberId);
  const after = await stockForLines(trx, caller.tenantId, 'sell', basket.lines);
  const entry = await post(trx, {
    tenantId: caller.tenantId,
    kind: 'redemption',
    occurredAt,
    postings: [
      { accountId: memberAccount, unit: 'POINTS', amount: basket.total.negated() },
      { accountId: marketAccount(marketId), unit: 'POINTS', amount: basket.total },
    ],
    objectType: 'redemption',
    objectId: redemptionId,
    createdBy: caller.keyId,
  });
  await checkLimits(trx, { tenantId: caller.tenantId, memberId, items: basket.items, lines: basket.lines, occurredAt });
  return writeSale(
    trx,
    {
      tenantId: caller.tenantId,
      marketId,
      terminalId,
      memberId,
      cardNo,
      redemptionId,
      basketId: null,
      lines: basket.lines,
      total,
      entryId: entry.id,
      recordedAt: entry.recordedAt,
      occurredAt,
      actor: caller.keyId,
    },
    movementsOf(basket.lines, after, -1),
  );
}
