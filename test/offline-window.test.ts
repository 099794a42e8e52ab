import t from 'tap';
import { engines, expectStatus as expect, setup, type Harness } from './helpers/harness.js';
import { idem, memberWithPoints, newMarket, newTerminal, pointsOf, stockOf } from './helpers/market.js';

// Offline upload (POST /v1/redemptions:batch, src/markets/offline.ts) through the HTTP API on both
// engines: the tenant's window (offlineSaleDays, PATCH /v1/settings) decides which old sales are
// taken; a sale dated in the future (beyond the 2 minutes a terminal's clock may run ahead) is
// refused; a retry of part of a batch, some items repeated and some new, writes the new ones only
// and answers the repeated ones as the first time.

const HOUR = 3600_000;
const DAY = 24 * HOUR;

let n = 0;
const item = (cardNo: string, occurredAt: number, over: Record<string, unknown> = {}) => ({
  idempotencyKey: `off-${process.pid}-${++n}`,
  occurredAt: new Date(occurredAt).toISOString(),
  cardNo,
  lines: [{ sku: 'rice', quantity: 1 }],
  ...over,
});

async function upload(h: Harness, key: string, items: unknown[]): Promise<any[]> {
  const res = await expect(h.request('POST', '/v1/redemptions:batch', { key, body: { items } }), 200, 'batch');
  if (res.results.length !== items.length) throw new Error(`a result per item: ${res.results.length} for ${items.length}`);
  return res.results;
}

const sales = async (h: Harness) => h.count('redemptions');

