import t from 'tap';
import { engines, expectStatus as expect, refused, rowCounts, setup, type Harness } from './helpers/harness.js';
import { newMember, orgTree } from './helpers/fixtures.js';
import { idem, memberWithPoints, newMarket, newTerminal, pointsOf, stockOf } from './helpers/market.js';

// A terminal's pos key aimed at another tenant's market, card, member, receipt, basket and day
// report, through the HTTP API on both engines: every read and write refused (403 when the key's
// market scope stops it, 404 when the thing is not in the key's tenant), nothing written, nothing
// of the other tenant shown; a market of the other tenant with the same id as the terminal's own
// stays invisible behind it.

const TABLES = ['redemptions', 'redemption_lines', 'refunds', 'baskets', 'basket_lines', 'stock_movements', 'ledger_entries', 'ledger_postings', 'ledger_holds'] as const;
const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());

/** Tenant B: two markets (one with the id of A's market), a terminal, a member with a card and points, a sale and an open basket. */
async function otherTenant(h: Harness, sharedId: string) {
  const B = await h.newTenant();
  const key = B.adminKey;
  const tree = await orgTree(h, ['s1'], { key, prefix: 'b-' });
  const station = tree.stations[0]!;
  for (const id of ['b-market', sharedId]) {
    await expect(h.request('POST', '/v1/markets', { key, body: { id, orgUnitId: station, name: `B 的超市 ${id}` } }), 201, 'B market');
    await expect(h.request('POST', `/v1/markets/${id}/items`, { key, body: { sku: 'rice', name: 'B 的米', kind: 'goods', price: '1.00', stock: 50 } }), 201, 'B item');
  }
  const terminal = await expect(h.request('POST', '/v1/markets/b-market/terminals', { key, body: { id: 'b-till', name: 'B 收银台' } }), 201, 'B terminal');
  const pos = terminal.key.key as string;
  const cardNo = 'CB-0000001';
  const member = await newMember(h, station, { key, cards: [cardNo] });
  await expect(
    h.request('POST', '/v1/entries', {
      key,
      body: {
        reason: 'grant',
        postings: [
          { accountId: `issuance:${station}:points`, unit: 'POINTS', direction: 'debit', amount: '50.00' },
          { accountId: `member:${member.id}:points`, unit: 'POINTS', direction: 'credit', amount: '50.00' },
        ],
      },
    }),
    201,
    'B grant',
  );
  const sale = await expect(h.request('POST', '/v1/redemptions', { key: pos, body: { cardNo, lines: [{ sku: 'rice', quantity: 2 }] }, headers: idem() }), 201, 'B sale');
  const basket = await expect(h.request('POST', '/v1/redemption-holds', { key: pos, body: { cardNo, lines: [{ sku: 'rice', quantity: 1 }] }, headers: idem() }), 201, 'B basket');
  return { ...B, pos, cardNo, memberId: member.id as string, saleId: sale.redemptionId as string, receiptNo: sale.receiptNo as string, basketId: basket.id as string };
}

