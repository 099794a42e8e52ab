import crypto from 'node:crypto';
import { Decimal } from 'decimal.js';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Caller } from '../auth/caller.js';
import type { DB } from '../db/schema.js';
import type { BasketStatus, ItemKind } from '../db/marketTables.js';
import { inTransaction } from '../db/transaction.js';
import { balanceColumnSql, captureHold, createHold, expireHolds, formatAmount, getHold, marketAccount, memberPointsAccount, voidHold } from '../ledger/index.js';
import { DomainError } from '../problems.js';
import { stockForLines, checkLimits, type LineRequest, type PricedLine, priceLines } from './lines.js';
import { movementsOf, pointsOf, type Receipt, writeSale } from './receipts.js';
import { counterParties } from './sales.js';
import { requireMarketScope } from './scope.js';

// Baskets on hold (预扣): a basket's points, stock and limits reserved at once, until it is
// captured (all or part, into a sale with a receipt), voided, or expires. The points are a ledger
// hold on the member's points account, so the ledger's rules apply (one resolution, no capture
// after the expiry time); the stock is the items' `reserved`; open, unexpired baskets count
// against limits and capacity. Lock order: the basket row, then as a sale (items, ledger, market).

export interface Basket {
  id: string;
  status: BasketStatus;
  marketId: string;
  terminalId: string | null;
  memberId: string;
  cardNo: string | null;
  holdId: string;
  lines: Omit<PricedLine, 'itemId'>[];
  total: string;
  expiresAt: string;
  createdAt: string;
  resolvedAt: string | null;
  redemptionId: string | null;
  points: { balance: string; held: string; available: string };
}

export interface BasketRequest {
  marketId?: string | undefined;
  cardNo?: string | undefined;
  memberId?: string | undefined;
  lines: LineRequest[];
  expiresInSeconds: number;
}

export async function placeBasket(trx: Transaction<DB>, caller: Caller, request: BasketRequest): Promise<Basket> {
  const { marketId, terminalId, memberId, cardNo } = await counterParties(trx, caller, request);
  const priced = await priceLines(trx, caller.tenantId, marketId, request.lines);
  const basketId = crypto.randomUUID();
  const account = memberPointsAccount(memberId);
  await stockForLines(trx, caller.tenantId, 'reserve', priced.lines);
  const hold = await createHold(trx, {
    tenantId: caller.tenantId,
    accountId: account,
    unit: 'POINTS',
    amount: priced.total,
    ttlSeconds: request.expiresInSeconds,
    reference: `basket:${basketId}`,
    reason: 'basket',
    actor: caller.keyId,
  });
  const occurredAt = new Date(hold.createdAt);
  await checkLimits(trx, { tenantId: caller.tenantId, memberId, items: priced.items, lines: priced.lines, occurredAt });
  const l = priced.lines;
  // Borrows the member's balance row through the ledger facade for the points on the answer.
  const { rows } = await sql<{ balance: string; available: string }>`
    WITH b AS (INSERT INTO baskets (tenant_id, basket_id, market_id, terminal_id, member_id, card_no, hold_id, total, expires_at, occurred_at, created_at, balance_after, available_after, actor)
      SELECT ${caller.tenantId}, ${basketId}::uuid, ${marketId}, ${terminalId}, ${memberId}::uuid, ${cardNo}, ${hold.id}::uuid, ${formatAmount(priced.total)}::numeric,
        ${hold.expiresAt}::timestamptz, ${hold.createdAt}::timestamptz, ${hold.createdAt}::timestamptz, p.balance, p.available, ${caller.keyId}
      FROM (SELECT ${balanceColumnSql(caller.tenantId, account, 'balance')} AS balance, ${balanceColumnSql(caller.tenantId, account, 'available')} AS available) p
      RETURNING balance_after, available_after),
    lines AS (INSERT INTO basket_lines (tenant_id, basket_id, line_no, item_id, sku, name, kind, quantity, price, amount)
      SELECT ${caller.tenantId}, ${basketId}::uuid, x.* FROM b, unnest(${l.map((x) => x.lineNo)}::smallint[], ${l.map((x) => x.itemId)}::uuid[], ${l.map((x) => x.sku)}::text[],
        ${l.map((x) => x.name)}::text[], ${l.map((x) => x.kind)}::text[], ${l.map((x) => x.quantity)}::integer[], ${l.map((x) => x.price)}::numeric[], ${l.map((x) => x.amount)}::numeric[])
        AS x(line_no, item_id, sku, name, kind, quantity, price, amount))
    SELECT balance_after::text AS balance, available_after::text AS available FROM b`.execute(trx);
  return {
    id: basketId,
    status: 'open',
    marketId,
    terminalId,
    memberId,
    cardNo,
    holdId: hold.id,
    lines: l.map(({ itemId: _, ...line }) => line),
    total: formatAmount(priced.total),
    expiresAt: hold.expiresAt,
    createdAt: hold.createdAt,
    resolvedAt: null,
    redemptionId: null,
    points: pointsOf(rows[0]!.balance, rows[0]!.available),
  };
}

