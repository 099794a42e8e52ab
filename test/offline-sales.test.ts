import { sql } from 'kysely';
import t from 'tap';
import { engines, setup } from './helpers/harness.js';
import { memberWithPoints, newMarket, newTerminal, pointsOf, stockOf } from './helpers/market.js';

// Offline upload (issue 19, item 6): 500 sales a terminal made without network, 20 of them bad
// in different ways: 480 receipts and 20 reasons, each sale answered on its own (written in
// shared transactions of up to 32, as sales at the counter are); the same batch retried twice at
// once repeats nothing; the terminal's clock is kept beside the server's.

const HOUR = 3600_000;

for (const engine of engines) {
  t.test(`${engine}: 500 offline sales, 20 bad; retried twice at once`, async (t) => {
    const h = await setup(t, engine);
    const { marketId, orgUnitId } = await newMarket(h, [
      { sku: 'rice', price: '1.00', stock: 100_000 },
      { sku: 'rare', price: '1.00', stock: 2 },
      { sku: 'oil', price: '1.00', stock: 1000, limit: { quantity: 1, period: 'day' } },
    ]);
    const pos = await newTerminal(h, marketId, 'till-off');
    const members = await Promise.all(Array.from({ length: 10 }, () => memberWithPoints(h, orgUnitId, '1000.00')));
    const poor = await memberWithPoints(h, orgUnitId, '0.50');
    const blocked = await memberWithPoints(h, orgUnitId, '100.00');
    await h.request('POST', `/v1/members/${blocked.memberId}/cards/${blocked.cardNo}/block`, { body: {} });
    const oilBuyer = members[0]!;

    const start = Date.now() - 2 * HOUR;
    const at = (i: number) => new Date(start + i * 1000).toISOString();
    const items: Record<string, unknown>[] = Array.from({ length: 500 }, (_, i) => ({
      idempotencyKey: `off-${i}`,
      occurredAt: at(i),
      cardNo: members[i % 10]!.cardNo,
      lines: [{ sku: 'rice', quantity: 1 }],
    }));
    // 20 bad ones, of different kinds, spread through the batch.
    const bad: [number, Record<string, unknown>, number, string][] = [
      [3, { lines: [{ sku: 'nope', quantity: 1 }] }, 422, 'unknown_sku'],
      [17, { cardNo: poor.cardNo }, 422, 'insufficient_points'],
      [31, { cardNo: blocked.cardNo }, 422, 'card_blocked'],
      [45, { cardNo: 'NO-SUCH-CARD' }, 404, 'card_not_found'],
      [59, { occurredAt: new Date(Date.now() + HOUR).toISOString() }, 422, 'occurred_at_in_future'],
      [73, { occurredAt: new Date(Date.now() - 30 * 24 * HOUR).toISOString() }, 422, 'occurred_at_too_old'],
      [87, { lines: [{ sku: 'rare', quantity: 3 }] }, 422, 'out_of_stock'],
      [101, { lines: [] }, 400, 'validation_failed'],
      [115, { lines: [{ sku: 'rice', quantity: -1 }] }, 400, 'validation_failed'],
      [129, { occurredAt: 'yesterday' }, 400, 'validation_failed'],
      [143, { cardNo: undefined }, 400, 'validation_failed'],
      [157, { memberId: members[1]!.memberId }, 400, 'validation_failed'],
      [171, { marketId: 'another-market' }, 403, 'market_out_of_scope'],
      [185, { lines: [{ sku: 'rice', quantity: 2000 }] }, 422, 'insufficient_points'],
      [199, { cardNo: oilBuyer.cardNo, lines: [{ sku: 'oil', quantity: 2 }] }, 422, 'limit_exceeded'],
      [213, { idempotencyKey: 'bad key with spaces' }, 400, 'validation_failed'],
      [227, { lines: [{ sku: 'bad sku!', quantity: 1 }] }, 400, 'validation_failed'],
      [241, { occurredAt: new Date(Date.now() + 10 * 24 * HOUR).toISOString() }, 422, 'occurred_at_in_future'],
      [255, { cardNo: poor.cardNo, lines: [{ sku: 'rice', quantity: 1 }, { sku: 'rice', quantity: 1 }] }, 422, 'insufficient_points'],
      [269, { lines: [{ sku: 'rice', quantity: 1.5 }] }, 400, 'validation_failed'],
    ];
    for (const [i, change, ,] of bad) items[i] = { ...items[i], ...change };
    const stockBefore = (await stockOf(h, marketId, 'rice')).stock!;

    const res = await h.request('POST', '/v1/redemptions:batch', { key: pos.key, body: { items } });
    t.equal(res.status, 200, 'the answer is 200');
    t.equal(res.body.accepted, 480, '480 accepted');
    t.equal(res.body.refused, 20, '20 refused');
    const results = res.body.results as any[];
    for (const [i, , status, code] of bad) {
      t.match(results[i], { index: i, status, problem: { code } }, `item ${i}: ${status} ${code}`);
    }
    const good = results.filter((r) => r.status === 201);
    t.equal(good.length, 480, '480 receipts');
    t.equal(new Set(good.map((r) => r.result.receiptNo)).size, 480, 'each its own number');
    const numbers = good.map((r) => Number(r.result.receiptNo));
    t.ok(numbers.every((n, k) => k === 0 || n > numbers[k - 1]!), 'numbered in the order sent');
    // Written as sales arriving together are (saleGroups.ts): up to 32 in a transaction. 500 in
    // groups of 32 are 16; the sale out of the terminal's market starts a new group, and the rest
    // of the group after the sale under a limit (item 199) goes alone, after it: 21.
    const { rows } = await sql<{ n: number }>`SELECT count(DISTINCT tx_id)::int AS n FROM ledger_entries WHERE tenant_id = ${h.tenantId} AND kind = 'redemption'`.execute(h.database.db);
    t.ok(rows[0]!.n >= 16 && rows[0]!.n <= 24, `the 480 sales written in ${rows[0]!.n} transactions`);
    t.ok(good.every((r) => r.result.terminalId === 'till-off'), 'kept with the terminal');
    t.equal(good[0].result.occurredAt, new Date(at(0)).toISOString(), "the terminal's time is the sale's business time");
    t.ok(good.every((r) => r.result.recordedAt > r.result.occurredAt), "the server's time beside it");
    t.equal(await h.count('redemptions'), 480, '480 sales stored');
    t.equal((await stockOf(h, marketId, 'rice')).stock, stockBefore - 480, 'stock down by the 480 rice sold');

    const points = await Promise.all(members.map((m) => pointsOf(h, m.memberId)));
    const retried = await Promise.all([0, 1].map(() => h.request('POST', '/v1/redemptions:batch', { key: pos.key, body: { items } })));
    for (const [n, again] of retried.entries()) {
      t.equal(again.status, 200, `retry ${n}: 200`);
      t.equal(again.body.accepted, 480, `retry ${n}: the same 480`);
      t.same(again.body.results.map((r: any) => r.result?.receiptNo ?? null), results.map((r) => r.result?.receiptNo ?? null), `retry ${n}: the same receipts`);
      t.same(again.body.results.map((r: any) => r.problem?.code ?? null), results.map((r) => r.problem?.code ?? null), `retry ${n}: the same reasons`);
      t.ok(again.body.results.filter((r: any) => r.status === 201).every((r: any) => r.replayed), `retry ${n}: every receipt a replay`);
    }
    t.equal(await h.count('redemptions'), 480, 'nothing new');
    t.same(await Promise.all(members.map((m) => pointsOf(h, m.memberId))), points, 'no point taken twice');
    await h.assertLedger(t);
  });
}

