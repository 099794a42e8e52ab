import t from 'tap';
import { engines, isProblem, setup } from './helpers/harness.js';
import { idem, memberWithPoints, newMarket, newTerminal, pointsOf } from './helpers/market.js';

// A love supermarket's entries move only with their sale (found by the fault tests' property
// model): an admin reversal of a sale's, a basket capture's or a refund's entry would give the
// member the points back while the sale still stands, and a refund of the same line would give
// them again. Refused with entry_belongs_to_sale, nothing written; a plain hold's capture stays
// reversible.

for (const engine of engines) {
  t.test(`${engine}: a sale's, a capture's and a refund's entries are not reversed by hand`, async (t) => {
    const h = await setup(t, engine);
    const { marketId, orgUnitId } = await newMarket(h, [{ sku: 'rice', price: '10.00', stock: 10 }]);
    const pos = await newTerminal(h, marketId);
    const m = await memberWithPoints(h, orgUnitId, '100.00');
    const body = { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 2 }] };

    const sale = await h.request('POST', '/v1/redemptions', { key: pos.key, headers: idem(), body });
    t.equal(sale.status, 201, 'a sale');
    const refund = await h.request('POST', `/v1/redemptions/${sale.body.redemptionId}/refunds`, { key: pos.key, headers: idem(), body: { lines: [{ line: 1, quantity: 1 }], reason: '退货' } });
    t.equal(refund.status, 201, 'a refund of one');
    const basket = await h.request('POST', '/v1/redemption-holds', { key: pos.key, headers: idem(), body });
    const capture = await h.request('POST', `/v1/redemption-holds/${basket.body.id}/capture`, { key: pos.key, headers: idem(), body: {} });
    t.equal(capture.status, 201, 'a basket captured');
    const before = await pointsOf(h, m.memberId);
    const entries = await h.count('ledger_entries');

    for (const [what, entryId] of [['sale', sale.body.entryId], ['refund', refund.body.entryId], ['basket capture', capture.body.entryId]] as const) {
      const res = await h.request('POST', `/v1/entries/${entryId}/reversal`, { headers: idem(), body: { reason: '冲正' } });
      isProblem(t, res, 409, 'entry_belongs_to_sale', `the ${what}'s entry`);
    }
    t.same(await pointsOf(h, m.memberId), before, "the member's points unchanged");
    t.equal(await h.count('ledger_entries'), entries, 'no entry written');
    const again = await h.request('POST', `/v1/redemptions/${sale.body.redemptionId}/refunds`, { key: pos.key, headers: idem(), body: { lines: [{ line: 1, quantity: 1 }], reason: '退货' } });
    t.equal(again.status, 201, 'the sale is refunded as a sale');
    t.equal(again.body.points.balance, '80.00', 'its points back once: 100 − 20 + 10 − 20 + 10');

    // A hold that is no basket: its capture is the ledger's own, and reversible as before.
    const hold = await h.request('POST', '/v1/holds', { headers: idem(), body: { accountId: `member:${m.memberId}:points`, unit: 'POINTS', amount: '5', ttlSeconds: 600 } });
    const captured = await h.request('POST', `/v1/holds/${hold.body.id}/capture`, { headers: idem(), body: { credits: [{ accountId: `market:${marketId}:points` }] } });
    t.equal(captured.status, 200, 'a plain hold captured');
    const reversed = await h.request('POST', `/v1/entries/${captured.body.entry.id}/reversal`, { headers: idem(), body: { reason: '冲正' } });
    t.equal(reversed.status, 201, "a plain hold's capture is reversed");
    await h.assertLedger(t);
  });
}
