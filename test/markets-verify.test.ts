import { sql } from 'kysely';
import t from 'tap';
import { verifyMarkets } from '../src/markets/verify.js';
import { engines, type Harness, setup, type Tap } from './helpers/harness.js';
import { idem, memberWithPoints, newMarket, newTerminal, stockOf } from './helpers/market.js';

// The love supermarkets' checks of GET /v1/integrity (and `cli verify`): a market that sold,
// refunded, held and captured baskets and restocked verifies; then each invariant in turn is
// broken behind the service's back, as a superuser could (the append-only triggers switched off
// for the change), and the verification names the check and the market, item, line or receipt at
// fault, and nothing else; undone, it verifies again.

type Problem = { check: string; detail: Record<string, string> };

const APPEND_ONLY = new Set(['stock_movements', 'redemptions', 'refunds', 'refund_lines', 'basket_lines']);

/** Runs `change` on `table` with its user triggers off (the append-only ones refuse any UPDATE). */
async function behindTheBack(h: Harness, table: string, change: ReturnType<typeof sql>): Promise<void> {
  const db = h.database.db;
  if (APPEND_ONLY.has(table)) await sql`ALTER TABLE ${sql.table(table)} DISABLE TRIGGER USER`.execute(db);
  try {
    await change.execute(db);
  } finally {
    if (APPEND_ONLY.has(table)) await sql`ALTER TABLE ${sql.table(table)} ENABLE TRIGGER USER`.execute(db);
  }
}

