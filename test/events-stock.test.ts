import { sql } from 'kysely';
import t from 'tap';
import { engines, type Harness, setup } from './helpers/harness.js';
import { idem, memberWithPoints, newMarket, newTerminal } from './helpers/market.js';

// Stock movements in the event feed (GET /v1/events): a restock, a sale and a refund of a love
// supermarket each appear once, in the order of the transactions that wrote them, with their
// movement as GET …/stock-movements shows it (and the item's sku); a sale's movements come in the
// sale's transaction, after its entry. Read in pages of every size, and from every cursor.

type Event = { id: string; cursor: string; kind: string; type: string; txId: string; at: string; actor: string | null; entry: any; stockMovement: any; config: any };

/** The whole feed as `key` sees it now, `limit` at a time, from `after`. */
async function readAll(h: Harness, key: string, limit: number, after?: string): Promise<Event[]> {
  const events: Event[] = [];
  let cursor = after;
  for (;;) {
    const res = await h.request('GET', `/v1/events?limit=${limit}${cursor ? `&after=${cursor}` : ''}`, { key });
    if (res.status !== 200) throw new Error(`feed: ${res.status} ${JSON.stringify(res.body)}`);
    events.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (!res.body.hasMore) return events;
  }
}

for (const engine of engines) {
  t.test(`stock movements in the event feed on ${engine}`, async (t) => {
    const h = await setup(t, engine, { env: { HOLD_SWEEP_MS: '0' } });
    const { marketId, orgUnitId } = await newMarket(h, [
      { sku: 'rice', price: '10.00', stock: 10 },
      { sku: 'oil', price: '5.00', stock: 4 },
      { sku: 'haircut', price: '8.00', kind: 'service' },
    ]);
    const pos = await newTerminal(h, marketId, 'till-1');
    const m = await memberWithPoints(h, orgUnitId, '100.00');
    const ok = async (key: string, url: string, body: unknown, status: number) => {
      const res = await h.request('POST', url, { key, body, headers: idem() });
      t.equal(res.status, status, `POST ${url}`);
      return res.body;
    };

    const restock = await ok(h.adminKey, `/v1/markets/${marketId}/items/oil/stock-movements`, { kind: 'restock', quantity: 6, reason: '进货' }, 201);
    const sale = await ok(pos.key, '/v1/redemptions', { cardNo: m.cardNo, lines: [{ sku: 'rice', quantity: 3 }, { sku: 'oil', quantity: 2 }, { sku: 'haircut', quantity: 1 }] }, 201);
    const refund = await ok(pos.key, `/v1/redemptions/${sale.redemptionId}/refunds`, { lines: [{ line: 1, quantity: 1 }], reason: '破损' }, 201);

    const all = await readAll(h, h.adminKey, 100);
    const stock = all.filter((e) => e.kind === 'stockMovement');
    const { rows } = await sql<{ no: string; tx: string }>`SELECT movement_no::text AS no, tx_id::text AS tx FROM stock_movements
      WHERE tenant_id = ${h.tenantId} ORDER BY movement_no`.execute(h.database.db);

    t.test('each movement once, in the order of its transaction', async (t) => {
      t.equal(new Set(all.map((e) => e.id)).size, all.length, 'no event twice');
      t.same(stock.map((e) => e.id), rows.map((r) => `stockMovement:${r.no}`), 'every movement of the tenant, once, in the order they were made');
      t.same(stock.map((e) => e.txId), rows.map((r) => r.tx), 'each in the transaction that wrote it');
      t.same(
        stock.slice(0, 3).map((e) => [e.type, e.stockMovement.sku, e.stockMovement.quantity, e.stockMovement.stockAfter]),
        [['stockMovement.restock', 'rice', 10, 10], ['stockMovement.restock', 'oil', 4, 4], ['stockMovement.restock', 'oil', 6, 10]],
        'the opening stocks, then the restock',
      );
      t.same(
        stock.slice(3).map((e) => [e.type, e.stockMovement.sku, e.stockMovement.quantity, e.stockMovement.stockAfter]).sort(),
        [['stockMovement.sale', 'oil', -2, 8], ['stockMovement.sale', 'rice', -3, 7], ['stockMovement.refund', 'rice', 1, 8]].sort(),
        'the sale takes each goods line (not the service), the refund gives the rice back',
      );
      t.same(stock.slice(3).map((e) => e.type), ['stockMovement.sale', 'stockMovement.sale', 'stockMovement.refund'], 'the sale, then the refund');
      const positions = new Map(
        (await sql<{ tx: string; position: string }>`SELECT tx_id::text AS tx, position::text AS position FROM feed_transactions
          WHERE tenant_id = ${h.tenantId}`.execute(h.database.db)).rows.map((r) => [r.tx, BigInt(r.position)]),
      );
      const placed = all.map((e) => positions.get(e.txId));
      t.ok(placed.every((p, i) => p !== undefined && (i === 0 || p >= placed[i - 1]!)), 'the whole feed by the position of the transactions');
    });

    t.test('a sale and a refund: their movements after their entry, in the same transaction', async (t) => {
      for (const [receipt, kind] of [[sale, 'sale'], [refund, 'refund']] as const) {
        const entry = all.findIndex((e) => e.kind === 'entry' && e.entry.id === receipt.entryId);
        t.ok(entry >= 0, `the ${kind}'s entry is in the feed`);
        const moves = stock.filter((e) => e.stockMovement.kind === kind);
        t.ok(moves.length > 0);
        for (const e of moves) {
          t.equal(e.txId, all[entry]!.txId, `${e.id}: the ${kind}'s transaction`);
          t.ok(all.indexOf(e) > entry, `${e.id}: after the entry`);
          t.match(e.stockMovement, { marketId, terminalId: 'till-1', redemptionId: sale.redemptionId, refundId: kind === 'refund' ? refund.refundId : null });
          t.equal(e.actor, e.stockMovement.actor, 'the actor is the pos key');
        }
      }
      const created = all.find((e) => e.kind === 'config' && e.type === 'catalogItem.created' && e.config.data.sku === 'rice');
      const opening = stock[0]!;
      t.equal(opening.txId, created?.txId, "an item's opening stock is written with the item");
      t.ok(all.indexOf(opening) > all.indexOf(created!), 'after its configuration change');
      t.match(stock[2]!.stockMovement, { kind: 'restock', reason: '进货', terminalId: null, redemptionId: null, refundId: null, movementNo: restock.movementNo });
    });

    t.test('the payload is the movement as the item shows it, with the sku', async (t) => {
      for (const sku of ['rice', 'oil']) {
        const listed = await h.request('GET', `/v1/markets/${marketId}/items/${sku}/stock-movements?limit=100`);
        t.equal(listed.status, 200);
        const mine = stock.filter((e) => e.stockMovement.sku === sku).reverse();
        t.same(mine.map(({ stockMovement: { sku: _s, ...rest } }) => rest), listed.body.items, `${sku}: each movement, newest first, as listed`);
        for (const e of mine) t.equal(e.at, e.stockMovement.at, `${e.id}: at is the movement's`);
      }
      t.equal(stock.filter((e) => e.stockMovement.sku === 'haircut').length, 0, 'a service moves no stock');
      for (const e of all) t.equal(e.stockMovement === null, e.kind !== 'stockMovement', `${e.id}: stockMovement set only on its kind`);
    });

    t.test('exactly once across pages of any size and from any cursor', async (t) => {
      for (const limit of [1, 2, 3, 7]) t.same((await readAll(h, h.adminKey, limit)).map((e) => e.id), all.map((e) => e.id), `pages of ${limit}`);
      for (const e of stock) {
        const rest = await readAll(h, h.adminKey, 2, e.cursor);
        t.same(rest.map((x) => x.id), all.slice(all.indexOf(e) + 1).map((x) => x.id), `after ${e.id}: the rest, once`);
      }
      t.same(await readAll(h, h.adminKey, 5), all, 'read again: the same events, byte for byte');
    });

    t.test('a station key sees no stock movement; an auditor sees them all', async (t) => {
      const station = await h.request('POST', '/v1/api-keys', { body: { name: 'station', role: 'station', orgUnitId } });
      t.equal(station.status, 201);
      const seen = await readAll(h, station.body.key, 50);
      t.equal(seen.filter((e) => e.kind === 'stockMovement').length, 0, 'the station sees none');
      const auditor = await h.keyFor('auditor');
      t.same((await readAll(h, auditor, 50)).filter((e) => e.kind === 'stockMovement').map((e) => e.id), stock.map((e) => e.id));
    });
  });
}
