import { sql } from 'kysely';
import t from 'tap';
import { engines, isProblem, setup, type Harness } from './helpers/harness.js';
import { idem, memberWithPoints, newMarket, newTerminal, pointsOf, stockOf } from './helpers/market.js';

// Sales at the love supermarket's counter (issue 19): the refusals, each writing nothing; the
// races the issue names (one member's points, one item's stock, one member's limit, one key
// retried at once), run through the HTTP API on both engines; receipt numbers without gaps.

const TABLES = ['redemptions', 'redemption_lines', 'stock_movements', 'ledger_entries', 'ledger_postings'] as const;

async function counts(h: Harness) {
  const out: Record<string, number> = {};
  for (const table of TABLES) out[table] = await h.count(table);
  return out;
}

const sale = (h: Harness, key: string, body: Record<string, unknown>, headers = idem()) => h.request('POST', '/v1/redemptions', { key, body, headers });

/** The member's points account never went below zero: every posting's running balance, as stored. */
async function neverNegative(h: Harness, memberId: string): Promise<boolean> {
  const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ledger_postings
    WHERE account_id = ${`member:${memberId}:points`} AND balance_after < 0`.execute(h.database.db);
  return rows[0]!.n === '0';
}

/** Receipt numbers of the market: 1..n, every one used once. */
async function receiptNumbers(h: Harness, marketId: string): Promise<number[]> {
  const { rows } = await sql<{ n: string }>`SELECT receipt_no::text AS n FROM redemptions WHERE market_id = ${marketId}
    UNION ALL SELECT receipt_no::text FROM refunds WHERE market_id = ${marketId} ORDER BY 1`.execute(h.database.db);
  return rows.map((r) => Number(r.n)).sort((a, b) => a - b);
}

for (const engine of engines) {
  t.test(`${engine}: a sale and each refusal, with nothing written`, async (t) => {
    const h = await setup(t, engine);
    const { marketId, orgUnitId } = await newMarket(h, [
      { sku: 'rice', price: '12.50', stock: 3 },
      { sku: 'oil', price: '10.00', stock: 10, limit: { quantity: 1, period: 'month' } },
      { sku: 'haircut', price: '20.00', kind: 'service', capacity: { quantity: 1, period: 'day' } },
      { sku: 'old', price: '1.00', stock: 10 },
    ]);
    const pos = await newTerminal(h, marketId, 'till-1');
    const m = await memberWithPoints(h, orgUnitId, '100.00');

    const ok = await sale(h, pos.key, { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 2 }, { sku: 'haircut', quantity: 1 }] });
    t.equal(ok.status, 201, 'a sale: 201');
    t.equal(ok.body.total, '45.00', 'total from the catalogue prices');
    t.equal(ok.body.terminalId, 'till-1', 'the terminal is on the receipt');
    t.equal(ok.body.marketId, marketId, 'the market comes from the terminal key');
    t.same(ok.body.points, { balance: '55.00', held: '0.00', available: '55.00' }, 'balance and available after');
    t.same(ok.body.lines.map((l: any) => [l.sku, l.quantity, l.price, l.amount]), [['rice', 2, '12.50', '25.00'], ['haircut', 1, '20.00', '20.00']]);
    t.same(await stockOf(h, marketId, 'rice'), { stock: 1, reserved: 0 }, 'stock down');
    t.same(await pointsOf(h, m.memberId), { balance: '55.00', held: '0.00', available: '55.00' }, 'the ledger agrees');
    const market = await h.request('GET', `/v1/accounts/market:${marketId}:points`);
    t.equal(market.body.balance, '45.00', "the market's account is credited");
    t.equal((await h.request('PATCH', `/v1/markets/${marketId}/items/rice`, { body: { price: '15.00' } })).status, 200, 'the price goes up');
    const reprint = await h.request('GET', `/v1/redemptions/${ok.body.redemptionId}`, { key: pos.key });
    t.same(reprint.body.lines.map((l: any) => l.price), ['12.50', '20.00'], 'the receipt keeps the price it was sold at');
    t.same(reprint.body.points, ok.body.points, 'and the points it printed');

    const other = await memberWithPoints(h, orgUnitId, '5.00');
    await h.request('PATCH', `/v1/markets/${marketId}/items/old`, { body: { active: false } });
    const blocked = await memberWithPoints(h, orgUnitId, '50.00');
    await h.request('POST', `/v1/members/${blocked.memberId}/cards/${blocked.cardNo}/block`, { body: {} });
    const gone = await memberWithPoints(h, orgUnitId, '50.00');
    await h.request('POST', `/v1/members/${gone.memberId}/deactivation`, { body: {} });

    const before = await counts(h);
    const cases: [string, Record<string, unknown>, number, string, (b: any) => void][] = [
      ['blocked card', { cardNo: blocked.cardNo, lines: [{ sku: 'rice', quantity: 1 }] }, 422, 'card_blocked', () => {}],
      ['inactive member', { memberId: gone.memberId, lines: [{ sku: 'rice', quantity: 1 }] }, 422, 'member_inactive', () => {}],
      ['inactive item', { cardNo: m.cardNo, lines: [{ sku: 'old', quantity: 1 }] }, 422, 'item_inactive', () => {}],
      ['unknown sku', { cardNo: m.cardNo, lines: [{ sku: 'nope', quantity: 1 }] }, 422, 'unknown_sku', (b) => t.equal(b.sku, 'nope')],
      ['not enough points', { cardNo: other.cardNo, lines: [{ sku: 'rice', quantity: 1 }] }, 422, 'insufficient_points', (b) => {
        t.equal(b.available, '5.00', 'says what is available');
        t.equal(b.requested, '15.00', 'and what is needed (at the price now)');
      }],
      ['out of stock', { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 2 }] }, 422, 'out_of_stock', (b) => {
        t.equal(b.sku, 'rice');
        t.equal(b.available, 1, 'says what is left');
      }],
      ['over the limit', { cardNo: m.cardNo, lines: [{ sku: 'oil', quantity: 2 }] }, 422, 'limit_exceeded', (b) => {
        t.equal(b.limit, 1, 'says the limit');
        t.match(b.resetsAt, /^\d{4}-\d{2}-01T00:00:00\+08:00$/, 'and when it resets: the 1st of next month, China time');
      }],
      ['capacity full', { cardNo: m.cardNo, lines: [{ sku: 'haircut', quantity: 1 }] }, 422, 'capacity_exceeded', (b) => t.equal(b.available, 0)],
      ['unknown card', { cardNo: 'NO-SUCH', lines: [{ sku: 'rice', quantity: 1 }] }, 404, 'card_not_found', () => {}],
      ['card and id', { cardNo: m.cardNo, memberId: m.memberId, lines: [{ sku: 'rice', quantity: 1 }] }, 400, 'validation_failed', () => {}],
      ['no lines', { cardNo: m.cardNo, lines: [] }, 400, 'validation_failed', () => {}],
      ['quantity 0', { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 0 }] }, 400, 'validation_failed', () => {}],
      ['another market', { marketId: 'elsewhere', cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 1 }] }, 403, 'market_out_of_scope', () => {}],
    ];
    for (const [what, body, status, code, more] of cases) {
      const res = await sale(h, pos.key, body);
      isProblem(t, res, status, code, what);
      more(res.body);
    }
    isProblem(t, await h.request('POST', '/v1/redemptions', { key: pos.key, body: { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 1 }] } }), 400, 'idempotency_key_required', 'no Idempotency-Key');
    isProblem(t, await sale(h, h.adminKey, { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 1 }] }), 400, 'validation_failed', 'an admin must name the market');
    t.same(await counts(h), before, 'no refusal wrote anything');
    t.same(await stockOf(h, marketId, 'rice'), { stock: 1, reserved: 0 }, 'stock unchanged');
    t.equal((await pointsOf(h, m.memberId)).balance, '55.00', 'points unchanged');
    await h.assertLedger(t);
  });

  t.test(`${engine}: 64 sales at once from 8 terminals for a member who can afford 10`, async (t) => {
    const h = await setup(t, engine);
    const { marketId, orgUnitId } = await newMarket(h, [{ sku: 'soap', price: '10.00', stock: 1000 }]);
    const tills = await Promise.all(Array.from({ length: 8 }, (_, i) => newTerminal(h, marketId, `till-${i}`)));
    const m = await memberWithPoints(h, orgUnitId, '100.00');
    const results = await Promise.all(Array.from({ length: 64 }, (_, i) => sale(h, tills[i % 8]!.key, { cardNo: m.cardNo, lines: [{ sku: 'soap', quantity: 1 }] })));
    t.equal(results.filter((r) => r.status === 201).length, 10, 'exactly 10 receipts');
    t.equal(results.filter((r) => r.status === 422 && r.body.code === 'insufficient_points').length, 54, 'the rest 422 insufficient_points');
    t.same(await pointsOf(h, m.memberId), { balance: '0.00', held: '0.00', available: '0.00' }, 'balance exact');
    t.ok(await neverNegative(h, m.memberId), 'no running balance ever below zero');
    t.same(await stockOf(h, marketId, 'soap'), { stock: 990, reserved: 0 }, 'stock down by the 10 sold');
    t.same(await receiptNumbers(h, marketId), Array.from({ length: 10 }, (_, i) => i + 1), 'receipts 1..10: no gaps although 54 rolled back');
    await h.assertLedger(t);
  });

  t.test(`${engine}: stock 5, 20 buyers at once`, async (t) => {
    const h = await setup(t, engine);
    const { marketId, orgUnitId } = await newMarket(h, [{ sku: 'eggs', price: '5.00', stock: 5 }]);
    const pos = await newTerminal(h, marketId);
    const buyers = await Promise.all(Array.from({ length: 20 }, () => memberWithPoints(h, orgUnitId, '50.00')));
    const results = await Promise.all(buyers.map((b) => sale(h, pos.key, { cardNo: b.cardNo, lines: [{ sku: 'eggs', quantity: 1 }] })));
    t.equal(results.filter((r) => r.status === 201).length, 5, 'exactly 5 sales');
    t.equal(results.filter((r) => r.body.code === 'out_of_stock').length, 15, '15 out_of_stock');
    t.same(await stockOf(h, marketId, 'eggs'), { stock: 0, reserved: 0 }, 'stock 0');
    const moves = await h.request('GET', `/v1/markets/${marketId}/items/eggs/stock-movements`);
    t.equal(moves.body.items.filter((x: any) => x.kind === 'sale').length, 5, 'five sale movements');
    await h.assertLedger(t);
  });

  t.test(`${engine}: a service with 3 places a day, 10 members at once, a basket holding one`, async (t) => {
    const h = await setup(t, engine);
    const { marketId, orgUnitId } = await newMarket(h, [{ sku: 'repair', price: '6.00', kind: 'service', capacity: { quantity: 3, period: 'day' } }]);
    const pos = await newTerminal(h, marketId);
    const buyers = await Promise.all(Array.from({ length: 11 }, () => memberWithPoints(h, orgUnitId, '50.00')));
    const held = await h.request('POST', '/v1/redemption-holds', { key: pos.key, headers: idem(), body: { cardNo: buyers[10]!.cardNo, lines: [{ sku: 'repair', quantity: 1 }] } });
    t.equal(held.status, 201, 'a basket holds one place');
    const results = await Promise.all(buyers.slice(0, 10).map((b) => sale(h, pos.key, { cardNo: b.cardNo, lines: [{ sku: 'repair', quantity: 1 }] })));
    t.equal(results.filter((r) => r.status === 201).length, 2, 'exactly the 2 places left');
    t.equal(results.filter((r) => r.body.code === 'capacity_exceeded').length, 8, 'the rest capacity_exceeded');
    await h.request('POST', `/v1/redemption-holds/${held.body.id}/void`, { key: pos.key, body: {} });
    t.equal((await sale(h, pos.key, { cardNo: buyers[0]!.cardNo, lines: [{ sku: 'repair', quantity: 1 }] })).status, 201, 'the voided place is free again');
    await h.assertLedger(t);
  });

  t.test(`${engine}: a limit of 2 a month, 10 attempts at once at 3 terminals, open baskets counted`, async (t) => {
    const h = await setup(t, engine);
    const { marketId, orgUnitId } = await newMarket(h, [{ sku: 'flour', price: '3.00', stock: 100, limit: { quantity: 2, period: 'month' } }]);
    const tills = await Promise.all([0, 1, 2].map((i) => newTerminal(h, marketId, `till-${i}`)));
    const m = await memberWithPoints(h, orgUnitId, '100.00');
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => sale(h, tills[i % 3]!.key, { cardNo: m.cardNo, lines: [{ sku: 'flour', quantity: 1 }] })));
    t.equal(results.filter((r) => r.status === 201).length, 2, 'exactly 2');
    t.equal(results.filter((r) => r.body.code === 'limit_exceeded').length, 8, 'the rest limit_exceeded');

    const n = await memberWithPoints(h, orgUnitId, '100.00');
    const basket = await h.request('POST', '/v1/redemption-holds', { key: tills[0]!.key, headers: idem(), body: { cardNo: n.cardNo, lines: [{ sku: 'flour', quantity: 2 }] } });
    t.equal(basket.status, 201, 'a basket holds 2');
    isProblem(t, await sale(h, tills[1]!.key, { cardNo: n.cardNo, lines: [{ sku: 'flour', quantity: 1 }] }), 422, 'limit_exceeded', 'the open basket counts against the limit');
    await h.request('POST', `/v1/redemption-holds/${basket.body.id}/void`, { key: tills[0]!.key, body: {} });
    t.equal((await sale(h, tills[1]!.key, { cardNo: n.cardNo, lines: [{ sku: 'flour', quantity: 2 }] })).status, 201, 'voided: the limit is free again');
    await h.assertLedger(t);
  });

  t.test(`${engine}: one sale retried 20 times at once with its key`, async (t) => {
    const h = await setup(t, engine);
    const { marketId, orgUnitId } = await newMarket(h, [{ sku: 'milk', price: '4.00', stock: 50 }]);
    const pos = await newTerminal(h, marketId);
    const m = await memberWithPoints(h, orgUnitId, '100.00');
    const headers = idem();
    const body = { cardNo: m.cardNo, lines: [{ sku: 'milk', quantity: 2 }] };
    const results = await Promise.all(Array.from({ length: 20 }, () => sale(h, pos.key, body, headers)));
    t.ok(results.every((r) => r.status === 201), 'every answer is the receipt');
    t.equal(new Set(results.map((r) => r.body.redemptionId)).size, 1, 'one receipt');
    t.equal(results.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 19, '19 marked replays');
    // The sale stores its answer in its own last statement: the replays answer exactly what the first did.
    const first = results.find((r) => r.headers['idempotent-replayed'] !== 'true')!;
    t.ok(results.every((r) => JSON.stringify(r.body) === JSON.stringify(first.body)), 'every replay answers the first receipt, byte for byte');
    t.match(first.body, { receiptNo: '1', total: '8.00', points: { balance: '92.00', held: '0.00', available: '92.00' } }, 'with its number and the points after');
    t.equal(await h.count('redemptions'), 1, 'one sale stored');
    t.equal((await h.request('GET', `/v1/markets/${marketId}/items/milk/stock-movements`)).body.items.filter((x: any) => x.kind === 'sale').length, 1, 'one stock movement');
    t.equal((await pointsOf(h, m.memberId)).balance, '92.00', 'charged once');
    isProblem(t, await sale(h, pos.key, { ...body, lines: [{ sku: 'milk', quantity: 3 }] }, headers), 409, 'idempotency_conflict', 'same key, another body');
    await h.assertLedger(t);
  });
}
