import crypto from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { Kysely, Transaction } from 'kysely';
import type { Caller } from '../auth/caller.js';
import type { DB } from '../db/schema.js';
import type { WriteOutcome, WriteResult } from '../idempotency/keys.js';
import { GO_ALONE, GroupedWrites, idempotentWriteMany } from '../idempotency/groups.js';
import { formatAmount, marketAccount, memberPointsAccount, postMany } from '../ledger/index.js';
import { membersForCounter } from '../members/members.js';
import { DomainError } from '../problems.js';
import { catalogFor, perItem, type PricedBasket, priceFrom, stockForLines } from './lines.js';
import { movementsOf, type Receipt, writeSales } from './receipts.js';
import { redeem, type SaleRequest } from './sales.js';
import { marketOf, terminalOf } from './scope.js';

// Sales of one market that arrive together share a transaction, as single posts of service
// records do (hours/intake.ts): every sale of a market passes its receipt counter and often the
// same items, so sales one by one queue on those rows, each holding them through its own commit.
// A group takes them once, in the order every counter write takes its locks (the items by id,
// then the ledger's accounts in the ledger's order, then the market row), so it waits on no other
// writer in a cycle, and commits once for all. An offline upload's sales (offline.ts) are written
// the same way, a group at a time in the order sent, each dated by the terminal's clock.
//
// The group writes only sales that need no count of earlier sales: a sale with an item under a
// per-member limit or a service capacity goes alone, through `redeem` as an ungrouped sale would,
// and so does one that the points and stock last committed show will not fit (so that a refused
// sale does not fail the group). A sale refused before anything is written (an unknown card or
// sku, an inactive member or item) is answered from the group. When a write still fails (another
// transaction took the points or stock meanwhile: a statement that fails aborts the whole
// transaction), every sale of the group goes alone, so every refusal is the one a sale alone gets.

export interface SaleSubmission {
  caller: Caller;
  request: SaleRequest;
  /** The Idempotency-Key and the request's hash (http/write.ts): as for a sale alone. */
  key: string;
  hash: string;
  /** An offline sale's time by the terminal's clock (offline.ts); a sale at the counter is dated when written. */
  occurredAt?: Date;
  /** An offline sale's check of that time: throws its refusal, when written (alone or in a group). */
  check?: () => void;
}

/** The most sales one transaction takes. */
export const MAX_GROUP = 32;
/**
 * Up to `concurrency` groups of a market are written at once (GroupedWrites); a sale that arrives
 * while they all are waits, and the sales that waited go together as the next group. An idle
 * counter's sale is written at once, alone in its group.
 */
export class SaleIntake {
  private readonly groups: GroupedWrites<SaleSubmission>;

  constructor(db: Kysely<DB>, concurrency: number, lockWaitMs: number) {
    this.groups = new GroupedWrites(concurrency, MAX_GROUP, (sales) => sellTogether(db, sales, 'counter', lockWaitMs));
  }

  async sell(sale: SaleSubmission): Promise<WriteResult & { body: Receipt }> {
    const marketId = marketOf(sale.caller, sale.request.marketId);
    return (await this.groups.submit(`${sale.caller.tenantId}\u0000${marketId}`, sale)) as WriteResult & { body: Receipt };
  }
}

/**
 * Sales of one market (at most MAX_GROUP) in one shared transaction (idempotentWriteMany), each
 * answered as it would be alone; those that go alone do so after it. At the counter they arrived
 * together, in no order between them, and go alone at once. An offline upload's were made in the
 * order sent: those that go alone do so one after another in that order, and a sale after one
 * that goes alone for its limit or capacity goes alone too, after it (it must not take the
 * member's points or the stock before a sale made before it). The group waits at most `lockWaitMs`
 * (GROUP_LOCK_WAIT_MS) for a lock before each of its sales goes alone.
 */
export function sellTogether(db: Kysely<DB>, sales: SaleSubmission[], made: 'counter' | 'upload', lockWaitMs: number) {
  return idempotentWriteMany(
    db,
    sales[0]!.caller.tenantId,
    sales.map((s) => ({ key: s.key, hash: s.hash })),
    (trx, claimed) => sellGroup(trx, claimed.map((i) => sales[i]!), made === 'upload'),
    (i) => async (trx) => {
      const { caller, request, occurredAt, check } = sales[i]!;
      check?.();
      return { statusCode: 201, body: await redeem(trx, caller, request, occurredAt) };
    },
    { lockTimeoutMs: lockWaitMs, othersAtOnce: made === 'counter' },
  );
}

/**
 * The sales of one market, in the order given: their receipts, refusals, or GO_ALONE. `ordered`:
 * every sale after one that goes alone for its limit or capacity goes alone too.
 */