type BasketRow = {
  basket_id: string; status: BasketStatus; market_id: string; terminal_id: string | null; member_id: string; card_no: string | null; hold_id: string;
  total: string; expires_at: Date | string; occurred_at: Date | string; created_at: Date | string; resolved_at: Date | string | null; redemption_id: string | null;
  balance_after: string; available_after: string; past_expiry: boolean;
  lines: { lineNo: number; itemId: string; sku: string; name: string; kind: ItemKind; quantity: number; price: string; amount: string }[];
};

async function readBasket(db: Kysely<DB> | Transaction<DB>, tenantId: string, basketId: string, lock: boolean): Promise<BasketRow | null> {
  const { rows } = await sql<BasketRow>`SELECT b.*, b.expires_at <= clock_timestamp() AS past_expiry,
      (SELECT json_agg(json_build_object('lineNo', l.line_no, 'itemId', l.item_id, 'sku', l.sku, 'name', l.name, 'kind', l.kind, 'quantity', l.quantity,
         'price', l.price::text, 'amount', l.amount::text) ORDER BY l.line_no) FROM basket_lines l WHERE l.tenant_id = b.tenant_id AND l.basket_id = b.basket_id) AS lines
    FROM baskets b WHERE b.tenant_id = ${tenantId} AND b.basket_id = ${basketId}::uuid ${lock ? sql`FOR NO KEY UPDATE OF b` : sql``}`.execute(db);
  return rows[0] ?? null;
}

function toBasket(row: BasketRow): Basket {
  return {
    id: row.basket_id, status: row.status, marketId: row.market_id, terminalId: row.terminal_id, memberId: row.member_id, cardNo: row.card_no, holdId: row.hold_id,
    lines: row.lines.map(({ itemId: _, ...l }) => ({ ...l, price: formatAmount(l.price), amount: formatAmount(l.amount) })),
    total: formatAmount(row.total),
    expiresAt: new Date(row.expires_at).toISOString(),
    createdAt: new Date(row.created_at).toISOString(),
    resolvedAt: row.resolved_at ? new Date(row.resolved_at).toISOString() : null,
    redemptionId: row.redemption_id,
    points: pointsOf(formatAmount(row.balance_after), formatAmount(row.available_after)),
  };
}

export async function getBasket(db: Kysely<DB>, caller: Caller, basketId: string): Promise<Basket> {
  const row = await readBasket(db, caller.tenantId, basketId, false);
  if (!row) throw new DomainError('basket_not_found', { basketId });
  requireMarketScope(caller, row.market_id);
  return toBasket(row);
}

/** The basket locked for its one resolution: the ledger's codes for one already resolved or past its time. */
async function openBasket(trx: Transaction<DB>, caller: Caller, basketId: string): Promise<BasketRow> {
  const row = await readBasket(trx, caller.tenantId, basketId, true);
  if (!row) throw new DomainError('basket_not_found', { basketId });
  requireMarketScope(caller, row.market_id);
  const holdId = row.hold_id;
  if (row.status === 'captured') throw new DomainError('hold_already_captured', { holdId });
  if (row.status === 'voided') throw new DomainError('hold_already_voided', { holdId });
  if (row.status === 'expired' || row.past_expiry) throw new DomainError('hold_expired', { holdId, expiresAt: new Date(row.expires_at).toISOString() });
  return row;
}

/**
 * The basket's one resolution. Every caller holds the basket's row lock and saw it open (openBasket,
 * the sweep's locking SELECT), so the UPDATE names the key alone: with `status = 'open'` beside it
 * a generic plan could take a partial index of open baskets with only the tenant as its condition
 * and read every open basket of the tenant (test/hold-plans.test.ts). The basket's hold resolves
 * once in the ledger, in the same transaction or before it.
 */
async function resolve(trx: Transaction<DB>, tenantId: string, basketId: string, status: BasketStatus, redemptionId: string | null): Promise<void> {
  const { numAffectedRows } = await sql`UPDATE baskets SET status = ${status}, resolved_at = clock_timestamp(), redemption_id = ${redemptionId}::uuid
    WHERE tenant_id = ${tenantId} AND basket_id = ${basketId}::uuid`.execute(trx);
  if (Number(numAffectedRows ?? 0) !== 1) throw new Error(`basket ${basketId}: resolved ${numAffectedRows ?? 0} rows, not one`);
}