for (const engine of engines) {
  t.test(`${engine}: the tenant's offline window, set by PATCH /v1/settings`, async (t) => {
    const h = await setup(t, engine);
    const { marketId, orgUnitId } = await newMarket(h, [{ sku: 'rice', price: '1.00', stock: 1000 }]);
    const pos = await newTerminal(h, marketId);
    const m = await memberWithPoints(h, orgUnitId, '100.00');
    t.equal((await h.request('GET', '/v1/settings')).body.offlineSaleDays, 7, 'the window is 7 days unless set');

    const now = Date.now();
    const old8 = item(m.cardNo, now - 8 * DAY);
    let r = await upload(h, pos.key, [item(m.cardNo, now - 6 * DAY), old8]);
    t.match(r[0], { status: 201, replayed: false }, '6 days old: taken in the default window');
    t.match(r[1], { status: 422, problem: { code: 'occurred_at_too_old', days: 7 } }, '8 days old: refused, the window named');
    t.equal(await sales(h), 1, 'one sale written');

    const narrowed = await h.request('PATCH', '/v1/settings', { body: { offlineSaleDays: 3 }, headers: idem() });
    t.equal(narrowed.status, 200, 'the window narrowed to 3 days');
    t.equal(narrowed.body.offlineSaleDays, 3, 'the answer says so');
    t.equal((await h.request('GET', '/v1/settings')).body.offlineSaleDays, 3, 'and so do the settings');
    const before = await pointsOf(h, m.memberId);
    r = await upload(h, pos.key, [
      item(m.cardNo, now - 4 * DAY),
      item(m.cardNo, now - 3 * DAY - HOUR),
      item(m.cardNo, now - 3 * DAY + HOUR),
      item(m.cardNo, now - 2 * DAY),
    ]);
    t.match(r[0], { status: 422, problem: { code: 'occurred_at_too_old', days: 3 } }, '4 days old: refused under the new window');
    t.match(r[1], { status: 422, problem: { code: 'occurred_at_too_old', days: 3 } }, 'an hour older than 3 days: refused');
    t.match(r[2], { status: 201 }, 'an hour inside 3 days: taken');
    t.match(r[3], { status: 201 }, '2 days old: taken');
    t.equal(r[2].result.occurredAt, new Date(now - 3 * DAY + HOUR).toISOString(), "the sale keeps the terminal's time");
    t.equal(await sales(h), 3, 'only the two inside the window written');
    t.equal((await pointsOf(h, m.memberId)).balance, (Number(before.balance) - 2).toFixed(2), 'and only they were paid for');

    await expect(h.request('PATCH', '/v1/settings', { body: { offlineSaleDays: 10 }, headers: idem() }), 200, 'window widened');
    r = await upload(h, pos.key, [item(m.cardNo, now - 8 * DAY), old8]);
    t.match(r[0], { status: 201 }, '8 days old, under a 10-day window: taken');
    t.match(r[1], { status: 422, problem: { code: 'occurred_at_too_old', days: 7 } }, 'the sale refused before, sent again under its key: the same refusal, as first answered');
    t.equal(await sales(h), 4, 'one more sale');
    for (const offlineSaleDays of [0, 91]) {
      const res = await h.request('PATCH', '/v1/settings', { body: { offlineSaleDays }, headers: idem() });
      t.equal(res.status, 400, `a window of ${offlineSaleDays} days is refused`);
    }
    t.equal((await h.request('GET', '/v1/settings')).body.offlineSaleDays, 10, 'the window stays 10 days');
    await h.assertLedger(t);
  });

  t.test(`${engine}: a sale dated in the future is refused`, async (t) => {
    const h = await setup(t, engine);
    const { marketId, orgUnitId } = await newMarket(h, [{ sku: 'rice', price: '1.00', stock: 1000 }]);
    const pos = await newTerminal(h, marketId);
    const m = await memberWithPoints(h, orgUnitId, '100.00');
    const stock = await stockOf(h, marketId, 'rice');
    const now = Date.now();
    const ahead = item(m.cardNo, now + HOUR);
    const r = await upload(h, pos.key, [ahead, item(m.cardNo, now + 10 * 60_000), item(m.cardNo, now + 60_000), item(m.cardNo, now + 400 * DAY)]);
    t.match(r[0], { status: 422, problem: { code: 'occurred_at_in_future' } }, 'an hour ahead: refused');
    t.match(r[1], { status: 422, problem: { code: 'occurred_at_in_future' } }, '10 minutes ahead: refused');
    t.match(r[2], { status: 201 }, 'a minute ahead: taken (a clock may run up to 2 minutes fast)');
    t.match(r[3], { status: 422, problem: { code: 'occurred_at_in_future' } }, 'next year: refused');
    t.equal(await sales(h), 1, 'only the one sale written');
    t.same(await stockOf(h, marketId, 'rice'), { stock: stock.stock! - 1, reserved: 0 }, 'one taken from stock');
    t.equal((await pointsOf(h, m.memberId)).balance, '99.00', 'one paid for');

    // The terminal corrects its clock: under the refused sale's key the corrected time is another
    // request (409, nothing written); under a new key it is taken.
    const fixed = { ...ahead, occurredAt: new Date(now - HOUR).toISOString() };
    const again = await upload(h, pos.key, [fixed, { ...fixed, idempotencyKey: `${ahead.idempotencyKey}-2` }]);
    t.match(again[0], { status: 409, problem: { code: 'idempotency_conflict' } }, "the refused sale's key with another time: 409");
    t.match(again[1], { status: 201 }, 'with a new key: taken');
    t.equal(await sales(h), 2, 'one more sale');
    await h.assertLedger(t);
  });

  t.test(`${engine}: part of a batch sent again, with new sales: only the new ones written`, async (t) => {
    const h = await setup(t, engine);
    const { marketId, orgUnitId } = await newMarket(h, [{ sku: 'rice', price: '2.00', stock: 1000 }]);
    const pos = await newTerminal(h, marketId);
    const m = await memberWithPoints(h, orgUnitId, '100.00');
    const now = Date.now();
    const first = [
      item(m.cardNo, now - 5 * HOUR),
      item(m.cardNo, now - 4 * HOUR, { lines: [{ sku: 'rice', quantity: 2 }] }),
      item(m.cardNo, now - 3 * HOUR, { lines: [{ sku: 'nope', quantity: 1 }] }),
      item(m.cardNo, now - 2 * HOUR),
    ];
    const r1 = await upload(h, pos.key, first);
    t.same(r1.map((r) => r.status), [201, 201, 422, 201], 'the first upload: three sales and an unknown sku');
    t.same(r1.map((r) => r.result?.receiptNo ?? null), ['1', '2', null, '3'], 'receipts 1 to 3');
    const points = await pointsOf(h, m.memberId);
    t.equal(points.balance, '92.00', '8 points paid');
    const stock = (await stockOf(h, marketId, 'rice')).stock!;

    // The terminal lost the answer halfway and sends the tail again, with two sales made since.
    const later = [item(m.cardNo, now - HOUR), item(m.cardNo, now - 30 * 60_000, { lines: [{ sku: 'rice', quantity: 3 }] })];
    const second = [first[1]!, later[0]!, first[3]!, first[2]!, later[1]!];
    const r2 = await upload(h, pos.key, second);
    t.match(r2[0], { status: 201, replayed: true, idempotencyKey: first[1]!.idempotencyKey }, 'a repeated sale: replayed');
    t.same(r2[0].result, r1[1].result, 'with its first receipt, word for word');
    t.match(r2[2], { status: 201, replayed: true }, 'another repeated sale: replayed');
    t.same(r2[2].result, r1[3].result, 'with its first receipt');
    t.match(r2[3], { status: 422, problem: { code: 'unknown_sku', sku: 'nope' } }, 'the repeated refusal: the same refusal');
    t.match(r2[1], { status: 201, replayed: false, result: { receiptNo: '4', total: '2.00' } }, 'a new sale: written, the next receipt');
    t.match(r2[4], { status: 201, replayed: false, result: { receiptNo: '5', total: '6.00' } }, 'the other new sale: written');
    t.equal(await sales(h), 5, 'two sales more, not four');
    t.equal((await pointsOf(h, m.memberId)).balance, '84.00', 'only the new ones paid for');
    t.equal((await stockOf(h, marketId, 'rice')).stock, stock - 4, 'only the new ones taken from stock');
    const receipts = await h.request('GET', `/v1/markets/${marketId}/receipts`, { key: pos.key });
    t.same(receipts.body.items.map((x: any) => x.receiptNo), ['1', '2', '3', '4', '5'], 'receipts 1 to 5, none twice');

    // A repeated key with another body is not the same sale: 409, nothing written.
    const changed = { ...first[0]!, lines: [{ sku: 'rice', quantity: 9 }] };
    const r3 = await upload(h, pos.key, [changed, first[0]!]);
    t.match(r3[0], { status: 409, problem: { code: 'idempotency_conflict' } }, 'a key sent again with other lines: 409');
    t.match(r3[1], { status: 201, replayed: true, result: { receiptNo: '1' } }, 'the key with its own body still replays');
    t.equal(await sales(h), 5, 'nothing new');
    t.equal((await pointsOf(h, m.memberId)).balance, '84.00', 'nothing paid');
    await h.assertLedger(t);
  });
}