async function sellGroup(trx: Transaction<DB>, sales: SaleSubmission[], ordered: boolean): Promise<(WriteOutcome | DomainError | typeof GO_ALONE)[]> {
  const { tenantId } = sales[0]!.caller;
  const marketId = marketOf(sales[0]!.caller, sales[0]!.request.marketId);
  const outcomes: (WriteOutcome | DomainError | typeof GO_ALONE)[] = new Array(sales.length);
  const members = await membersForCounter(trx, tenantId, sales.map((s) => ({ cardNo: s.request.cardNo ?? null, memberId: s.request.memberId ?? null })));
  const catalog = await catalogFor(trx, tenantId, marketId, sales.flatMap((s) => s.request.lines.map((l) => l.sku)));
  const writing: { i: number; memberId: string; cardNo: string | null; basket: PricedBasket }[] = [];
  // What the members and the items had as last committed, less what the sales before took: a sale
  // that would not fit goes alone (to its refusal, or to a sale if another write gave back in the
  // meantime), so that one refusal does not send a whole group alone. The writes still check.
  const points = new Map<string, Decimal>();
  const stock = new Map([...catalog.values()].filter((r) => r.kind === 'goods').map((r) => [r.item_id!, Number(r.stock) - Number(r.reserved)]));
  let counted = false;
  sales.forEach((s, i) => {
    if (counted) return void (outcomes[i] = GO_ALONE);
    const member = members[i]!;
    let basket: PricedBasket;
    try {
      s.check?.();
      if (member instanceof DomainError) return void (outcomes[i] = member);
      basket = priceFrom(catalog, s.request.lines);
    } catch (err) {
      if (err instanceof DomainError) return void (outcomes[i] = err);
      throw err;
    }
    if (basket.items.some((item) => item.limitQuantity !== null || item.capacity !== null)) {
      counted = ordered;
      return void (outcomes[i] = GO_ALONE);
    }
    const left = (points.get(member.memberId) ?? new Decimal(member.available)).minus(basket.total);
    const taken = perItem(basket.lines.filter((l) => stock.has(l.itemId)));
    const short = taken.itemIds.some((itemId, k) => stock.get(itemId)! < taken.quantities[k]!);
    if (left.isNegative() || short) return void (outcomes[i] = GO_ALONE);
    points.set(member.memberId, left);
    taken.itemIds.forEach((itemId, k) => stock.set(itemId, stock.get(itemId)! - taken.quantities[k]!));
    writing.push({ i, memberId: member.memberId, cardNo: member.cardNo, basket });
  });
  if (writing.length === 0) return outcomes;
  // The stock of every line of the group, under the items' locks, at once; what each sale left
  // follows from the end, the sales taking it in the order given.
  const after = await stockForLines(trx, tenantId, 'sell', writing.flatMap((w) => w.basket.lines));
  const left = new Map(after);
  const afterEach = writing.map(() => new Map<string, number>());
  for (let k = writing.length - 1; k >= 0; k--) {
    for (const [itemId, stock] of left) afterEach[k]!.set(itemId, stock);
    for (const l of writing[k]!.basket.lines) if (left.has(l.itemId)) left.set(l.itemId, left.get(l.itemId)! + l.quantity);
  }
  const now = new Date();
  const occurredAt = writing.map((w) => sales[w.i]!.occurredAt ?? now);
  const ids = writing.map(() => crypto.randomUUID());
  const entries = await postMany(
    trx,
    writing.map((w, k) => ({
      tenantId,
      kind: 'redemption' as const,
      occurredAt: occurredAt[k]!,
      postings: [
        { accountId: memberPointsAccount(w.memberId), unit: 'POINTS' as const, amount: w.basket.total.negated() },
        { accountId: marketAccount(marketId), unit: 'POINTS' as const, amount: w.basket.total },
      ],
      objectType: 'redemption',
      objectId: ids[k]!,
      createdBy: sales[w.i]!.caller.keyId,
    })),
  );
  const receipts = await writeSales(
    trx,
    writing.map((w, k) => {
      const { caller } = sales[w.i]!;
      const sale = {
        tenantId,
        marketId,
        terminalId: terminalOf(caller),
        memberId: w.memberId,
        cardNo: w.cardNo,
        redemptionId: ids[k]!,
        basketId: null,
        lines: w.basket.lines,
        total: formatAmount(w.basket.total),
        entryId: entries[k]!.id,
        recordedAt: entries[k]!.recordedAt,
        // The member's posting comes first: its running balance is what this sale left.
        balanceAfter: entries[k]!.postings[0]!.balanceAfter!,
        occurredAt: occurredAt[k]!,
        actor: caller.keyId,
      };
      return { key: sales[w.i]!.key, sale, movements: movementsOf(w.basket.lines, afterEach[k]!, -1) };
    }),
  );
  writing.forEach((w, k) => (outcomes[w.i] = { statusCode: 201, body: receipts[k]! }));
  return outcomes;
}
