import { sql } from 'kysely';
import t from 'tap';
import { verifyMarkets } from '../src/markets/verify.js';
import { engines, setup } from './helpers/harness.js';
import { idem, memberWithPoints, newMarket, newTerminal, pointsOf, stockOf } from './helpers/market.js';

// Sales of one market that arrive together share a transaction (src/markets/saleGroups.ts). A
// burst of sales from several terminals, with refusals of every kind among them, must answer each
// sale as it would be answered alone: receipts numbered without gaps, stock and points exact, the
// stock movements chained, the day reconciled, refusals with nothing written, replays the first
// answer. And on Postgres the burst must really have been grouped: some sales share a ledger
// transaction.

// A group that waits for a lock past GROUP_LOCK_WAIT_MS sends each of its sales alone: on a loaded
// machine a commit (the other group's, or a sale's that went alone) can outlast the default 200 ms,
// and the bursts below would then be written one by one. These tests are about what a group
// writes, not about the wait, so they give it 10 s; the wait itself has its own test below.
const WAIT_LONG = { GROUP_LOCK_WAIT_MS: '10000' };

const chinaDate = (at: string) => new Date(Date.parse(at) + 8 * 3600_000).toISOString().slice(0, 10);

for (const engine of engines) {
  t.test(`${engine}: a burst of sales shares transactions and answers each sale as alone`, async (t) => {
    const h = await setup(t, engine, { poolSize: 20, env: WAIT_LONG });
    const skus = ['rice', 'oil', 'soap', 'salt', 'tea'];
    const { marketId, orgUnitId } = await newMarket(h, [
      ...skus.map((sku) => ({ sku, price: '1.00', stock: 500 })),
      { sku: 'eggs', price: '1.00', stock: 500, limit: { quantity: 1, period: 'month' as const } },
      { sku: 'last', price: '1.00', stock: 1 },
    ]);
    const tills = await Promise.all(Array.from({ length: 6 }, () => newTerminal(h, marketId)));
    const members = [];
    for (let i = 0; i < 20; i++) members.push(await memberWithPoints(h, orgUnitId, '100.00'));
    const poor = await memberWithPoints(h, orgUnitId, '1.00');
    const blocked = await memberWithPoints(h, orgUnitId, '100.00');
    await h.request('POST', `/v1/members/${blocked.memberId}/cards/${blocked.cardNo}/block`, { body: {} });

    type Sale = { body: Record<string, unknown>; headers: Record<string, string>; key: string; expect: number | string };
    const sales: Sale[] = [];
    const add = (body: Record<string, unknown>, expect: number | string) => sales.push({ body, headers: idem(), key: tills[sales.length % tills.length]!.key, expect });
    for (let i = 0; i < 60; i++) {
      const m = members[i % members.length]!;
      const lines = [0, 1, 2].map((k) => ({ sku: skus[(i + k) % skus.length]!, quantity: 1 + ((i + k) % 2) }));
      add(i % 3 ? { cardNo: m.cardNo, lines } : { memberId: m.memberId, lines }, 201);
    }
    add({ cardNo: blocked.cardNo, lines: [{ sku: 'rice', quantity: 1 }] }, 'card_blocked');
    add({ cardNo: 'NO-SUCH-CARD', lines: [{ sku: 'rice', quantity: 1 }] }, 'card_not_found');
    add({ cardNo: members[0]!.cardNo, lines: [{ sku: 'caviar', quantity: 1 }] }, 'unknown_sku');
    add({ cardNo: poor.cardNo, lines: [{ sku: 'rice', quantity: 2 }] }, 'insufficient_points');
    add({ cardNo: members[1]!.cardNo, lines: [{ sku: 'eggs', quantity: 1 }] }, 'limit');
    add({ cardNo: members[1]!.cardNo, lines: [{ sku: 'eggs', quantity: 1 }, { sku: 'tea', quantity: 1 }] }, 'limit');
    add({ cardNo: members[2]!.cardNo, lines: [{ sku: 'last', quantity: 1 }] }, 'last');
    add({ cardNo: members[3]!.cardNo, lines: [{ sku: 'last', quantity: 1 }, { sku: 'salt', quantity: 1 }] }, 'last');

    const answers = await Promise.all(sales.map((s) => h.request('POST', '/v1/redemptions', { key: s.key, headers: s.headers, body: s.body })));
    const codes = (what: string | number) => answers.filter((_, i) => sales[i]!.expect === what).map((a) => (a.status === 201 ? 201 : a.body.code));
    t.same(codes(201), Array(60).fill(201), 'every plain sale is sold');
    for (const code of ['card_blocked', 'card_not_found', 'unknown_sku', 'insufficient_points']) t.same(codes(code), [code], `refused: ${code}`);
    t.same(codes('limit').sort(), [201, 'limit_exceeded'], 'the limit of 1 a month: one of two sold');
    t.same(codes('last').sort(), [201, 'out_of_stock'], 'the last one in stock: one of two sold');
    const poorNow = answers[sales.findIndex((s) => s.expect === 'insufficient_points')]!.body;
    t.same([poorNow.available, poorNow.requested], ['1.00', '2.00'], 'insufficient_points says what was available and needed');

    const sold = answers.filter((a) => a.status === 201);
    const shared = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT tx_id FROM ledger_entries WHERE tenant_id = ${h.tenantId} AND kind = 'redemption'
      GROUP BY tx_id HAVING count(*) > 1) x`.execute(h.database.db);
    // The embedded engine has one connection: the requests' own reads queue behind each group, so
    // they reach the intake one by one there and are seldom grouped.
    if (engine === 'postgres') t.ok(shared.rows[0]!.n > 0, 'some sales shared a transaction');
    t.same(sold.map((a) => Number(a.body.receiptNo)).sort((a, b) => a - b), Array.from({ length: sold.length }, (_, i) => i + 1), 'receipts numbered 1…n without gaps');

    // What each member and item should have after the sales that answered 201.
    const spent = new Map<string, number>();
    const taken = new Map<string, number>();
    for (const a of sold) {
      spent.set(a.body.memberId, (spent.get(a.body.memberId) ?? 0) + Number(a.body.total));
      for (const l of a.body.lines) taken.set(l.sku, (taken.get(l.sku) ?? 0) + l.quantity);
      t.equal(a.body.points.balance, a.body.points.available, 'a receipt says the points after');
    }
    for (const m of [...members, poor, blocked]) {
      const start = m === poor ? 1 : 100;
      t.equal((await pointsOf(h, m.memberId)).balance, (start - (spent.get(m.memberId) ?? 0)).toFixed(2), 'the member was charged for their receipts only');
    }
    for (const sku of [...skus, 'eggs', 'last']) t.equal((await stockOf(h, marketId, sku)).stock, (sku === 'last' ? 1 : 500) - (taken.get(sku) ?? 0), `${sku}: stock exact`);
    // Each receipt shows the member's points just after it, even beside later sales of the same
    // member in the same transaction: 100 less the totals of their receipts up to it.
    const running = new Map<string, number>();
    const shown = [];
    for (const a of [...sold].sort((x, y) => Number(x.body.receiptNo) - Number(y.body.receiptNo))) {
      const left = (running.get(a.body.memberId) ?? 100) - Number(a.body.total);
      running.set(a.body.memberId, left);
      shown.push([a.body.points.balance, a.body.points.available] + '' === [left.toFixed(2), left.toFixed(2)] + '');
    }
    t.ok(shown.every(Boolean), 'every receipt shows the points after it');
    t.same(await verifyMarkets(h.database.db, h.tenantId), [], 'the markets verify: stock chains, receipt numbers, lines');
    await h.assertLedger(t);
    const day = await h.request('GET', `/v1/markets/${marketId}/days/${chinaDate(sold[0]!.body.recordedAt)}`);
    t.equal(day.status, 200, 'day report');
    t.equal(day.body.reconciled, true, 'the day reconciles: receipts, stock movements and the ledger agree');

    // Replays of grouped sales: the first answer, byte for byte, nothing new.
    const receipts = await h.count('redemptions');
    for (const i of [0, 7, 33, 59, sales.length - 1]) {
      const again = await h.request('POST', '/v1/redemptions', { key: sales[i]!.key, headers: sales[i]!.headers, body: sales[i]!.body });
      t.equal(again.status, answers[i]!.status, 'a replay has the first status');
      const { requestId: _a, ...body } = again.body;
      const { requestId: _b, ...first } = answers[i]!.body;
      t.equal(JSON.stringify(body), JSON.stringify(first), 'and the first body');
      if (again.status === 201) t.equal(again.headers['idempotent-replayed'], 'true', 'marked a replay');
    }
    t.equal(await h.count('redemptions'), receipts, 'replays wrote nothing');
  });
}

if (engines.includes('postgres')) {
  t.test('postgres: a group held up by a lock gives up after a moment and its sales go alone', async (t) => {
    const h = await setup(t, 'postgres', { poolSize: 20 });
    const { marketId, orgUnitId } = await newMarket(h, [
      { sku: 'rice', price: '1.00', stock: 100 },
      { sku: 'oil', price: '1.00', stock: 100 },
    ]);
    const till = await newTerminal(h, marketId);
    const m = await memberWithPoints(h, orgUnitId, '100.00');
    // Another writer holds rice's row (as a long restock would) until we let it go.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const holding = new Promise<void>((r) => (locked = r));
    const locker = h.database.db.transaction().execute(async (trx) => {
      await sql`SELECT 1 FROM catalog_items WHERE tenant_id = ${h.tenantId} AND market_id = ${marketId} AND sku = 'rice' FOR UPDATE`.execute(trx);
      locked();
      await released;
    });
    await holding;
    const sell = (sku: string) => h.request('POST', '/v1/redemptions', { key: till.key, headers: idem(), body: { cardNo: m.cardNo, lines: [{ sku, quantity: 1 }] } });
    const rice = Array.from({ length: 8 }, () => sell('rice'));
    const oil = Array.from({ length: 8 }, () => sell('oil'));
    const riceDone = { n: 0 };
    for (const r of rice) void r.then(() => riceDone.n++);
    const oilAnswers = await Promise.race([Promise.all(oil), new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
    t.ok(oilAnswers, 'the sales without rice were answered while rice stayed locked');
    t.same(oilAnswers?.map((a) => a.status), Array(8).fill(201), 'and sold');
    t.equal(riceDone.n, 0, 'no rice sale answered while its row was locked');
    release();
    await locker;
    t.same((await Promise.all(rice)).map((a) => a.status), Array(8).fill(201), 'the rice sales then sold');
    t.same([(await stockOf(h, marketId, 'rice')).stock, (await stockOf(h, marketId, 'oil')).stock], [92, 92], 'stock exact');
    t.same(await verifyMarkets(h.database.db, h.tenantId), [], 'the markets verify');
    await h.assertLedger(t);
  });
}

if (engines.includes('postgres')) {
  t.test('postgres: refusals among a burst do not send the other sales alone', async (t) => {
    const h = await setup(t, 'postgres', { poolSize: 20, env: WAIT_LONG });
    const { marketId, orgUnitId } = await newMarket(h, [
      { sku: 'rice', price: '1.00', stock: 500 },
      { sku: 'gone', price: '1.00', stock: 0 },
    ]);
    const tills = await Promise.all(Array.from({ length: 4 }, () => newTerminal(h, marketId)));
    const rich: { memberId: string; cardNo: string }[] = [];
    for (let i = 0; i < 10; i++) rich.push(await memberWithPoints(h, orgUnitId, '100.00'));
    const poor = await memberWithPoints(h, orgUnitId, '1.00');
    const sales = Array.from({ length: 40 }, (_, i) => {
      const kind = i % 4 === 1 ? 'poor' : i % 4 === 3 ? 'gone' : 'ok';
      const lines = kind === 'gone' ? [{ sku: 'gone', quantity: 1 }] : [{ sku: 'rice', quantity: 2 }];
      return { kind, body: { cardNo: kind === 'poor' ? poor.cardNo : rich[i % rich.length]!.cardNo, lines } };
    });
    const answers = await Promise.all(sales.map((s, i) => h.request('POST', '/v1/redemptions', { key: tills[i % tills.length]!.key, headers: idem(), body: s.body })));
    const codes = (kind: string) => [...new Set(answers.filter((_, i) => sales[i]!.kind === kind).map((a) => (a.status === 201 ? 201 : a.body.code)))];
    t.same(codes('ok'), [201], 'every sale that fits is sold');
    t.same(codes('poor'), ['insufficient_points'], 'too few points: refused');
    t.same(codes('gone'), ['out_of_stock'], 'out of stock: refused');
    const { rows } = await sql<{ n: number }>`SELECT coalesce(sum(n), 0)::int AS n FROM (SELECT count(*) AS n FROM ledger_entries
      WHERE tenant_id = ${h.tenantId} AND kind = 'redemption' GROUP BY tx_id HAVING count(*) > 1) x`.execute(h.database.db);
    t.ok(rows[0]!.n >= 10, `the sales that fit still shared transactions (${rows[0]!.n} of 20 did)`);
    t.equal((await stockOf(h, marketId, 'rice')).stock, 500 - 40, 'stock exact');
    t.equal((await pointsOf(h, poor.memberId)).balance, '1.00', 'the poor member was charged nothing');
    await h.assertLedger(t);
  });
}