for (const engine of engines) {
  t.test(`${engine}: a terminal's key aimed at another tenant`, async (t) => {
    const h = await setup(t, engine);
    const A = await newMarket(h, [{ sku: 'rice', price: '1.00', stock: 50 }], { id: 'shared-m' });
    const posA = await newTerminal(h, A.marketId, 'a-till');
    const mA = await memberWithPoints(h, A.orgUnitId, '50.00');
    const saleA = await expect(h.request('POST', '/v1/redemptions', { key: posA.key, body: { cardNo: mA.cardNo, lines: [{ sku: 'rice', quantity: 1 }] }, headers: idem() }), 201, 'A sale');
    const B = await otherTenant(h, A.marketId);
    const bView = async () => ({
      points: (await h.request('GET', `/v1/accounts/member:${B.memberId}:points`, { key: B.adminKey })).body,
      sale: (await h.request('GET', `/v1/redemptions/${B.saleId}`, { key: B.pos })).body,
      basket: (await h.request('GET', `/v1/redemption-holds/${B.basketId}`, { key: B.pos })).body,
      items: (await h.request('GET', '/v1/markets/b-market/items', { key: B.pos })).body,
    });
    const bBefore = await bView();
    t.equal(bBefore.basket.status, 'open', "B's basket is open");

    const get = (url: string) => () => h.request('GET', url, { key: posA.key });
    const post = (url: string, body: unknown) => () => h.request('POST', url, { key: posA.key, body, headers: idem() });
    const line = [{ sku: 'rice', quantity: 1 }];

    // B's market: the key is scoped to A's market, and says nothing of B's.
    for (const url of ['/v1/markets/b-market', '/v1/markets/b-market/items', '/v1/markets/b-market/items/rice', '/v1/markets/b-market/receipts',
      `/v1/markets/b-market/days/${today}`, `/v1/markets/b-market/days/${today}?format=csv`, '/v1/markets/b-market/items/rice/stock-movements']) {
      const res = await refused(t, h, TABLES, get(url), 403, 'market_out_of_scope', `GET ${url}`);
      t.notMatch(JSON.stringify(res.body), /B 的/, `GET ${url}: nothing of B's in the answer`);
    }
    await refused(t, h, TABLES, post('/v1/markets/b-market/items/rice/stock-movements', { kind: 'restock', quantity: 5, reason: 'x' }), 403, 'market_out_of_scope', "restock B's item");
    await refused(t, h, TABLES, post('/v1/redemptions', { marketId: 'b-market', cardNo: mA.cardNo, lines: line }), 403, 'market_out_of_scope', "sell in B's market");

    // B's card, member, receipt and basket: not in A's tenant.
    await refused(t, h, TABLES, get(`/v1/cards/${B.cardNo}/counter-view`), 404, 'card_not_found', "look B's card up");
    await refused(t, h, TABLES, post('/v1/redemptions', { cardNo: B.cardNo, lines: line }), 404, 'card_not_found', "sell to B's card");
    await refused(t, h, TABLES, post('/v1/redemptions', { memberId: B.memberId, lines: line }), 404, 'member_not_found', "sell to B's member by id");
    await refused(t, h, TABLES, post('/v1/redemption-holds', { cardNo: B.cardNo, lines: line }), 404, 'card_not_found', "hold a basket on B's card");
    await refused(t, h, TABLES, get(`/v1/redemptions/${B.saleId}`), 404, 'redemption_not_found', "read B's receipt");
    await refused(t, h, TABLES, post(`/v1/redemptions/${B.saleId}/refunds`, { lines: [{ line: 1, quantity: 1 }], reason: 'x' }), 404, 'redemption_not_found', "refund B's sale");
    await refused(t, h, TABLES, get(`/v1/redemption-holds/${B.basketId}`), 404, 'basket_not_found', "read B's basket");
    await refused(t, h, TABLES, post(`/v1/redemption-holds/${B.basketId}/capture`, {}), 404, 'basket_not_found', "capture B's basket");
    await refused(t, h, TABLES, post(`/v1/redemption-holds/${B.basketId}/void`, {}), 404, 'basket_not_found', "void B's basket");
    await refused(t, h, TABLES, get(`/v1/accounts/member:${B.memberId}:points`), 403, 'forbidden', "read B's member's points");
    const before = await rowCounts(h, TABLES);
    const at = new Date(Date.now() - 3600_000).toISOString();
    const batch = await h.request('POST', '/v1/redemptions:batch', { key: posA.key, body: { items: [
      { idempotencyKey: 'off-b-1', occurredAt: at, cardNo: B.cardNo, lines: line },
      { idempotencyKey: 'off-b-2', occurredAt: at, memberId: B.memberId, lines: line },
      { idempotencyKey: 'off-b-3', occurredAt: at, marketId: 'b-market', cardNo: mA.cardNo, lines: line },
    ] } });
    t.equal(batch.status, 200, 'an offline upload naming B: 200 with a result per sale');
    t.match(batch.body, { accepted: 0, refused: 3 }, 'every sale of it refused');
    t.same(batch.body.results.map((r: any) => [r.status, r.problem.code]), [[404, 'card_not_found'], [404, 'member_not_found'], [403, 'market_out_of_scope']], "B's card, B's member, B's market");
    t.same(await rowCounts(h, TABLES), before, 'the upload wrote nothing');

    // A market of B with the id of A's own: the key reads A's, never B's.
    const receipts = await h.request('GET', `/v1/markets/${A.marketId}/receipts`, { key: posA.key });
    t.equal(receipts.status, 200, "A's market with B's namesake: A's receipts");
    t.same(receipts.body.items.map((r: any) => r.redemptionId), [saleA.redemptionId], "only A's sale");
    const day = await h.request('GET', `/v1/markets/${A.marketId}/days/${today}`, { key: posA.key });
    t.equal(day.status, 200, "A's day report");
    t.equal(day.body.totals.pointsTaken, '1.00', "A's points only");
    t.notMatch(JSON.stringify(day.body), /b-till/, "B's terminal is not in it");
    t.notMatch(JSON.stringify((await h.request('GET', `/v1/markets/${A.marketId}/items`, { key: posA.key })).body), /B 的/, "A's items, none of B's");

    t.same(await bView(), bBefore, "B's member, sale, basket and items unchanged");
    t.same(await pointsOf(h, mA.memberId), { balance: '49.00', held: '0.00', available: '49.00' }, "A's member charged for A's sale only");
    t.same(await stockOf(h, A.marketId, 'rice'), { stock: 49, reserved: 0 }, "A's stock down by A's sale only");
    await h.assertLedger(t);
  });
}
