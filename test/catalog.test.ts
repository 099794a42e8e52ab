import { sql } from 'kysely';
import t from 'tap';
import { orgTree } from './helpers/fixtures.js';
import { engines, type Harness, isProblem, refused as refusedWritingNothing, type Response, setup, type Tap } from './helpers/harness.js';

// The catalogue of a love supermarket (爱心超市) and its stock, through the HTTP API: goods and
// services, the price history, restocks and corrections as append-only stock movements with the
// stock they left, stock never below zero (nor below what open baskets hold) however many write at
// once, roles, and tenant isolation. Every refusal is problem+json with its code and writes nothing.

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TABLES = ['catalog_items', 'catalog_prices', 'stock_movements', 'config_changes', 'idempotency_keys'];

const refused = (t: Tap, h: Harness, call: () => Promise<Response>, status: number, code: string, message = code) =>
  refusedWritingNothing(t, h, TABLES, call, status, code, message);

let n = 0;
const uniq = (p: string) => `${p}-${process.pid}-${++n}`;

/**
 * A market of the org unit. TODO(lead): swap for POST /v1/markets once the markets' routes land;
 * this branch has none, so the row is written as the markets' module would write it.
 */
async function newMarket(h: Harness, orgUnitId: string, tenantId = h.tenantId, marketId = uniq('m')): Promise<string> {
  await sql`INSERT INTO markets (tenant_id, market_id, org_unit_id, name) VALUES (${tenantId}, ${marketId}, ${orgUnitId}, '爱心超市')`.execute(h.database.db);
  return marketId;
}

async function keyIdOf(h: Harness, key: string): Promise<string> {
  return (await h.request('GET', '/v1/tenant', { key })).body.keyId as string;
}

const items = (m: string) => `/v1/markets/${m}/items`;
const item = (m: string, sku: string) => `/v1/markets/${m}/items/${sku}`;
const movements = (m: string, sku: string) => `/v1/markets/${m}/items/${sku}/stock-movements`;

