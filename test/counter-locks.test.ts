import t from 'tap';
import { engines, expectStatus, type Harness, setup } from './helpers/harness.js';
import { idem, memberWithPoints, newMarket, newTerminal, pointsOf, stockOf } from './helpers/market.js';
import { recordBody } from './helpers/fixtures.js';

// Every write at a market's counter (sale, refund, basket placed, captured, voided) takes its
// locks in one order (migrations/0011_markets.ts): the items (by id), then the ledger's rows (the
// member's points, a slot of the market's account), then the market's receipt counter. Two
// writes that took them in different orders could deadlock, which Postgres breaks after a second
// by aborting one (the service retries it, and counts it). Here all of them run at once for one
// member over the same items: none may deadlock, and the points and the stock come out exact.

const TOKEN = 'metrics-token-for-counter-locks';

async function deadlocksRetried(h: Harness): Promise<number> {
  const res = await h.request('GET', '/metrics', { key: TOKEN });
  const line = String(res.body).split('\n').find((l) => l.startsWith('ledger_transaction_retries_total{reason="deadlock"}'));
  return line ? Number(line.split(' ').pop()) : 0;
}

if (engines.includes('postgres')) {
  t.test('postgres: sales, refunds and baskets of one member over the same items at once never deadlock', async (t) => {
    const h = await setup(t, 'postgres', { env: { METRICS: 'on', METRICS_TOKEN: TOKEN } });
    const { marketId, orgUnitId } = await newMarket(h, [
      { sku: 'rice', price: '2.00', stock: 1000 },
      { sku: 'oil', price: '3.00', stock: 1000 },
      { sku: 'haircut', price: '5.00', kind: 'service', capacity: { quantity: 1000, period: 'day' } },
    ]);
    const tills = [await newTerminal(h, marketId), await newTerminal(h, marketId), await newTerminal(h, marketId)];
    const m = await memberWithPoints(h, orgUnitId, '1000.00');
    const send = (i: number, url: string, body: unknown) => h.request('POST', url, { key: tills[i % tills.length]!.key, headers: idem(), body });
    const basket = [{ sku: 'oil', quantity: 1 }, { sku: 'rice', quantity: 1 }, { sku: 'haircut', quantity: 1 }];

    // Ten sales to refund and ten baskets to resolve, made one after the other.
    const sold = [];
    for (let i = 0; i < 10; i++) sold.push(await send(i, '/v1/redemptions', { cardNo: m.cardNo, lines: basket }));
    const held = [];
    for (let i = 0; i < 10; i++) held.push(await send(i, '/v1/redemption-holds', { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 2 }, { sku: 'oil', quantity: 1 }] }));
    t.ok([...sold, ...held].every((r) => r.status === 201), 'set up');
    const before = await deadlocksRetried(h);

    const answers = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => send(i, '/v1/redemptions', { cardNo: m.cardNo, lines: i % 2 ? basket : [...basket].reverse() })),
      ...sold.map((s, i) => send(i, `/v1/redemptions/${s.body.redemptionId}/refunds`, { lines: [{ line: 1, quantity: 1 }, { line: 2, quantity: 1 }, { line: 3, quantity: 1 }], reason: '退货' })),
      ...held.map((b, i) => send(i, `/v1/redemption-holds/${b.body.id}/${i % 2 ? 'capture' : 'void'}`, {})),
      ...Array.from({ length: 10 }, (_, i) => send(i, '/v1/redemption-holds', { cardNo: m.cardNo, lines: [{ sku: 'haircut', quantity: 1 }, { sku: 'oil', quantity: 1 }] })),
    ]);
    t.same(answers.filter((a) => a.status >= 300).map((a) => a.body), [], 'every write succeeded');
    t.equal((await deadlocksRetried(h)) - before, 0, 'no deadlock was broken and retried');

    // Sold: 40 baskets of 10.00, 10 refunded; 5 held baskets captured (7.00 each), 5 voided; 10 open (8.00 each).
    t.same(await pointsOf(h, m.memberId), { balance: '665.00', held: '80.00', available: '585.00' }, 'the points are exact');
    t.same(await stockOf(h, marketId, 'rice'), { stock: 1000 - 30 - 10, reserved: 0 }, 'rice exact');
    t.same(await stockOf(h, marketId, 'oil'), { stock: 1000 - 30 - 5, reserved: 10 }, 'oil exact');
    await h.assertLedger(t);
  });

  // An award locks its member's row first (the star change is one at a time per member), then the
  // member's ledger rows; a sale locks the ledger rows, then its receipt's foreign key takes a key
  // share of the member's row. With the award's lock FOR UPDATE, the two waited on each other (a
  // deadlock in the bench's sales beside awards, a second lost each); FOR NO KEY UPDATE still
  // serialises changes of a member and lets the key share through.
  t.test('postgres: sales and awards of one member at once never deadlock', async (t) => {
    const h = await setup(t, 'postgres', { env: { METRICS: 'on', METRICS_TOKEN: TOKEN } });
    const { marketId, orgUnitId, tree } = await newMarket(h, [{ sku: 'rice', price: '1.00', stock: 1000 }]);
    // A station whose records are verified as they are posted: each post is an award.
    const station = (await expectStatus(h.request('POST', '/v1/org-units', { body: { id: 'auto', kind: 'station', parentId: tree.institute, name: '自动核验站', autoVerify: true } }), 201, 'station')).id;
    const tills = [await newTerminal(h, marketId), await newTerminal(h, marketId), await newTerminal(h, marketId)];
    const m = await memberWithPoints(h, orgUnitId, '100.00');
    const before = await deadlocksRetried(h);
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all([
        ...Array.from({ length: 20 }, (_, i) =>
          h.request('POST', '/v1/redemptions', { key: tills[i % tills.length]!.key, headers: idem(), body: { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 1 }] } }),
        ),
        // 0.4 h records an hour apart, each its own award (no overlap, under the daily cap). Each
        // round reads the clock anew, so a round's first record ends a little less than an hour
        // before the previous round's last: one China-time day can touch 25 of them (10 h; at
        // 0.5 h each, 12 h and a sliver failed the cap when a day's edge fell there).
        ...Array.from({ length: 10 }, (_, i) =>
          h.request('POST', '/v1/service-records', { body: recordBody(m.memberId, station, { hours: '0.4', endedHoursAgo: 2 + round * 10 + i }) }),
        ),
      ]);
      t.same(answers.filter((a) => a.status >= 300).map((a) => a.body), [], `round ${round}: every write succeeded`);
      t.ok(answers.slice(20).every((a) => a.body.record.status === 'verified'), `round ${round}: the records were awarded at once`);
    }
    t.equal((await deadlocksRetried(h)) - before, 0, 'no deadlock was broken and retried');
    // 100 granted, 60 sales of 1.00, 30 awards of 0.4 h at 10 points an hour.
    t.same(await pointsOf(h, m.memberId), { balance: '160.00', held: '0.00', available: '160.00' }, 'the points are exact');
    t.same(await stockOf(h, marketId, 'rice'), { stock: 1000 - 60, reserved: 0 }, 'the stock is exact');
    await h.assertLedger(t);
  });
}
