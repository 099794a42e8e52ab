import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import t from 'tap';
import { engines, expectStatus as expect, type Harness, isProblem, setup } from './helpers/harness.js';
import { idem, memberWithPoints, newMarket, newTerminal, stockOf } from './helpers/market.js';

// A market's day report (对账) through the HTTP API, on both engines: a day of sales from two
// terminals and an admin key, a basket captured in part, a basket voided, refunds, a restock and a
// correction; the report says per terminal and per item exactly what was done, the market
// account's ledger movement equals a direct sum of its postings and the receipts' net, the stock
// movements equal the receipts' quantities; then a points movement with no receipt and a stock
// movement with no receipt (simulated corruption) each make it unreconciled, saying what disagrees.

const RICE = 'RICE-5KG';
const OIL = 'OIL-1L';
const CUT = 'HAIRCUT';

/** The China-time calendar date of an instant. */
const chinaDate = (at: string) => new Date(Date.parse(at) + 8 * 3600_000).toISOString().slice(0, 10);

async function sale(h: Harness, key: string | undefined, body: Record<string, unknown>): Promise<any> {
  return expect(h.request('POST', '/v1/redemptions', { key, body, headers: idem() }), 201, 'sale');
}

async function refund(h: Harness, key: string | undefined, redemptionId: string, lines: { line: number; quantity: number }[]): Promise<any> {
  return expect(h.request('POST', `/v1/redemptions/${redemptionId}/refunds`, { key, body: { lines, reason: '顾客退货' }, headers: idem() }), 201, 'refund');
}

/** The market account's postings summed straight from the ledger's table: the figure the report must match. */
async function directSum(h: Harness, marketId: string): Promise<string> {
  const { rows } = await sql<{ s: string }>`SELECT coalesce(sum(amount), 0)::numeric(20, 2)::text AS s FROM ledger_postings
    WHERE tenant_id = ${h.tenantId} AND account_id = ${`market:${marketId}:points`}`.execute(h.database.db);
  return rows[0]!.s;
}

const zeroStock = { sale: 0, refund: 0, restock: 0, correction: 0 };