/** Captures a basket, whole or some of its lines and quantities, into a sale with its receipt. */
export async function captureBasket(trx: Transaction<DB>, caller: Caller, basketId: string, take?: { line: number; quantity: number }[]): Promise<Receipt> {
  const row = await openBasket(trx, caller, basketId);
  const wanted = new Map<number, number>(take ? take.map((t) => [t.line, 0]) : row.lines.map((l) => [l.lineNo, l.quantity]));
  for (const t of take ?? []) wanted.set(t.line, wanted.get(t.line)! + t.quantity);
  const lines: PricedLine[] = [];
  for (const [lineNo, quantity] of [...wanted].sort(([a], [b]) => a - b)) {
    const held = row.lines.find((l) => l.lineNo === lineNo);
    if (!held) throw new DomainError('unknown_line', { line: lineNo });
    if (quantity > held.quantity) throw new DomainError('capture_exceeds_basket', { sku: held.sku, held: held.quantity, requested: quantity });
    if (quantity > 0) lines.push({ ...held, quantity, price: formatAmount(held.price), amount: formatAmount(new Decimal(held.price).times(quantity)) });
  }
  if (lines.length === 0) throw new DomainError('validation_failed', { errors: [{ path: 'lines', message: 'capture at least one item, or void the basket' }] });
  const total = lines.reduce((sum, l) => sum.plus(l.amount), new Decimal(0));
  const redemptionId = crypto.randomUUID();
  const after = await stockForLines(trx, caller.tenantId, 'capture', lines, row.lines);
  const { entry } = await captureHold(trx, caller.tenantId, row.hold_id, {
    amount: total,
    credits: [{ accountId: marketAccount(row.market_id) }],
    reason: `basket:${basketId}`,
    actor: caller.keyId,
  });
  const receipt = await writeSale(
    trx,
    {
      tenantId: caller.tenantId,
      marketId: row.market_id,
      terminalId: row.terminal_id,
      memberId: row.member_id,
      cardNo: row.card_no,
      redemptionId,
      basketId,
      lines,
      total: formatAmount(total),
      entryId: entry.id,
      recordedAt: entry.recordedAt,
      occurredAt: new Date(row.occurred_at),
      actor: caller.keyId,
    },
    movementsOf(lines, after, -1),
  );
  await resolve(trx, caller.tenantId, basketId, 'captured', redemptionId);
  return receipt;
}

/** Voids a basket: its points, stock and limits are free again at once. */
export async function voidBasket(trx: Transaction<DB>, caller: Caller, basketId: string, reason: string | null): Promise<Basket> {
  const row = await openBasket(trx, caller, basketId);
  await stockForLines(trx, caller.tenantId, 'release', row.lines);
  await voidHold(trx, caller.tenantId, row.hold_id, { reason, actor: caller.keyId });
  await resolve(trx, caller.tenantId, basketId, 'voided', null);
  return toBasket((await readBasket(trx, caller.tenantId, basketId, false))!);
}

/**
 * The hold sweep: the ledger's holds past their expiry (expireHolds), then the stock of baskets
 * whose time is up (of one tenant, or all), once the ledger has expired their holds. Each basket in its own transaction,
 * locked with SKIP LOCKED, so two service processes never release one twice; a basket whose hold
 * is still open (its time came after the ledger's sweep) waits for the next run.
 */
export async function expireBaskets(db: Kysely<DB>, opts: { tenantId?: string | null; actor?: string } = {}): Promise<{ holds: number; baskets: number }> {
  const holds = await expireHolds(db, { tenantId: opts.tenantId ?? null, actor: opts.actor ?? 'sweeper' });
  let released = 0;
  for (;;) {
    const done = await inTransaction(db, async (trx) => {
      const { rows } = await sql<{ tenant_id: string; basket_id: string; hold_id: string }>`SELECT tenant_id, basket_id, hold_id FROM baskets
        WHERE status = 'open' AND expires_at <= clock_timestamp() AND (${opts.tenantId ?? null}::text IS NULL OR tenant_id = ${opts.tenantId ?? null})
        ORDER BY expires_at LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED`.execute(trx);
      const basket = rows[0];
      if (!basket) return null;
      const hold = await getHold(trx, basket.tenant_id, basket.hold_id);
      if (hold?.status === 'open') return 'later';
      const row = (await readBasket(trx, basket.tenant_id, basket.basket_id, false))!;
      await stockForLines(trx, basket.tenant_id, 'release', row.lines);
      await resolve(trx, basket.tenant_id, basket.basket_id, 'expired', null);
      return 'released';
    });
    if (done !== 'released') return { holds, baskets: released };
    released++;
  }
}
