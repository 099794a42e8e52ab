import t from 'tap';
import { engines, expectStatus as expect, isProblem, refused, setup, type Harness } from './helpers/harness.js';
import { clearOfMidnight, idem, memberWithPoints, newMarket, newTerminal } from './helpers/market.js';

// The periods of per-member limits (day, month, quarter, year) and of service capacity (day,
// week, month), enforced through the HTTP API on both engines: sell up to the limit, the next
// sale refused, and the refusal's resetsAt the first instant of the next period in China time
// (UTC+8, weeks from Monday), worked out here from the calendar (Intl, Asia/Shanghai) apart from
// src/markets/periods.ts. Sales dated (offline) at the last second of the previous period count
// in that period and not in this one; a sale dated at this period's first instant counts in it.

const DAY = 86_400_000;
const WINDOW_DAYS = 90; // the largest offlineSaleDays, so that the previous period can be reached
const TABLES = ['redemptions', 'redemption_lines', 'stock_movements', 'ledger_entries', 'ledger_postings'] as const;

type Civil = { y: number; m: number; d: number }; // m 1..12
const CN = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'numeric', day: 'numeric', weekday: 'short' });

/** Today's date in Beijing and its weekday (0 = Monday). */
function chinaToday(at: Date): Civil & { weekday: number } {
  const p = Object.fromEntries(CN.formatToParts(at).map((x) => [x.type, x.value]));
  return { y: Number(p.year), m: Number(p.month), d: Number(p.day), weekday: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(p.weekday!) };
}

/** Calendar arithmetic on a date (no time zone involved): y-m-(d + days), months added, normalised. */
function civil(y: number, m: number, d: number): Civil {
  const x = new Date(Date.UTC(y, m - 1, d));
  return { y: x.getUTCFullYear(), m: x.getUTCMonth() + 1, d: x.getUTCDate() };
}

/** Midnight of the date in Beijing, as the service writes it (RFC 3339, +08:00). */
const stamp = (c: Civil) => `${String(c.y).padStart(4, '0')}-${String(c.m).padStart(2, '0')}-${String(c.d).padStart(2, '0')}T00:00:00+08:00`;

/** The period of the kind that holds `at`: its first instant and the next period's, as China-time stamps. */
function chinaPeriod(kind: 'day' | 'week' | 'month' | 'quarter' | 'year', at: Date): { start: string; next: string } {
  const { y, m, d, weekday } = chinaToday(at);
  const q = m - ((m - 1) % 3);
  const [start, next] = {
    day: [civil(y, m, d), civil(y, m, d + 1)],
    week: [civil(y, m, d - weekday), civil(y, m, d - weekday + 7)],
    month: [civil(y, m, 1), civil(y, m + 1, 1)],
    quarter: [civil(y, q, 1), civil(y, q + 3, 1)],
    year: [civil(y, 1, 1), civil(y + 1, 1, 1)],
  }[kind];
  return { start: stamp(start!), next: stamp(next!) };
}

const sale = (h: Harness, key: string, cardNo: string, sku: string, quantity = 1) =>
  h.request('POST', '/v1/redemptions', { key, body: { cardNo, lines: [{ sku, quantity }] }, headers: idem() });

let offlineKeys = 0;
/** One offline sale (the batch route), dated `at`: its result. */
async function offline(h: Harness, key: string, at: Date, cardNo: string, sku: string, quantity = 1): Promise<any> {
  const item = { idempotencyKey: `off-${process.pid}-${++offlineKeys}`, occurredAt: at.toISOString(), cardNo, lines: [{ sku, quantity }] };
  const res = await expect(h.request('POST', '/v1/redemptions:batch', { key, body: { items: [item] } }), 200, 'batch');
  return res.results[0];
}

/** Whether an offline sale dated `at` is inside the window (a day's margin). */
const reachable = (at: Date) => at.getTime() > Date.now() - (WINDOW_DAYS - 1) * DAY;