for (const engine of engines) {
  t.test(`${engine}: an upload's sales take a member's points in the order sent, a sale under a limit too`, async (t) => {
    const h = await setup(t, engine);
    const { marketId, orgUnitId } = await newMarket(h, [
      { sku: 'rice', price: '5.00', stock: 100 },
      { sku: 'oil', price: '8.00', stock: 100, limit: { quantity: 1, period: 'day' } },
    ]);
    const pos = await newTerminal(h, marketId, 'till-order');
    // Points for the first sale only: the oil (under a limit), made before the rice.
    const buyer = await memberWithPoints(h, orgUnitId, '10.00');
    const other = await memberWithPoints(h, orgUnitId, '100.00');
    const at = (i: number) => new Date(Date.now() - HOUR + i * 1000).toISOString();
    const items = [
      { idempotencyKey: 'ord-0', occurredAt: at(0), cardNo: other.cardNo, lines: [{ sku: 'rice', quantity: 1 }] },
      { idempotencyKey: 'ord-1', occurredAt: at(1), cardNo: buyer.cardNo, lines: [{ sku: 'oil', quantity: 1 }] },
      { idempotencyKey: 'ord-2', occurredAt: at(2), cardNo: buyer.cardNo, lines: [{ sku: 'rice', quantity: 1 }] },
      { idempotencyKey: 'ord-3', occurredAt: at(3), cardNo: other.cardNo, lines: [{ sku: 'rice', quantity: 1 }] },
    ];
    const res = await h.request('POST', '/v1/redemptions:batch', { key: pos.key, body: { items } });
    t.equal(res.status, 200);
    t.same(
      res.body.results.map((r: any) => r.status === 201 ? `201 ${r.result.receiptNo}` : `${r.status} ${r.problem.code}`),
      ['201 1', '201 2', '422 insufficient_points', '201 3'],
      'the oil sold first, as it was, and the rice after it refused; numbered in the order sent',
    );
    t.equal((await pointsOf(h, buyer.memberId)).balance, '2.00', 'the buyer paid for the oil');
    await h.assertLedger(t);
  });
}