for (const engine of engines) {
  t.test(`market day report on ${engine}`, async (t) => {
    const h = await setup(t, engine);
    const { marketId, orgUnitId } = await newMarket(h, [
      { sku: RICE, price: '12.50', stock: 100 },
      { sku: OIL, price: '30.00', stock: 20 },
      { sku: CUT, price: '5.00', kind: 'service' },
    ]);
    const a = await newTerminal(h, marketId, `${marketId}-a`);
    const b = await newTerminal(h, marketId, `${marketId}-b`);
    const { cardNo, memberId } = await memberWithPoints(h, orgUnitId, '1000');
    const day = (date: string, opts: { key?: string; headers?: Record<string, string>; query?: string } = {}) =>
      h.request('GET', `/v1/markets/${marketId}/days/${date}${opts.query ?? ''}`, { key: opts.key, headers: opts.headers ?? {} });

    // The day: terminal a sells twice, b once, the admin key once; b captures part of a basket;
    // a voids a basket; a and b each refund; a restocks, the admin corrects.
    const s1 = await sale(h, a.key, { cardNo, lines: [{ sku: RICE, quantity: 2 }, { sku: OIL, quantity: 1 }] }); // 55.00
    await sale(h, a.key, { cardNo, lines: [{ sku: CUT, quantity: 1 }] }); // 5.00
    const s3 = await sale(h, b.key, { memberId, lines: [{ sku: RICE, quantity: 3 }] }); // 37.50
    await sale(h, undefined, { marketId, cardNo, lines: [{ sku: OIL, quantity: 2 }] }); // 60.00, no terminal
    const basket = await expect(
      h.request('POST', '/v1/redemption-holds', { key: b.key, body: { cardNo, lines: [{ sku: RICE, quantity: 2 }, { sku: OIL, quantity: 1 }] }, headers: idem() }),
      201,
      'basket',
    );
    const captured = await expect(
      h.request('POST', `/v1/redemption-holds/${basket.id}/capture`, { key: b.key, body: { lines: [{ line: 1, quantity: 1 }, { line: 2, quantity: 1 }] }, headers: idem() }),
      201,
      'capture',
    ); // 42.50
    const voided = await expect(h.request('POST', '/v1/redemption-holds', { key: a.key, body: { cardNo, lines: [{ sku: RICE, quantity: 1 }] }, headers: idem() }), 201, 'basket');
    await expect(h.request('POST', `/v1/redemption-holds/${voided.id}/void`, { key: a.key, body: {}, headers: idem() }), 200, 'void');
    await refund(h, a.key, s1.redemptionId, [{ line: 1, quantity: 1 }]); // 12.50
    const r2 = await refund(h, b.key, s3.redemptionId, [{ line: 1, quantity: 2 }]); // 25.00
    await expect(
      h.request('POST', `/v1/markets/${marketId}/items/${RICE}/stock-movements`, { key: a.key, body: { kind: 'restock', quantity: 10, reason: '到货' }, headers: idem() }),
      201,
      'restock',
    );
    await expect(
      h.request('POST', `/v1/markets/${marketId}/items/${OIL}/stock-movements`, { body: { kind: 'correction', quantity: -1, reason: '盘点' }, headers: idem() }),
      201,
      'correction',
    );
    const date = chinaDate(s1.recordedAt);
    if (chinaDate(r2.recordedAt) !== date) throw new Error('the test day crossed midnight in China; run it again');

    t.test('the day as it was done, reconciled', async (t) => {
      const res = await day(date, { key: a.key });
      t.equal(res.status, 200, "a terminal reads its market's day");
      t.match(String(res.headers['content-type']), /^application\/json/);
      const r = res.body;
      t.equal(r.marketId, marketId);
      t.equal(r.date, date);
      t.equal(r.from, new Date(`${date}T00:00:00+08:00`).toISOString(), 'the day starts at midnight in China');
      t.equal(Date.parse(r.to) - Date.parse(r.from), 24 * 3600_000);
      t.same(r.terminals, [
        { terminalId: null, sales: 1, refunds: 0, pointsTaken: '60.00', pointsReturned: '0.00', net: '60.00' },
        { terminalId: a.terminalId, sales: 2, refunds: 1, pointsTaken: '60.00', pointsReturned: '12.50', net: '47.50' },
        { terminalId: b.terminalId, sales: 2, refunds: 1, pointsTaken: '80.00', pointsReturned: '25.00', net: '55.00' },
      ]);
      t.same(
        r.items.map(({ itemId: _, name: __, ...i }: any) => i),
        [
          { sku: CUT, kind: 'service', quantitySold: 1, quantityRefunded: 0, pointsTaken: '5.00', pointsReturned: '0.00', stockMovements: zeroStock, openingStock: null, closingStock: null },
          {
            sku: OIL, kind: 'goods', quantitySold: 4, quantityRefunded: 0, pointsTaken: '120.00', pointsReturned: '0.00',
            stockMovements: { sale: -4, refund: 0, restock: 20, correction: -1 }, openingStock: 0, closingStock: 15,
          },
          {
            sku: RICE, kind: 'goods', quantitySold: 6, quantityRefunded: 3, pointsTaken: '75.00', pointsReturned: '37.50',
            stockMovements: { sale: -6, refund: 3, restock: 110, correction: 0 }, openingStock: 0, closingStock: 107,
          },
        ],
        'per item: receipts, movements by kind (the opening stock of a new item is a restock), opening and closing stock',
      );
      t.equal(r.items[2].name, `商品 ${RICE}`);
      t.same(r.totals, {
        sales: 5, refunds: 2, pointsTaken: '200.00', pointsReturned: '37.50', net: '162.50', quantitySold: 11, quantityRefunded: 3,
        stockMovements: { sale: -10, refund: 3, restock: 130, correction: -1 },
      });
      t.same(r.ledger, { accountId: `market:${marketId}:points`, movement: '162.50', postings: 7 }, "the market account's day: 5 sales, 2 refunds");
      t.equal(r.ledger.movement, await directSum(h, marketId), 'the ledger figure is the direct sum of the postings');
      t.equal((await expect(h.request('GET', `/v1/accounts/market:${marketId}:points`), 200, 'account')).balance, '162.50', "and the account's balance");
      t.equal(r.reconciled, true);
      t.same(r.differences, []);
      t.equal(r.items[1].closingStock, (await stockOf(h, marketId, OIL)).stock, 'closing stock is the stock now');
      t.equal(r.items[2].closingStock, (await stockOf(h, marketId, RICE)).stock);
      t.equal(captured.terminalId, b.terminalId, "a captured basket counts at its terminal");
      t.same((await day(date, { key: await h.keyFor('auditor') })).body, r, 'an auditor reads the same');
      t.same((await day(date)).body, r, 'and an admin');
    });

    t.test('a day with nothing is all zeros, and reconciled', async (t) => {
      const before = await day('2020-01-01');
      t.equal(before.status, 200);
      t.match(before.body, { terminals: [], items: [], ledger: { movement: '0.00', postings: 0 }, reconciled: true, differences: [] });
      t.same(before.body.totals, { sales: 0, refunds: 0, pointsTaken: '0.00', pointsReturned: '0.00', net: '0.00', quantitySold: 0, quantityRefunded: 0, stockMovements: zeroStock });
      const after = (await day('2099-12-31')).body;
      t.same(after.terminals, []);
      t.same(after.items.map((i: any) => [i.sku, i.quantitySold, i.stockMovements, i.openingStock, i.closingStock]), [
        [CUT, 0, zeroStock, null, null],
        [OIL, 0, zeroStock, 15, 15],
        [RICE, 0, zeroStock, 107, 107],
      ], 'a later day: every item, nothing moved, opening = closing = the stock now');
      t.match(after, { ledger: { movement: '0.00', postings: 0 }, reconciled: true, differences: [] });
    });

    t.test('who may read it', async (t) => {
      const other = await newMarket(h, [{ sku: RICE, price: '1.00' }]);
      const otherTill = await newTerminal(h, other.marketId, `${other.marketId}-a`);
      isProblem(t, await day(date, { key: otherTill.key }), 403, 'market_out_of_scope', "another market's terminal");
      t.equal((await h.request('GET', `/v1/markets/${other.marketId}/days/${date}`, { key: otherTill.key })).status, 200, 'it reads its own market');
      isProblem(t, await day(date, { key: await h.keyFor('station') }), 403, 'forbidden', 'a station key');
      const B = await h.newTenant();
      isProblem(t, await day(date, { key: B.adminKey }), 404, 'market_not_found', 'another tenant');
      isProblem(t, await h.request('GET', `/v1/markets/no-such-market/days/${date}`), 404, 'market_not_found', 'an unknown market');
      isProblem(t, await day('2026-02-30'), 400, 'validation_failed', 'a date that does not exist');
      isProblem(t, await day('20260101'), 400, 'validation_failed', 'a date not YYYY-MM-DD');
    });

    t.test('CSV, by ?format=csv or by Accept: text/csv', async (t) => {
      const json = (await day(date)).body;
      for (const opts of [{ query: '?format=csv' }, { headers: { accept: 'text/csv' } }]) {
        const res = await day(date, opts);
        t.equal(res.status, 200);
        t.match(String(res.headers['content-type']), /^text\/csv/);
        const text = String(res.body);
        t.ok(text.startsWith('\uFEFF'), 'UTF-8 with a byte order mark, for Excel');
        const rows: Record<string, string>[] = parse(text, { bom: true, columns: true });
        t.same(rows.map((r) => r.section), ['terminal', 'terminal', 'terminal', 'item', 'item', 'item', 'total'], 'one row per terminal, per item, and the totals');
        t.same(rows.filter((r) => r.section === 'terminal').map((r) => [r.terminal_id, r.points_taken, r.points_returned, r.net]), json.terminals.map((x: any) => [x.terminalId ?? '', x.pointsTaken, x.pointsReturned, x.net]));
        t.same(rows.filter((r) => r.section === 'item').map((r) => [r.sku, r.name, r.quantity_sold, r.stock_sale, r.closing_stock]), json.items.map((i: any) => [i.sku, i.name, String(i.quantitySold), String(i.stockMovements.sale), i.closingStock === null ? '' : String(i.closingStock)]), 'items, Chinese names intact');
        const total = rows.find((r) => r.section === 'total')!;
        t.same(
          [total.sales, total.refunds, total.points_taken, total.points_returned, total.net, total.quantity_sold, total.ledger_movement, total.reconciled],
          ['5', '2', '200.00', '37.50', '162.50', '11', '162.50', 'true'],
          'the same totals as the JSON',
        );
      }
      t.equal((await day(date, { headers: { accept: 'text/csv' }, query: '?format=json' })).body.totals.net, '162.50', 'format=json overrides Accept');
    });

    t.test('a movement with no receipt: not reconciled, and says what disagrees', async (t) => {
      // Points into the market's account by an entry of no sale: the ledger says more than the receipts.
      await expect(
        h.request('POST', '/v1/entries', {
          body: {
            reason: 'not a sale',
            postings: [
              { accountId: `issuance:${orgUnitId}:points`, unit: 'POINTS', direction: 'debit', amount: '1.00' },
              { accountId: `market:${marketId}:points`, unit: 'POINTS', direction: 'credit', amount: '1.00' },
            ],
          },
        }),
        201,
        'entry',
      );
      let r = (await day(date)).body;
      t.equal(r.reconciled, false);
      t.same(r.differences, [{ check: 'ledger', sku: null, expected: '162.50', actual: '163.50' }]);
      t.equal(r.ledger.movement, await directSum(h, marketId));

      // A stock movement of kind sale that no receipt stands behind (corruption, simulated by SQL).
      const item = await sql<{ item_id: string; stock: number }>`SELECT item_id, stock FROM catalog_items
        WHERE tenant_id = ${h.tenantId} AND market_id = ${marketId} AND sku = ${RICE}`.execute(h.database.db);
      const { item_id: itemId, stock } = item.rows[0]!;
      await sql`INSERT INTO stock_movements (tenant_id, market_id, item_id, kind, quantity, stock_after, redemption_id, actor)
        VALUES (${h.tenantId}, ${marketId}, ${itemId}::uuid, 'sale', -1, ${Number(stock) - 1}, ${s3.redemptionId}::uuid, 'corruption')`.execute(h.database.db);
      r = (await day(date)).body;
      t.equal(r.reconciled, false);
      t.same(r.differences, [
        { check: 'ledger', sku: null, expected: '162.50', actual: '163.50' },
        { check: 'stock_sale', sku: RICE, expected: '6', actual: '7' },
      ], 'the sale movements of RICE are one more than its receipts');
      t.same(r.items[2].stockMovements, { sale: -7, refund: 3, restock: 110, correction: 0 });

      const rows: Record<string, string>[] = parse(String((await day(date, { query: '?format=csv' })).body), { bom: true, columns: true });
      t.same(rows.filter((x) => x.section === 'difference').map((x) => [x.check, x.sku, x.expected, x.actual]), [['ledger', '', '162.50', '163.50'], ['stock_sale', RICE, '6', '7']], 'the CSV lists them too');
      t.equal(rows.find((x) => x.section === 'total')!.reconciled, 'false');
    });
  });
}