async function integrity(h: Harness): Promise<{ ok: boolean; problems: Problem[] }> {
  const res = await h.request('GET', '/v1/integrity');
  if (res.status !== 200) throw new Error(`integrity: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

for (const engine of engines) {
  t.test(`market verification on ${engine}`, async (t) => {
    const h = await setup(t, engine, { env: { HOLD_SWEEP_MS: '0' } });
    const { marketId, orgUnitId } = await newMarket(h, [
      { sku: 'rice', price: '10.00', stock: 10 },
      { sku: 'oil', price: '5.00', stock: 5 },
      { sku: 'haircut', price: '8.00', kind: 'service' },
    ]);
    const other = await newMarket(h, [{ sku: 'soap', price: '2.00', stock: 3 }]);
    const pos = await newTerminal(h, marketId);
    const m = await memberWithPoints(h, orgUnitId, '200.00');
    const ok = async (key: string, url: string, body: unknown, status: number) => {
      const res = await h.request('POST', url, { key, body, headers: idem() });
      if (res.status !== status) throw new Error(`POST ${url}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    // Receipt 1: a sale; 2: a part refund of it; 3: a basket captured in part; a basket left open.
    const sale = await ok(pos.key, '/v1/redemptions', { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 3 }, { sku: 'oil', quantity: 1 }, { sku: 'haircut', quantity: 1 }] }, 201);
    const refund = await ok(pos.key, `/v1/redemptions/${sale.redemptionId}/refunds`, { lines: [{ line: 1, quantity: 1 }], reason: '破损' }, 201);
    const basket = await ok(pos.key, '/v1/redemption-holds', { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 2 }, { sku: 'haircut', quantity: 1 }] }, 201);
    const captured = await ok(pos.key, `/v1/redemption-holds/${basket.id}/capture`, { lines: [{ line: 1, quantity: 1 }] }, 201);
    await ok(pos.key, '/v1/redemption-holds', { cardNo: m.cardNo, lines: [{ sku: 'oil', quantity: 2 }, { sku: 'haircut', quantity: 1 }] }, 201);
    await ok(h.adminKey, `/v1/markets/${marketId}/items/rice/stock-movements`, { kind: 'restock', quantity: 5, reason: '进货' }, 201);
    await ok(h.adminKey, `/v1/markets/${marketId}/items/oil/stock-movements`, { kind: 'correction', quantity: -1, reason: '盘亏' }, 201);
    const otherPos = await newTerminal(h, other.marketId);
    const m2 = await memberWithPoints(h, other.orgUnitId, '10.00');
    await ok(otherPos.key, '/v1/redemptions', { cardNo: m2.cardNo, lines: [{ sku: 'soap', quantity: 1 }] }, 201);
    t.same([sale.receiptNo, refund.receiptNo, captured.receiptNo], ['1', '2', '3']);

    const clean = await integrity(h);
    t.same(clean.problems, [], 'a market that sold, refunded, held, captured, restocked and corrected verifies');
    t.equal(clean.ok, true);

    /** Breaks one invariant, checks what the verification says, undoes it. */
    const broken = async (t: Tap, what: string, table: string, change: ReturnType<typeof sql>, undo: ReturnType<typeof sql>, want: Problem[]) => {
      await behindTheBack(h, table, change);
      try {
        const found = await integrity(h);
        t.equal(found.ok, false, `${what}: the verification fails`);
        t.match(found.problems, want, `${what}: named`);
        t.equal(found.problems.length, want.length, `${what}: and nothing else`);
        t.ok(found.problems.every((p) => p.detail.tenantId === h.tenantId && p.detail.marketId === marketId), `${what}: the tenant and market`);
      } finally {
        await behindTheBack(h, table, undo);
      }
    };
    const rice = await stockOf(h, marketId, 'rice');
    const where = (sku: string) => sql`tenant_id = ${h.tenantId} AND market_id = ${marketId} AND sku = ${sku}`;
    const saleId = sale.redemptionId as string;

    t.test('(a) stock against its movements, and the movements chained', async (t) => {
      await broken(t, 'stock', 'catalog_items', sql`UPDATE catalog_items SET stock = stock + 1 WHERE ${where('rice')}`, sql`UPDATE catalog_items SET stock = stock - 1 WHERE ${where('rice')}`, [
        { check: 'market_stock_movements', detail: { sku: 'rice', stock: String(rice.stock! + 1), movements: String(rice.stock) } },
      ]);
      const { rows } = await sql<{ no: string; after: number }>`SELECT movement_no::text AS no, stock_after AS after FROM stock_movements
        WHERE tenant_id = ${h.tenantId} AND redemption_id = ${saleId}::uuid AND kind = 'sale' AND quantity = -3`.execute(h.database.db);
      const move = rows[0]!;
      await broken(
        t,
        'chain',
        'stock_movements',
        sql`UPDATE stock_movements SET stock_after = stock_after + 1 WHERE tenant_id = ${h.tenantId} AND movement_no = ${move.no}::bigint`,
        sql`UPDATE stock_movements SET stock_after = stock_after - 1 WHERE tenant_id = ${h.tenantId} AND movement_no = ${move.no}::bigint`,
        [{ check: 'market_stock_chain', detail: { sku: 'rice', movementNo: move.no, kind: 'sale', stockAfter: String(move.after + 1), expected: String(move.after) } }],
      );
      // A movement that was never made: the stock no longer adds up, and the chain breaks there.
      const extra = sql`INSERT INTO stock_movements (tenant_id, market_id, item_id, kind, quantity, stock_after, actor, reason)
        SELECT tenant_id, market_id, item_id, 'restock', 4, stock, 'x', 'forged' FROM catalog_items WHERE ${where('oil')}`;
      await broken(t, 'forged movement', 'stock_movements', extra, sql`DELETE FROM stock_movements WHERE tenant_id = ${h.tenantId} AND reason = 'forged'`, [
        { check: 'market_stock_movements', detail: { sku: 'oil' } },
        { check: 'market_stock_chain', detail: { sku: 'oil', kind: 'restock', quantity: '4', stockAfter: '3', expected: '7' } },
      ]);
    });

    t.test("(b) reserved against the open baskets' lines", async (t) => {
      await broken(t, 'reserved', 'catalog_items', sql`UPDATE catalog_items SET reserved = reserved + 1 WHERE ${where('oil')}`, sql`UPDATE catalog_items SET reserved = reserved - 1 WHERE ${where('oil')}`, [
        { check: 'market_reserved', detail: { sku: 'oil', reserved: '3', openBaskets: '2' } },
      ]);
      await broken(t, 'a service reserves nothing', 'catalog_items', sql`UPDATE catalog_items SET reserved = 1 WHERE ${where('haircut')}`, sql`UPDATE catalog_items SET reserved = 0 WHERE ${where('haircut')}`, [
        { check: 'market_reserved', detail: { sku: 'haircut', reserved: '1', openBaskets: '0' } },
      ]);
    });

    t.test("(c) a sale line's refunded against its refund lines", async (t) => {
      const line = (n: number) => sql`tenant_id = ${h.tenantId} AND redemption_id = ${saleId}::uuid AND line_no = ${n}`;
      await broken(t, 'refunded', 'redemption_lines', sql`UPDATE redemption_lines SET refunded = refunded + 1 WHERE ${line(2)}`, sql`UPDATE redemption_lines SET refunded = refunded - 1 WHERE ${line(2)}`, [
        { check: 'market_refunded', detail: { receiptNo: '1', redemptionId: saleId, line: '2', sku: 'oil', refunded: '1', refundLines: '0' } },
      ]);
      await broken(t, 'refund line', 'refund_lines', sql`UPDATE refund_lines SET quantity = 2 WHERE tenant_id = ${h.tenantId} AND refund_id = ${refund.refundId}::uuid`, sql`UPDATE refund_lines SET quantity = 1 WHERE tenant_id = ${h.tenantId} AND refund_id = ${refund.refundId}::uuid`, [
        { check: 'market_refunded', detail: { receiptNo: '1', line: '1', sku: 'rice', refunded: '1', refundLines: '2' } },
      ]);
    });

    t.test("(c2) a sale line's time against its sale's (the capacity count reads the line's)", async (t) => {
      const line = sql`tenant_id = ${h.tenantId} AND redemption_id = ${saleId}::uuid AND line_no = 2`;
      await broken(t, "a line's time", 'redemption_lines', sql`UPDATE redemption_lines SET occurred_at = occurred_at - interval '1 day' WHERE ${line}`, sql`UPDATE redemption_lines SET occurred_at = occurred_at + interval '1 day' WHERE ${line}`, [
        { check: 'market_line_time', detail: { receiptNo: '1', redemptionId: saleId, line: '2', sku: 'oil' } },
      ]);
    });

    t.test('(d) receipt numbers 1 … the last, each once', async (t) => {
      const market = sql`tenant_id = ${h.tenantId} AND market_id = ${marketId}`;
      await broken(t, 'a gap', 'markets', sql`UPDATE markets SET receipt_no = receipt_no + 1 WHERE ${market}`, sql`UPDATE markets SET receipt_no = receipt_no - 1 WHERE ${market}`, [
        { check: 'market_receipt_numbers', detail: { receiptNo: '4', receipts: '0', why: 'no receipt has this number' } },
      ]);
      const theRefund = sql`tenant_id = ${h.tenantId} AND refund_id = ${refund.refundId}::uuid`;
      await broken(t, 'a number twice', 'refunds', sql`UPDATE refunds SET receipt_no = 1 WHERE ${theRefund}`, sql`UPDATE refunds SET receipt_no = 2 WHERE ${theRefund}`, [
        { check: 'market_receipt_numbers', detail: { receiptNo: '1', receipts: '2', why: 'more than one receipt has this number' } },
        { check: 'market_receipt_numbers', detail: { receiptNo: '2', receipts: '0', why: 'no receipt has this number' } },
      ]);
      const third = sql`tenant_id = ${h.tenantId} AND redemption_id = ${captured.redemptionId}::uuid`;
      await broken(t, 'a number past the last', 'redemptions', sql`UPDATE redemptions SET receipt_no = 9 WHERE ${third}`, sql`UPDATE redemptions SET receipt_no = 3 WHERE ${third}`, [
        { check: 'market_receipt_numbers', detail: { receiptNo: '3', why: 'no receipt has this number' } },
        { check: 'market_receipt_numbers', detail: { receiptNo: '9', receipts: '1', why: "after the market's last receipt number" } },
      ]);
    });

    t.test("(e) a receipt's total: its lines, and its entry's posting on the market's account", async (t) => {
      const line1 = sql`tenant_id = ${h.tenantId} AND redemption_id = ${saleId}::uuid AND line_no = 1`;
      await broken(t, 'sale lines', 'redemption_lines', sql`UPDATE redemption_lines SET amount = amount + 1 WHERE ${line1}`, sql`UPDATE redemption_lines SET amount = amount - 1 WHERE ${line1}`, [
        { check: 'market_receipt_total', detail: { receiptNo: '1', kind: 'sale', redemptionId: saleId, total: '43.00', lines: '44.00' } },
      ]);
      const refundLine = sql`tenant_id = ${h.tenantId} AND refund_id = ${refund.refundId}::uuid`;
      await broken(t, 'refund lines', 'refund_lines', sql`UPDATE refund_lines SET amount = amount + 1 WHERE ${refundLine}`, sql`UPDATE refund_lines SET amount = amount - 1 WHERE ${refundLine}`, [
        { check: 'market_receipt_total', detail: { receiptNo: '2', kind: 'refund', refundId: refund.refundId, total: '10.00', lines: '11.00' } },
      ]);
      const theSale = sql`tenant_id = ${h.tenantId} AND redemption_id = ${saleId}::uuid`;
      await broken(t, 'another entry', 'redemptions', sql`UPDATE redemptions SET entry_id = ${refund.entryId}::uuid WHERE ${theSale}`, sql`UPDATE redemptions SET entry_id = ${sale.entryId}::uuid WHERE ${theSale}`, [
        { check: 'market_receipt_entry', detail: { receiptNo: '1', kind: 'sale', entryId: refund.entryId, total: '43.00', posted: '-10.00' } },
      ]);
      await broken(t, 'a total', 'redemptions', sql`UPDATE redemptions SET total = total + 1 WHERE ${theSale}`, sql`UPDATE redemptions SET total = total - 1 WHERE ${theSale}`, [
        { check: 'market_receipt_total', detail: { receiptNo: '1', total: '44.00', lines: '43.00' } },
        { check: 'market_receipt_entry', detail: { receiptNo: '1', entryId: sale.entryId, total: '44.00', posted: '43.00' } },
      ]);
      const theRefund = sql`tenant_id = ${h.tenantId} AND refund_id = ${refund.refundId}::uuid`;
      await broken(t, "a refund naming the sale's entry", 'refunds', sql`UPDATE refunds SET entry_id = ${sale.entryId}::uuid WHERE ${theRefund}`, sql`UPDATE refunds SET entry_id = ${refund.entryId}::uuid WHERE ${theRefund}`, [
        { check: 'market_receipt_entry', detail: { receiptNo: '2', kind: 'refund', total: '10.00', posted: '43.00' } },
      ]);
    });

    t.test('every tenant at once (the CLI without --tenant), and clean again', async (t) => {
      await behindTheBack(h, 'catalog_items', sql`UPDATE catalog_items SET stock = stock + 1 WHERE tenant_id = ${h.tenantId} AND market_id = ${other.marketId}`);
      t.match(await verifyMarkets(h.database.db, null), [{ check: 'market_stock_movements', detail: { tenantId: h.tenantId, marketId: other.marketId, sku: 'soap' } }]);
      await behindTheBack(h, 'catalog_items', sql`UPDATE catalog_items SET stock = stock - 1 WHERE tenant_id = ${h.tenantId} AND market_id = ${other.marketId}`);
      t.same(await verifyMarkets(h.database.db, null), [], 'every tenant verifies');
      t.same((await integrity(h)).problems, [], 'and the tenant, as before');
    });
  });
}
