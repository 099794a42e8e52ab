import t from 'tap';
import { engines, isProblem, setup, type Harness } from './helpers/harness.js';
import { idem, memberWithPoints, newMarket, newTerminal, pointsOf, stockOf } from './helpers/market.js';

// Baskets on hold and refunds at the love supermarket (issue 19, items 4 and 5): every step
// leaves the member's points, the stock and the limits exact; a line is never refunded more than
// it sold, even by two terminals at once; a terminal acts for its own market only.

const post = (h: Harness, key: string, url: string, body: unknown) => h.request('POST', url, { key, body, headers: idem() });

async function marketPoints(h: Harness, marketId: string): Promise<string> {
  return (await h.request('GET', `/v1/accounts/market:${marketId}:points`)).body.balance as string;
}

for (const engine of engines) {
  t.test(`${engine}: a basket — hold, capture less, void, expiry, capture after expiry`, async (t) => {
    const h = await setup(t, engine, { env: { HOLD_SWEEP_MS: '100' } });
    const { marketId, orgUnitId } = await newMarket(h, [
      { sku: 'rice', price: '10.00', stock: 10 },
      { sku: 'oil', price: '5.00', stock: 10, limit: { quantity: 3, period: 'month' } },
    ]);
    const pos = await newTerminal(h, marketId);
    const m = await memberWithPoints(h, orgUnitId, '100.00');

    // Hold: points, stock and the limit reserved at once.
    const held = await post(h, pos.key, '/v1/redemption-holds', { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 2 }, { sku: 'oil', quantity: 3 }] });
    t.equal(held.status, 201, 'basket placed');
    t.equal(held.body.total, '35.00');
    t.same(held.body.points, { balance: '100.00', held: '35.00', available: '65.00' }, 'the answer shows the points held');
    t.same(await pointsOf(h, m.memberId), { balance: '100.00', held: '35.00', available: '65.00' }, 'available drops, the balance does not');
    t.same(await stockOf(h, marketId, 'rice'), { stock: 10, reserved: 2 }, 'stock reserved');
    isProblem(t, await post(h, pos.key, '/v1/redemptions', { cardNo: m.cardNo, lines: [{ sku: 'oil', quantity: 1 }] }), 422, 'limit_exceeded', 'the basket holds the limit');
    isProblem(t, await post(h, pos.key, '/v1/redemptions', { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 7 }] }), 422, 'insufficient_points', 'and the points');

    // Capture less: one rice, two oil.
    const taken = await post(h, pos.key, `/v1/redemption-holds/${held.body.id}/capture`, { lines: [{ line: 1, quantity: 1 }, { line: 2, quantity: 2 }] });
    t.equal(taken.status, 201, 'captured');
    t.equal(taken.body.kind, 'sale');
    t.equal(taken.body.total, '20.00', 'the receipt is for what was taken');
    t.equal(taken.body.basketId, held.body.id);
    t.same(taken.body.points, { balance: '80.00', held: '0.00', available: '80.00' }, 'the rest released in the same transaction');
    t.same(await pointsOf(h, m.memberId), { balance: '80.00', held: '0.00', available: '80.00' });
    t.same(await stockOf(h, marketId, 'rice'), { stock: 9, reserved: 0 }, 'one rice sold, one released');
    t.same(await stockOf(h, marketId, 'oil'), { stock: 8, reserved: 0 });
    t.equal(await marketPoints(h, marketId), '20.00', "the market's account has the sale");
    const basket = await h.request('GET', `/v1/redemption-holds/${held.body.id}`, { key: pos.key });
    t.match(basket.body, { status: 'captured', redemptionId: taken.body.redemptionId }, 'the basket says what became of it');
    isProblem(t, await post(h, pos.key, `/v1/redemption-holds/${held.body.id}/capture`, {}), 409, 'hold_already_captured', 'capture twice');
    isProblem(t, await post(h, pos.key, `/v1/redemption-holds/${held.body.id}/void`, {}), 409, 'hold_already_captured', 'void after capture');
    t.equal((await post(h, pos.key, '/v1/redemptions', { cardNo: m.cardNo, lines: [{ sku: 'oil', quantity: 1 }] })).status, 201, 'the limit counts the 2 captured: one more is fine');
    isProblem(t, await post(h, pos.key, '/v1/redemptions', { cardNo: m.cardNo, lines: [{ sku: 'oil', quantity: 1 }] }), 422, 'limit_exceeded', 'and no more');

    // Void: everything back.
    const second = await post(h, pos.key, '/v1/redemption-holds', { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 3 }] });
    t.same(await stockOf(h, marketId, 'rice'), { stock: 9, reserved: 3 });
    const voided = await post(h, pos.key, `/v1/redemption-holds/${second.body.id}/void`, { reason: '顾客不要了' });
    t.equal(voided.status, 200);
    t.equal(voided.body.status, 'voided');
    t.same(await pointsOf(h, m.memberId), { balance: '75.00', held: '0.00', available: '75.00' }, 'points free again');
    t.same(await stockOf(h, marketId, 'rice'), { stock: 9, reserved: 0 }, 'stock free again');
    isProblem(t, await post(h, pos.key, `/v1/redemption-holds/${second.body.id}/capture`, {}), 409, 'hold_already_voided', 'capture after void');

    // Expiry: capture after the time is refused at once; the service's sweep gives everything back.
    const third = await post(h, pos.key, '/v1/redemption-holds', { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 4 }], expiresInSeconds: 1 });
    t.equal(third.status, 201);
    t.same(await stockOf(h, marketId, 'rice'), { stock: 9, reserved: 4 });
    await new Promise((r) => setTimeout(r, 1100));
    isProblem(t, await post(h, pos.key, `/v1/redemption-holds/${third.body.id}/capture`, {}), 409, 'hold_expired', 'capture after the expiry time');
    const deadline = Date.now() + 10_000;
    while ((await h.request('GET', `/v1/redemption-holds/${third.body.id}`)).body.status !== 'expired' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    t.equal((await h.request('GET', `/v1/redemption-holds/${third.body.id}`)).body.status, 'expired', 'the sweep expired the basket');
    t.same(await pointsOf(h, m.memberId), { balance: '75.00', held: '0.00', available: '75.00' }, 'its points are free');
    t.same(await stockOf(h, marketId, 'rice'), { stock: 9, reserved: 0 }, 'its stock is free');
    isProblem(t, await post(h, pos.key, `/v1/redemption-holds/${third.body.id}/capture`, {}), 409, 'hold_expired', 'and it stays expired');

    // Bad captures write nothing.
    const fourth = await post(h, pos.key, '/v1/redemption-holds', { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 1 }] });
    isProblem(t, await post(h, pos.key, `/v1/redemption-holds/${fourth.body.id}/capture`, { lines: [{ line: 1, quantity: 2 }] }), 422, 'capture_exceeds_basket', 'more than held');
    isProblem(t, await post(h, pos.key, `/v1/redemption-holds/${fourth.body.id}/capture`, { lines: [{ line: 9, quantity: 1 }] }), 422, 'unknown_line', 'no such line');
    isProblem(t, await post(h, pos.key, `/v1/redemption-holds/${fourth.body.id}/capture`, { lines: [{ line: 1, quantity: 0 }] }), 400, 'validation_failed', 'nothing taken');
    t.same(await stockOf(h, marketId, 'rice'), { stock: 9, reserved: 1 }, 'the basket still holds');
    await h.assertLedger(t);
  });

  t.test(`${engine}: refunds — by line, never more than sold, two terminals at once`, async (t) => {
    const h = await setup(t, engine);
    const { marketId, orgUnitId } = await newMarket(h, [
      { sku: 'rice', price: '10.00', stock: 10 },
      { sku: 'haircut', price: '8.00', kind: 'service' },
    ]);
    const [a, b] = [await newTerminal(h, marketId, 'till-a'), await newTerminal(h, marketId, 'till-b')];
    const m = await memberWithPoints(h, orgUnitId, '100.00');
    const sold = await post(h, a.key, '/v1/redemptions', { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 3 }, { sku: 'haircut', quantity: 1 }] });
    t.equal(sold.body.total, '38.00');

    const part = await post(h, b.key, `/v1/redemptions/${sold.body.redemptionId}/refunds`, { lines: [{ line: 1, quantity: 1 }], reason: '破损' });
    t.equal(part.status, 201, 'a refund of one rice');
    t.match(part.body, { kind: 'refund', receiptNo: '2', total: '10.00', terminalId: 'till-b', reason: '破损', redemptionId: sold.body.redemptionId });
    t.same(part.body.points, { balance: '72.00', held: '0.00', available: '72.00' }, 'points back to the member');
    t.same(await stockOf(h, marketId, 'rice'), { stock: 8, reserved: 0 }, 'the rice back in stock');
    t.equal(await marketPoints(h, marketId), '28.00', "taken back from the market's account");
    isProblem(t, await post(h, b.key, `/v1/redemptions/${sold.body.redemptionId}/refunds`, { lines: [{ line: 1, quantity: 3 }], reason: 'x' }), 422, 'refund_exceeded', 'more than is left');
    isProblem(t, await post(h, b.key, `/v1/redemptions/${sold.body.redemptionId}/refunds`, { lines: [{ line: 3, quantity: 1 }], reason: 'x' }), 422, 'unknown_line', 'no such line');
    isProblem(t, await h.request('POST', `/v1/redemptions/${sold.body.redemptionId}/refunds`, { key: b.key, body: { lines: [{ line: 1, quantity: 1 }], reason: 'x' } }), 400, 'idempotency_key_required', 'without a key');

    // Both terminals refund the rest of line 1 (2) and the service at the same moment.
    const body = { lines: [{ line: 1, quantity: 2 }, { line: 2, quantity: 1 }], reason: '全部退' };
    const both = await Promise.all([post(h, a.key, `/v1/redemptions/${sold.body.redemptionId}/refunds`, body), post(h, b.key, `/v1/redemptions/${sold.body.redemptionId}/refunds`, body)]);
    t.same(both.map((r) => r.status).sort(), [201, 422], 'one succeeds');
    t.equal(both.find((r) => r.status === 422)!.body.code, 'refund_exceeded', 'the other: refund_exceeded');
    const sale = await h.request('GET', `/v1/redemptions/${sold.body.redemptionId}`, { key: a.key });
    t.same(sale.body.lines.map((l: any) => [l.quantity, l.refunded]), [[3, 3], [1, 1]], 'each line refunded exactly what it sold');
    t.same(sale.body.refunds.map((r: any) => r.receiptNo), ['2', '3'], 'two refund receipts');
    t.equal((await pointsOf(h, m.memberId)).balance, '100.00', 'every point back, none twice');
    t.same(await stockOf(h, marketId, 'rice'), { stock: 10, reserved: 0 }, 'every rice back, none twice');
    t.equal(await marketPoints(h, marketId), '0.00');

    // Many pairs of terminals racing on fresh sales: never more than sold.
    for (let i = 0; i < 5; i++) {
      const s = await post(h, a.key, '/v1/redemptions', { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 2 }] });
      const race = await Promise.all([a, b, a, b].map((k) => post(h, k.key, `/v1/redemptions/${s.body.redemptionId}/refunds`, { lines: [{ line: 1, quantity: 2 }], reason: 'race' })));
      t.equal(race.filter((r) => r.status === 201).length, 1, `race ${i}: one refund of four`);
    }
    t.equal((await pointsOf(h, m.memberId)).balance, '100.00', 'after the races: every point back exactly once');
    await h.assertLedger(t);
  });

  t.test(`${engine}: a terminal acts for its own market only`, async (t) => {
    const h = await setup(t, engine);
    const A = await newMarket(h, [{ sku: 'rice', price: '1.00' }]);
    const B = await newMarket(h, [{ sku: 'bread', price: '1.00' }]);
    const [posA, posB] = [await newTerminal(h, A.marketId), await newTerminal(h, B.marketId)];
    const m = await memberWithPoints(h, A.orgUnitId, '50.00');
    const saleB = await post(h, posB.key, '/v1/redemptions', { cardNo: m.cardNo, lines: [{ sku: 'bread', quantity: 1 }] });
    const basketB = await post(h, posB.key, '/v1/redemption-holds', { cardNo: m.cardNo, lines: [{ sku: 'bread', quantity: 1 }] });
    isProblem(t, await post(h, posA.key, '/v1/redemptions', { marketId: B.marketId, cardNo: m.cardNo, lines: [{ sku: 'bread', quantity: 1 }] }), 403, 'market_out_of_scope', "sell in B's name");
    isProblem(t, await post(h, posA.key, '/v1/redemptions', { cardNo: m.cardNo, lines: [{ sku: 'bread', quantity: 1 }] }), 422, 'unknown_sku', "B's item at A's counter");
    isProblem(t, await h.request('GET', `/v1/markets/${B.marketId}/receipts`, { key: posA.key }), 403, 'market_out_of_scope', "B's receipts");
    isProblem(t, await h.request('GET', `/v1/redemptions/${saleB.body.redemptionId}`, { key: posA.key }), 403, 'market_out_of_scope', "B's sale");
    isProblem(t, await post(h, posA.key, `/v1/redemptions/${saleB.body.redemptionId}/refunds`, { lines: [{ line: 1, quantity: 1 }], reason: 'x' }), 403, 'market_out_of_scope', "refund B's sale");
    isProblem(t, await h.request('GET', `/v1/redemption-holds/${basketB.body.id}`, { key: posA.key }), 403, 'market_out_of_scope', "B's basket");
    isProblem(t, await post(h, posA.key, `/v1/redemption-holds/${basketB.body.id}/capture`, {}), 403, 'market_out_of_scope', "capture B's basket");
    isProblem(t, await post(h, posA.key, `/v1/redemption-holds/${basketB.body.id}/void`, {}), 403, 'market_out_of_scope', "void B's basket");
    isProblem(t, await h.request('POST', '/v1/markets', { key: posA.key, body: { id: 'x', orgUnitId: A.orgUnitId, name: 'x' } }), 403, 'forbidden', 'an admin route');
    isProblem(t, await h.request('POST', '/v1/entries', { key: posA.key, body: {} }), 403, 'forbidden', 'the raw ledger');
    t.equal((await h.request('GET', `/v1/markets/${B.marketId}/receipts`, { key: posB.key })).body.items.length, 1, "B's own terminal reads them");
    await h.assertLedger(t);
  });
}
