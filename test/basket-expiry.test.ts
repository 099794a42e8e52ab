import t from 'tap';
import { engines, isProblem, refused, setup, type Harness } from './helpers/harness.js';
import { idem, memberWithPoints, newMarket, newTerminal, pointsOf, stockOf } from './helpers/market.js';

// A basket's expiry, through the HTTP API on both engines: 600 s when none is asked for, at most a
// day (a longer one refused with a 400 that names the field, nothing written), and a basket past
// its expiry that the sweep has not reached yet counts against no limit and no capacity
// (src/markets/lines.ts counts open baskets with expires_at > clock_timestamp()).

const post = (h: Harness, key: string, url: string, body: unknown) => h.request('POST', url, { key, body, headers: idem() });
const span = (b: { createdAt: string; expiresAt: string }) => (Date.parse(b.expiresAt) - Date.parse(b.createdAt)) / 1000;
const TABLES = ['baskets', 'basket_lines', 'ledger_holds', 'ledger_entries', 'stock_movements'] as const;

for (const engine of engines) {
  t.test(`${engine}: a basket's expiry: 600 s by default, at most a day`, async (t) => {
    const h = await setup(t, engine);
    const { marketId, orgUnitId } = await newMarket(h, [{ sku: 'rice', price: '1.00', stock: 100 }]);
    const pos = await newTerminal(h, marketId);
    const m = await memberWithPoints(h, orgUnitId, '100.00');
    const lines = [{ sku: 'rice', quantity: 1 }];

    const plain = await post(h, pos.key, '/v1/redemption-holds', { cardNo: m.cardNo, lines });
    t.equal(plain.status, 201, 'a basket with no expiry asked for');
    t.equal(span(plain.body), 600, 'expires 600 s after it was placed');
    const got = await h.request('GET', `/v1/redemption-holds/${plain.body.id}`, { key: pos.key });
    t.equal(got.body.expiresAt, plain.body.expiresAt, 'and says so when read back');
    t.equal(got.body.createdAt, plain.body.createdAt, 'read back, the basket was placed when its answer said');
    t.equal(span(got.body), 600, 'so that read back too it expires 600 s after it was placed');

    const day = await post(h, pos.key, '/v1/redemption-holds', { cardNo: m.cardNo, lines, expiresInSeconds: 86_400 });
    t.equal(day.status, 201, 'a day is allowed');
    t.equal(span(day.body), 86_400, 'expires a day after it was placed');

    for (const expiresInSeconds of [86_401, 7 * 86_400, 0]) {
      const res = await refused(t, h, TABLES, () => post(h, pos.key, '/v1/redemption-holds', { cardNo: m.cardNo, lines, expiresInSeconds }), 400, 'validation_failed', `expiresInSeconds ${expiresInSeconds}`);
      t.same(res.body.errors.map((e: any) => [e.in, e.path]), [['body', 'expiresInSeconds']], `expiresInSeconds ${expiresInSeconds}: the answer names the field`);
    }
    t.same(await stockOf(h, marketId, 'rice'), { stock: 100, reserved: 2 }, 'only the two baskets placed hold stock');
    t.equal((await pointsOf(h, m.memberId)).held, '2.00', 'and points');
  });

  t.test(`${engine}: a basket past its expiry, not yet swept, counts against no limit or capacity`, async (t) => {
    // No sweep: the basket stays `open` after its expiry time until something expires it.
    const h = await setup(t, engine, { env: { HOLD_SWEEP_MS: '0' } });
    const { marketId, orgUnitId } = await newMarket(h, [
      { sku: 'oil', price: '1.00', stock: 100, limit: { quantity: 2, period: 'day' } },
      { sku: 'haircut', price: '1.00', kind: 'service', capacity: { quantity: 2, period: 'day' } },
    ]);
    const pos = await newTerminal(h, marketId);
    const m = await memberWithPoints(h, orgUnitId, '100.00');
    const other = await memberWithPoints(h, orgUnitId, '100.00');

    const basket = await post(h, pos.key, '/v1/redemption-holds', { cardNo: m.cardNo, expiresInSeconds: 1, lines: [{ sku: 'oil', quantity: 2 }, { sku: 'haircut', quantity: 2 }] });
    t.equal(basket.status, 201, 'a basket holding the whole limit and the whole capacity, for 1 s');
    const held = await post(h, pos.key, '/v1/redemptions', { cardNo: m.cardNo, lines: [{ sku: 'oil', quantity: 1 }] });
    isProblem(t, held, 422, 'limit_exceeded', 'while open, it holds the limit');
    t.equal(held.body.used, 2, 'the basket counted as used');
    const full = await post(h, pos.key, '/v1/redemptions', { cardNo: other.cardNo, lines: [{ sku: 'haircut', quantity: 1 }] });
    isProblem(t, full, 422, 'capacity_exceeded', 'and the capacity');

    await new Promise((r) => setTimeout(r, Date.parse(basket.body.expiresAt) - Date.now() + 200));
    t.equal((await h.request('GET', `/v1/redemption-holds/${basket.body.id}`, { key: pos.key })).body.status, 'open', 'past its expiry, not swept: still open');
    const sold = await post(h, pos.key, '/v1/redemptions', { cardNo: m.cardNo, lines: [{ sku: 'oil', quantity: 2 }] });
    t.equal(sold.status, 201, 'the member buys the whole limit: the expired basket does not count');
    const served = await post(h, pos.key, '/v1/redemptions', { cardNo: other.cardNo, lines: [{ sku: 'haircut', quantity: 2 }] });
    t.equal(served.status, 201, 'another member takes the whole capacity: the expired basket does not count');
    const over = await post(h, pos.key, '/v1/redemptions', { cardNo: m.cardNo, lines: [{ sku: 'oil', quantity: 1 }] });
    isProblem(t, over, 422, 'limit_exceeded', 'the sale itself counts');
    t.equal(over.body.used, 2, 'only the sale is counted as used, not the expired basket');
    isProblem(t, await post(h, pos.key, `/v1/redemption-holds/${basket.body.id}/capture`, {}), 409, 'hold_expired', 'the expired basket cannot be captured');
    await h.assertLedger(t);
  });
}