async function created(h: Harness, marketId: string, body: Record<string, unknown>, key?: string): Promise<any> {
  const res = await h.request('POST', items(marketId), { body, key });
  if (res.status !== 201) throw new Error(`item ${String(body.sku)}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const goods = (sku: string, extra: Record<string, unknown> = {}) => ({ sku, name: '大米 5kg', kind: 'goods', price: '12.50', ...extra });

async function move(h: Harness, m: string, sku: string, body: Record<string, unknown>, opts: { key?: string; idem?: string } = {}) {
  return h.request('POST', movements(m, sku), { body, key: opts.key, headers: opts.idem ? { 'idempotency-key': opts.idem } : {} });
}

for (const engine of engines) {
  t.test(`catalogue and stock on ${engine}`, async (t) => {
    const h = await setup(t, engine, { poolSize: 24 });
    const tree = await orgTree(h, ['s1', 's2']);
    const market = await newMarket(h, tree.stations[0]!);
    const adminKeyId = await keyIdOf(h, h.adminKey);

    t.test('goods: created with its first price and its opening stock as a restock', async (t) => {
      const body = await created(h, market, goods('RICE-5KG', { stock: 10, limit: { quantity: 2, period: 'month' } }));
      t.match(body, {
        marketId: market, sku: 'RICE-5KG', name: '大米 5kg', kind: 'goods', price: '12.50', active: true,
        stock: 10, reserved: 0, available: 10, capacity: null, limit: { quantity: 2, period: 'month' },
      });
      t.match(body.id, /^[0-9a-f-]{36}$/);
      t.match(body.createdAt, TIME);
      const detail = (await h.request('GET', item(market, 'RICE-5KG'))).body;
      t.same(detail.prices.map((p: any) => [p.price, p.actor]), [['12.50', adminKeyId]], 'the first price, by the admin key');
      const list = (await h.request('GET', movements(market, 'RICE-5KG'))).body;
      t.match(list.items, [{ kind: 'restock', quantity: 10, stockAfter: 10, reason: 'initial stock', actor: adminKeyId, terminalId: null, itemId: body.id }]);
      t.equal(list.nextCursor, null);
      const change = await sql<{ action: string; subject_id: string; org_unit_id: string }>`SELECT action, subject_id, org_unit_id FROM config_changes
        WHERE tenant_id = ${h.tenantId} AND subject_type = 'catalogItem'`.execute(h.database.db);
      t.same(change.rows, [{ action: 'catalogItem.created', subject_id: body.id, org_unit_id: tree.stations[0] }], "recorded, under the market's org unit");
    });

    t.test('goods without stock start at 0 with no movement; a service has no stock', async (t) => {
      const empty = await created(h, market, goods('SOAP', { price: '3' }));
      t.match(empty, { stock: 0, available: 0, price: '3.00' });
      t.same((await h.request('GET', movements(market, 'SOAP'))).body.items, [], 'no movement for an empty opening stock');
      const haircut = await created(h, market, { sku: 'HAIRCUT', name: '理发', kind: 'service', price: '20', capacity: { quantity: 5, period: 'day' }, active: false });
      t.match(haircut, { kind: 'service', stock: null, available: null, reserved: 0, capacity: { quantity: 5, period: 'day' }, limit: null, active: false });
      t.same((await h.request('GET', movements(market, 'HAIRCUT'))).body.items, [], 'a service has no movements');
    });

    t.test('a sku is unique per market, not per tenant', async (t) => {
      await created(h, market, goods('DUP'));
      await refused(t, h, () => h.request('POST', items(market), { body: goods('DUP', { name: '另一个', stock: 3 }) }), 409, 'item_exists');
      const other = await newMarket(h, tree.stations[1]!);
      t.match(await created(h, other, goods('DUP')), { marketId: other, sku: 'DUP' }, 'the same sku in another market');
    });

    t.test('bad input: 400 or 422 with its code, nothing written', async (t) => {
      const cases: [string, unknown, string][] = [
        ['no sku', { name: 'x', kind: 'goods', price: '1' }, 'validation_failed'],
        ['sku with a space', goods('A B'), 'validation_failed'],
        ['sku too long', goods('A'.repeat(65)), 'validation_failed'],
        ['blank name', goods('BAD1', { name: '   ' }), 'validation_failed'],
        ['unknown kind', goods('BAD1', { kind: 'food' }), 'validation_failed'],
        ['price 0', goods('BAD1', { price: '0' }), 'amount_not_positive'],
        ['negative price', goods('BAD1', { price: '-1.00' }), 'amount_not_positive'],
        ['price with an exponent', goods('BAD1', { price: '1e3' }), 'invalid_amount'],
        ['three decimals', goods('BAD1', { price: '1.234' }), 'too_many_decimals'],
        ['price as a number', goods('BAD1', { price: 12 }), 'validation_failed'],
        ['negative stock', goods('BAD1', { stock: -1 }), 'validation_failed'],
        ['fractional stock', goods('BAD1', { stock: 1.5 }), 'validation_failed'],
        ['stock as text', goods('BAD1', { stock: '5' }), 'validation_failed'],
        ['a service with stock', { sku: 'BAD1', name: 'x', kind: 'service', price: '1', stock: 3 }, 'validation_failed'],
        ['goods with a capacity', goods('BAD1', { capacity: { quantity: 3, period: 'day' } }), 'validation_failed'],
        ['capacity per year', { sku: 'BAD1', name: 'x', kind: 'service', price: '1', capacity: { quantity: 3, period: 'year' } }, 'validation_failed'],
        ['limit per week', goods('BAD1', { limit: { quantity: 1, period: 'week' } }), 'validation_failed'],
        ['limit of 0', goods('BAD1', { limit: { quantity: 0, period: 'day' } }), 'validation_failed'],
        ['an unknown field', goods('BAD1', { colour: 'red' }), 'validation_failed'],
      ];
      for (const [name, body, code] of cases) await refused(t, h, () => h.request('POST', items(market), { body }), 400, code, name);
      await refused(t, h, () => h.request('POST', items('no-such-market'), { body: goods('BAD1') }), 404, 'market_not_found');
      const closed = await newMarket(h, tree.stations[1]!);
      await sql`UPDATE markets SET active = false WHERE tenant_id = ${h.tenantId} AND market_id = ${closed}`.execute(h.database.db);
      await refused(t, h, () => h.request('POST', items(closed), { body: goods('BAD1') }), 422, 'market_inactive');
      isProblem(t, await h.request('GET', item(market, 'BAD1')), 404, 'item_not_found', 'none of them was created');
      isProblem(t, await h.request('GET', item('no-such-market', 'BAD1')), 404, 'market_not_found');
      isProblem(t, await h.request('GET', items('no-such-market')), 404, 'market_not_found');
      isProblem(t, await h.request('GET', `${items(market)}?cursor=not-ours`), 400, 'invalid_cursor');
      isProblem(t, await h.request('GET', `${movements(market, 'RICE-5KG')}?cursor=bm9wZQ`), 400, 'invalid_cursor');
    });

    t.test('updates: the price history is kept, the stock is never touched', async (t) => {
      const first = await created(h, market, goods('OIL', { price: '30.00', stock: 4 }));
      const patch = (body: unknown) => h.request('PATCH', item(market, 'OIL'), { body });
      t.match((await patch({ price: '28.5' })).body, { price: '28.50', stock: 4 });
      t.match((await patch({ price: '32.00', name: '花生油 1L' })).body, { price: '32.00', name: '花生油 1L' });
      t.match((await patch({ price: '32' })).body, { price: '32.00' }, 'the same price again');
      const detail = (await h.request('GET', item(market, 'OIL'))).body;
      t.same(detail.prices.map((p: any) => p.price), ['32.00', '28.50', '30.00'], 'every price, newest first; the same price again is no change');
      t.ok(detail.prices.every((p: any) => TIME.test(p.validFrom) && p.actor === adminKeyId));
      t.ok(Date.parse(detail.updatedAt) >= Date.parse(first.updatedAt), 'updatedAt moves on');
      t.match((await patch({ active: false, limit: { quantity: 1, period: 'day' } })).body, { active: false, limit: { quantity: 1, period: 'day' } });
      t.match((await patch({ limit: null, active: true })).body, { active: true, limit: null }, 'null clears the limit');

      await refused(t, h, () => patch({ stock: 100 }), 400, 'validation_failed', 'the stock is not in the patch');
      await refused(t, h, () => patch({ price: '0.001' }), 400, 'too_many_decimals');
      await refused(t, h, () => patch({ name: '' }), 400, 'validation_failed');
      await refused(t, h, () => patch({ capacity: { quantity: 2, period: 'week' } }), 400, 'validation_failed', 'goods have no capacity');
      await refused(t, h, () => h.request('PATCH', item(market, 'NOPE'), { body: { name: 'x' } }), 404, 'item_not_found');
      await refused(t, h, () => h.request('PATCH', item('no-such-market', 'OIL'), { body: { name: 'x' } }), 404, 'market_not_found');

      await created(h, market, { sku: 'REPAIR', name: '家电维修', kind: 'service', price: '15', capacity: { quantity: 3, period: 'week' } });
      const cleared = await h.request('PATCH', item(market, 'REPAIR'), { body: { capacity: null } });
      t.match(cleared.body, { capacity: null }, "null clears a service's capacity");
      const changes = await sql<{ changes: unknown }>`SELECT changes FROM config_changes WHERE tenant_id = ${h.tenantId}
        AND action = 'catalogItem.updated' AND subject_id = ${first.id} ORDER BY change_no`.execute(h.database.db);
      t.same(changes.rows.map((r) => r.changes), [
        { price: '28.5' }, { price: '32.00', name: '花生油 1L' }, { price: '32' }, { active: false, limit: { quantity: 1, period: 'day' } }, { limit: null, active: true },
      ], 'each update is recorded with what it asked');
      t.match((await h.request('GET', item(market, 'OIL'))).body, { stock: 4 }, 'the stock is as it was');
    });

    t.test('the list: by sku, filtered, paged', async (t) => {
      const shop = await newMarket(h, tree.center);
      for (const sku of ['B', 'A', 'C', 'D']) await created(h, shop, goods(sku, { active: sku !== 'C' }));
      const all = (await h.request('GET', items(shop))).body;
      t.same(all.items.map((i: any) => i.sku), ['A', 'B', 'C', 'D']);
      t.same((await h.request('GET', `${items(shop)}?active=true`)).body.items.map((i: any) => i.sku), ['A', 'B', 'D']);
      t.same((await h.request('GET', `${items(shop)}?active=false`)).body.items.map((i: any) => i.sku), ['C']);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: Response = await h.request('GET', `${items(shop)}?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...res.body.items.map((i: any) => i.sku));
        cursor = res.body.nextCursor;
      } while (cursor);
      t.same(seen, ['A', 'B', 'C', 'D'], 'pages of 3 give each item once');
      isProblem(t, await h.request('GET', `${items(shop)}?active=yes`), 400, 'validation_failed');
    });

    t.test('restock and correction: movements with the stock they left', async (t) => {
      await created(h, market, goods('TEA', { stock: 2 }));
      const a = await move(h, market, 'TEA', { kind: 'restock', quantity: 5, reason: '到货' });
      t.equal(a.status, 201);
      t.match(a.body, { kind: 'restock', quantity: 5, stockAfter: 7, reason: '到货', actor: adminKeyId, redemptionId: null, refundId: null, marketId: market });
      t.match(a.body.at, TIME);
      const b = await move(h, market, 'TEA', { kind: 'correction', quantity: -3, reason: '盘点：破损 3 件' });
      t.match(b.body, { kind: 'correction', quantity: -3, stockAfter: 4 });
      const c = await move(h, market, 'TEA', { kind: 'correction', quantity: 1, reason: '盘点：多出 1 件' });
      t.match(c.body, { stockAfter: 5 });
      t.match((await h.request('GET', item(market, 'TEA'))).body, { stock: 5, available: 5 });

      const refusedMove = (body: unknown, status: number, code: string, sku = 'TEA', m = market) =>
        refused(t, h, () => h.request('POST', movements(m, sku), { body }), status, code, JSON.stringify(body));
      const stockNegative = await refusedMove({ kind: 'correction', quantity: -6, reason: '盘点' }, 422, 'stock_negative');
      t.match(stockNegative.body, { sku: 'TEA', stock: 5 }, 'says what the stock is');
      await refusedMove({ kind: 'restock', quantity: -1, reason: 'x' }, 400, 'validation_failed');
      await refusedMove({ kind: 'correction', quantity: 0, reason: 'x' }, 400, 'validation_failed');
      await refusedMove({ kind: 'correction', quantity: 1.5, reason: 'x' }, 400, 'validation_failed');
      await refusedMove({ kind: 'correction', quantity: 1 }, 400, 'validation_failed');
      await refusedMove({ kind: 'correction', quantity: 1, reason: '  ' }, 400, 'validation_failed');
      await refusedMove({ kind: 'correction', quantity: 1, reason: 'x'.repeat(501) }, 400, 'validation_failed');
      await refusedMove({ kind: 'sale', quantity: -1, reason: 'x' }, 400, 'validation_failed');
      await refusedMove({ kind: 'restock', quantity: 1, reason: 'x', stockAfter: 9 }, 400, 'validation_failed');
      await refusedMove({ kind: 'restock', quantity: 2_000_000_000, reason: 'x' }, 400, 'validation_failed');
      await refusedMove({ kind: 'restock', quantity: 1, reason: 'x' }, 422, 'not_goods', 'HAIRCUT');
      await refusedMove({ kind: 'restock', quantity: 1, reason: 'x' }, 404, 'item_not_found', 'NOPE');
      await refusedMove({ kind: 'restock', quantity: 1, reason: 'x' }, 404, 'market_not_found', 'TEA', 'no-such-market');

      // Open baskets hold 4 (TODO(lead): reserve them with a basket on hold once it exists).
      const itemId = a.body.itemId as string;
      await sql`UPDATE catalog_items SET reserved = 4 WHERE tenant_id = ${h.tenantId} AND item_id = ${itemId}`.execute(h.database.db);
      t.match((await h.request('GET', item(market, 'TEA'))).body, { stock: 5, reserved: 4, available: 1 });
      await refusedMove({ kind: 'correction', quantity: -2, reason: '盘点' }, 422, 'stock_negative');
      t.match((await move(h, market, 'TEA', { kind: 'correction', quantity: -1, reason: '盘点' })).body, { stockAfter: 4 }, 'down to what baskets hold');
      await sql`UPDATE catalog_items SET reserved = 0 WHERE tenant_id = ${h.tenantId} AND item_id = ${itemId}`.execute(h.database.db);

      const list = (await h.request('GET', movements(market, 'TEA'))).body.items;
      t.same(list.map((m: any) => [m.kind, m.quantity, m.stockAfter]), [['correction', -1, 4], ['correction', 1, 5], ['correction', -3, 4], ['restock', 5, 7], ['restock', 2, 2]], 'newest first');
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: Response = await h.request('GET', `${movements(market, 'TEA')}?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        t.equal(res.status, 200);
        seen.push(...res.body.items.map((m: any) => m.movementNo));
        cursor = res.body.nextCursor;
      } while (cursor);
      t.same(seen, list.map((m: any) => m.movementNo), 'pages of 2 give each movement once, in order');
      const err = await sql`UPDATE stock_movements SET quantity = 100`.execute(h.database.db).catch((e: unknown) => e);
      t.ok(err instanceof Error, 'stock movements are append-only in the database');
    });

    t.test('a stock movement with an Idempotency-Key happens once', async (t) => {
      await created(h, market, goods('SALT', { stock: 1 }));
      const body = { kind: 'restock', quantity: 3, reason: '到货' };
      const key = uniq('restock');
      const results = await Promise.all(Array.from({ length: 5 }, () => move(h, market, 'SALT', body, { idem: key })));
      t.same(results.map((r) => r.status), [201, 201, 201, 201, 201]);
      t.equal(new Set(results.map((r) => r.body.movementNo)).size, 1, 'one movement');
      t.equal(results.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 4, 'four replays');
      t.match((await h.request('GET', item(market, 'SALT'))).body, { stock: 4 });
      await refused(t, h, () => move(h, market, 'SALT', { ...body, quantity: 4 }, { idem: key }), 409, 'idempotency_conflict');
      await refused(t, h, () => move(h, market, 'TEA', body, { idem: key }), 409, 'idempotency_conflict', 'the same key on another item');
    });

    t.test('20 concurrent corrections of −1 on a stock of 5: exactly 5', async (t) => {
      await created(h, market, goods('EGGS', { stock: 5 }));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => move(h, market, 'EGGS', { kind: 'correction', quantity: -1, reason: `盘点 ${i}` }, { idem: uniq('eggs') })),
      );
      t.equal(results.filter((r) => r.status === 201).length, 5, '5 succeed');
      const others = results.filter((r) => r.status !== 201);
      t.equal(others.length, 15);
      t.ok(others.every((r) => r.status === 422 && r.body.code === 'stock_negative'), 'the rest: stock_negative');
      t.same(results.filter((r) => r.status === 201).map((r) => r.body.stockAfter).sort(), [0, 1, 2, 3, 4], 'each left a different stock');
      t.match((await h.request('GET', item(market, 'EGGS'))).body, { stock: 0, available: 0 });
      const sum = await sql<{ s: string; n: string }>`SELECT sum(m.quantity)::text AS s, count(*)::text AS n FROM stock_movements m
        JOIN catalog_items i ON i.tenant_id = m.tenant_id AND i.item_id = m.item_id WHERE i.sku = 'EGGS' AND i.market_id = ${market}`.execute(h.database.db);
      t.same(sum.rows[0], { s: '0', n: '6' }, 'the movements add up to the stock');
    });

    t.test('roles: pos keys read and move stock, auditors read, station keys nothing', async (t) => {
      const pos = await h.keyFor('pos');
      const auditor = await h.keyFor('auditor');
      const station = await h.keyFor('station');
      for (const key of [pos, auditor]) {
        t.equal((await h.request('GET', items(market), { key })).status, 200);
        t.equal((await h.request('GET', item(market, 'TEA'), { key })).status, 200);
        t.equal((await h.request('GET', movements(market, 'TEA'), { key })).status, 200);
      }
      const byPos = await move(h, market, 'TEA', { kind: 'restock', quantity: 2, reason: '补货' }, { key: pos });
      t.equal(byPos.status, 201);
      t.equal(byPos.body.actor, await keyIdOf(h, pos), "the pos key's id is the actor");
      await refused(t, h, () => move(h, market, 'TEA', { kind: 'restock', quantity: 2, reason: 'x' }, { key: auditor }), 403, 'forbidden');
      await refused(t, h, () => h.request('POST', items(market), { key: pos, body: goods('POS1') }), 403, 'forbidden');
      await refused(t, h, () => h.request('PATCH', item(market, 'TEA'), { key: pos, body: { price: '0.01' } }), 403, 'forbidden');
      for (const [method, url] of [['GET', items(market)], ['GET', item(market, 'TEA')], ['GET', movements(market, 'TEA')]] as const) {
        isProblem(t, await h.request(method, url, { key: station }), 403, 'forbidden', `station: ${method} ${url}`);
      }
    });

    t.test("tenant isolation: another tenant's admin finds no market of ours", async (t) => {
      const B = await h.newTenant();
      const calls: [string, string, unknown][] = [
        ['GET', items(market), undefined],
        ['POST', items(market), goods('B1')],
        ['GET', item(market, 'TEA'), undefined],
        ['PATCH', item(market, 'TEA'), { price: '0.01' }],
        ['POST', movements(market, 'TEA'), { kind: 'correction', quantity: -1, reason: 'x' }],
        ['GET', movements(market, 'TEA'), undefined],
      ];
      for (const [method, url, body] of calls) {
        await refused(t, h, () => h.request(method, url, { key: B.adminKey, body }), 404, 'market_not_found', `B: ${method} ${url}`);
      }
      // B's own market with the same id holds only B's items.
      await h.request('POST', '/v1/org-units', { key: B.adminKey, body: { id: 'bc', kind: 'center', name: 'B 中心' } });
      await newMarket(h, 'bc', B.tenantId, market);
      await created(h, market, goods('TEA', { name: 'B 的茶', stock: 1 }), B.adminKey);
      const bList = (await h.request('GET', items(market), { key: B.adminKey })).body.items;
      t.same(bList.map((i: any) => i.name), ['B 的茶'], 'B lists only its own item');
      t.match((await h.request('GET', item(market, 'TEA'))).body, { name: '大米 5kg', stock: 6 }, "A's item is unchanged");
      t.same((await h.request('GET', movements(market, 'TEA'), { key: B.adminKey })).body.items.length, 1, "B sees its item's one movement");
    });
  });
}
