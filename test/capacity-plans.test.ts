import { sql } from 'kysely';
import t from 'tap';
import { migrator } from '../src/db/migrate.js';
import { verifyMarkets } from '../src/markets/verify.js';
import { engines, setup } from './helpers/harness.js';
import { clearOfMidnight, memberWithPoints, newMarket, newTerminal } from './helpers/market.js';
import { readBy } from './helpers/plans.js';

// A service's capacity counts everyone's sales of the item in the period (src/markets/lines.ts,
// checkLimits). The count must read the period's lines, not every line of the item ever sold: a
// service sold daily for a year has thousands, and each sale of it would read them all. Read by
// what the service's connections read (pg_stat_user_tables), with the tables analysed, after a
// history of sales in earlier days uploaded by a terminal that was offline, and of baskets held
// and voided (an open basket's lines count too).

const DAY = 24 * 3600_000;
const HISTORY = 400;
const BASKETS = 100;

if (engines.includes('postgres')) {
  t.test("a sale of a service with a daily capacity reads the day's sales, not the item's history", async (t) => {
    // Each case counts today's sales for well under a minute.
    await clearOfMidnight(60_000);
    // No sweeper of expired baskets: its look for them (a scan of this small table) is not the sales'.
    const h = await setup(t, 'postgres', { env: { HOLD_SWEEP_MS: '0' } });
    const { marketId, orgUnitId } = await newMarket(h, [
      { sku: 'repair', price: '1.00', kind: 'service', capacity: { quantity: 100_000, period: 'day' } },
      { sku: 'haircut', price: '1.00', kind: 'service', capacity: { quantity: 2, period: 'day' } },
    ]);
    const pos = await newTerminal(h, marketId);
    const members = await Promise.all(Array.from({ length: 8 }, () => memberWithPoints(h, orgUnitId, '1000.00')));
    // Sales of one to six days ago (each an earlier day in China time too), in batches as uploaded.
    const items = Array.from({ length: HISTORY }, (_, i) => ({
      idempotencyKey: `hist-${i}`,
      occurredAt: new Date(Date.now() - (1 + (i % 6)) * DAY - i * 1000).toISOString(),
      cardNo: members[i % members.length]!.cardNo,
      lines: [{ sku: 'repair', quantity: 1 }],
    }));
    for (let from = 0; from < HISTORY; from += 100) {
      const res = await h.request('POST', '/v1/redemptions:batch', { key: pos.key, body: { items: items.slice(from, from + 100) } });
      t.equal(res.body.accepted, 100, `history ${from}–${from + 99} uploaded`);
    }
    // And baskets of it held at the counter and voided: their lines count only while open.
    for (let i = 0; i < BASKETS; i++) {
      const held = await h.request('POST', '/v1/redemption-holds', { key: pos.key, headers: { 'idempotency-key': `basket-${i}` }, body: { cardNo: members[i % members.length]!.cardNo, lines: [{ sku: 'repair', quantity: 1 }] } });
      t.equal((await h.request('POST', `/v1/redemption-holds/${held.body.id}/void`, { key: pos.key, headers: { 'idempotency-key': `void-${i}` }, body: {} })).status, 200);
    }
    await sql`ANALYZE`.execute(h.database.db);

    const tables = ['redemptions', 'redemption_lines', 'baskets', 'basket_lines'];
    const sell = (m: { cardNo: string }, sku: string) =>
      h.request('POST', '/v1/redemptions', { key: pos.key, headers: { 'idempotency-key': `now-${sku}-${m.cardNo}` }, body: { cardNo: m.cardNo, lines: [{ sku, quantity: 1 }] } });
    const read = await readBy(h, tables, async () => {
      for (const m of members.slice(0, 4)) t.equal((await sell(m, 'repair')).status, 201, 'sold today');
    });
    for (const table of tables) {
      t.ok(read[table]! < 40, `${table}: ${read[table]} rows read for four sales, with ${HISTORY} earlier sales of the service and ${BASKETS} baskets`);
    }

    // The count is still everyone's in the day: two places a day, a third member is refused.
    t.equal((await sell(members[0]!, 'haircut')).status, 201, 'the first place today');
    t.equal((await sell(members[1]!, 'haircut')).status, 201, 'the second, by another member');
    const full = await sell(members[2]!, 'haircut');
    t.match(full, { status: 422, body: { code: 'capacity_exceeded', capacity: 2, available: 0 } }, 'a third member: the day is full');
    await h.assertLedger(t);
  });
}

if (engines.includes('postgres')) {
  t.test("0028 dates the lines of the sales made before it with their sale's time", async (t) => {
    // Each case counts today's sales for well under a minute.
    await clearOfMidnight(60_000);
    const h = await setup(t, 'postgres');
    const { marketId, orgUnitId } = await newMarket(h, [{ sku: 'repair', price: '1.00', kind: 'service', capacity: { quantity: 3, period: 'day' } }]);
    const pos = await newTerminal(h, marketId);
    const members = await Promise.all(Array.from({ length: 4 }, () => memberWithPoints(h, orgUnitId, '100.00')));
    const sell = (i: number) =>
      h.request('POST', '/v1/redemptions', { key: pos.key, headers: { 'idempotency-key': `today-${i}` }, body: { cardNo: members[i]!.cardNo, lines: [{ sku: 'repair', quantity: 1 }] } });
    for (const i of [0, 1]) t.equal((await sell(i)).status, 201, 'sold today, before 0028 is undone');
    const yesterday = Array.from({ length: 3 }, (_, i) => ({
      idempotencyKey: `yesterday-${i}`, occurredAt: new Date(Date.now() - 26 * 3600_000).toISOString(), cardNo: members[i]!.cardNo, lines: [{ sku: 'repair', quantity: 1 }],
    }));
    t.equal((await h.request('POST', '/v1/redemptions:batch', { key: pos.key, body: { items: yesterday } })).body.accepted, 3, "yesterday's three, uploaded");

    // Undone with the migrations after it, then done again with them.
    const down = await migrator(h.database.db).migrateTo('0027_balances_by_address');
    t.same(down.results?.at(-1), { migrationName: '0028_sale_lines_dated', direction: 'Down', status: 'Success' }, '0028 undone');
    const column = sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'redemption_lines' AND column_name = 'occurred_at'`;
    t.equal((await column.execute(h.database.db)).rows[0]!.n, 0, 'the lines have no time of their own');
    const up = await migrator(h.database.db).migrateToLatest();
    t.same(up.results?.[0], { migrationName: '0028_sale_lines_dated', direction: 'Up', status: 'Success' }, 'and done again, on the five sales');
    t.ok(up.results?.every((r) => r.status === 'Success'), 'with the migrations after it');
    const { rows } = await sql<{ lines: number; dated: number }>`SELECT count(*)::int AS lines, count(*) FILTER (WHERE l.occurred_at = r.occurred_at)::int AS dated
      FROM redemption_lines l JOIN redemptions r ON r.tenant_id = l.tenant_id AND r.redemption_id = l.redemption_id WHERE l.tenant_id = ${h.tenantId}`.execute(h.database.db);
    t.same(rows[0], { lines: 5, dated: 5 }, "every line has its sale's time");
    t.same(await verifyMarkets(h.database.db, h.tenantId), [], 'the markets verify');

    // Today's two count against the capacity of three; yesterday's three do not.
    t.equal((await sell(2)).status, 201, 'the third place today');
    t.match(await sell(3), { status: 422, body: { code: 'capacity_exceeded', capacity: 3, available: 0 } }, 'a fourth: the day is full');
    await h.assertLedger(t);
  });
}