for (const engine of engines) {
  t.test(`${engine}: per-member limits per day, month, quarter and year`, async (t) => {
    await clearOfMidnight(30_000);
    const h = await setup(t, engine);
    await expect(h.request('PATCH', '/v1/settings', { body: { offlineSaleDays: WINDOW_DAYS }, headers: idem() }), 200, 'offline window');
    const periods = ['day', 'month', 'quarter', 'year'] as const;
    const { marketId, orgUnitId } = await newMarket(h, periods.map((p) => ({ sku: `lim-${p}`, price: '1.00', stock: 1000, limit: { quantity: 2, period: p } })));
    const pos = await newTerminal(h, marketId);

    const weekly = { sku: 'lim-week', name: 'x', kind: 'goods', price: '1.00', stock: 10, limit: { quantity: 2, period: 'week' } };
    const weekRes = await refused(t, h, ['catalog_items'], () => h.request('POST', `/v1/markets/${marketId}/items`, { body: weekly }), 400, 'validation_failed', 'a limit per week is not offered');
    t.ok(weekRes.body.errors.some((e: any) => e.path.startsWith('limit.period')), 'the answer names limit.period');

    for (const period of periods) {
      const sku = `lim-${period}`;
      const m = await memberWithPoints(h, orgUnitId, '100.00');
      const other = await memberWithPoints(h, orgUnitId, '100.00');
      const { start, next } = chinaPeriod(period, new Date());
      const startAt = new Date(start);

      // The last second of the previous period: its own limit, which resets when this period starts.
      const lastSecond = new Date(startAt.getTime() - 1000);
      if (reachable(lastSecond)) {
        t.match(await offline(h, pos.key, lastSecond, m.cardNo, sku, 2), { status: 201 }, `${period}: 2 sold in the last second of the previous ${period}`);
        const over = await offline(h, pos.key, lastSecond, m.cardNo, sku, 1);
        t.match(over, { status: 422, problem: { code: 'limit_exceeded', limit: 2, used: 2, period } }, `${period}: a third in the previous ${period} is refused`);
        t.equal(over.problem.resetsAt, start, `${period}: the previous ${period}'s limit resets at ${start}`);
      } else {
        t.comment(`${period}: the previous ${period} (${lastSecond.toISOString()}) is older than the ${WINDOW_DAYS}-day offline window: not tried`);
      }

      // This period: the first instant counts in it (offline, if it is inside the window), then at the counter up to the limit.
      if (reachable(startAt)) {
        t.match(await offline(h, pos.key, startAt, m.cardNo, sku, 1), { status: 201 }, `${period}: one sold at ${start}, the first instant of this ${period}`);
      } else {
        t.equal((await sale(h, pos.key, m.cardNo, sku)).status, 201, `${period}: one sold`);
      }
      t.equal((await sale(h, pos.key, m.cardNo, sku)).status, 201, `${period}: the second sold: up to the limit`);
      const res = await refused(t, h, TABLES, () => sale(h, pos.key, m.cardNo, sku), 422, 'limit_exceeded', `${period}: the third`);
      t.match(res.body, { sku, limit: 2, used: 2, requested: 1, period }, `${period}: the refusal says the limit and what was used`);
      t.equal(res.body.resetsAt, next, `${period}: resetsAt is ${next}, the start of the next ${period} in China time`);
      t.equal((await sale(h, pos.key, other.cardNo, sku, 2)).status, 201, `${period}: the limit is per member: another member buys 2`);
    }
    await h.assertLedger(t);
  });

  t.test(`${engine}: service capacity per day, week and month`, async (t) => {
    await clearOfMidnight(30_000);
    const h = await setup(t, engine);
    await expect(h.request('PATCH', '/v1/settings', { body: { offlineSaleDays: WINDOW_DAYS }, headers: idem() }), 200, 'offline window');
    const periods = ['day', 'week', 'month'] as const;
    const { marketId, orgUnitId } = await newMarket(h, periods.map((p) => ({ sku: `cap-${p}`, price: '1.00', kind: 'service' as const, capacity: { quantity: 2, period: p } })));
    const pos = await newTerminal(h, marketId);
    const yearly = { sku: 'cap-year', name: 'x', kind: 'service', price: '1.00', capacity: { quantity: 2, period: 'year' } };
    await refused(t, h, ['catalog_items'], () => h.request('POST', `/v1/markets/${marketId}/items`, { body: yearly }), 400, 'validation_failed', 'a capacity per year is not offered');

    for (const period of periods) {
      const sku = `cap-${period}`;
      const [a, b, c] = [await memberWithPoints(h, orgUnitId, '100.00'), await memberWithPoints(h, orgUnitId, '100.00'), await memberWithPoints(h, orgUnitId, '100.00')];
      const { start, next } = chinaPeriod(period, new Date());
      const startAt = new Date(start);

      // The previous period filled up to its capacity: it takes nothing from this one.
      const lastSecond = new Date(startAt.getTime() - 1000);
      if (reachable(lastSecond)) {
        t.match(await offline(h, pos.key, lastSecond, a.cardNo, sku, 2), { status: 201 }, `${period}: the previous ${period} filled in its last second`);
        const full = await offline(h, pos.key, lastSecond, c.cardNo, sku, 1);
        t.match(full, { status: 422, problem: { code: 'capacity_exceeded', capacity: 2, available: 0, period } }, `${period}: the previous ${period} is full`);
        t.equal(full.problem.resetsAt, start, `${period}: the previous ${period}'s places come back at ${start}`);
      } else {
        t.comment(`${period}: the previous ${period} is older than the offline window: not tried`);
      }

      if (reachable(startAt)) {
        t.match(await offline(h, pos.key, startAt, a.cardNo, sku, 1), { status: 201 }, `${period}: one place taken at ${start}, the first instant of this ${period}`);
      } else {
        t.equal((await sale(h, pos.key, a.cardNo, sku)).status, 201, `${period}: one place taken`);
      }
      t.equal((await sale(h, pos.key, b.cardNo, sku)).status, 201, `${period}: the second place, by another member: up to the capacity`);
      const res = await refused(t, h, TABLES, () => sale(h, pos.key, c.cardNo, sku), 422, 'capacity_exceeded', `${period}: a third member`);
      t.match(res.body, { sku, capacity: 2, available: 0, requested: 1, period }, `${period}: the refusal says the capacity and what is left`);
      t.equal(res.body.resetsAt, next, `${period}: resetsAt is ${next}, the start of the next ${period} in China time`);
    }
    isProblem(t, await sale(h, pos.key, (await memberWithPoints(h, orgUnitId, '10.00')).cardNo, 'cap-day', 3), 422, 'capacity_exceeded', 'more than the capacity at once');
    await h.assertLedger(t);
  });
}
