import crypto from 'node:crypto';
import { sql } from 'kysely';
import { expectStatus as expect, type Harness } from './harness.js';
import { newMember, orgTree } from './fixtures.js';
import { cst } from './hours.js';

// Love-supermarket fixtures: a market under an org unit, its items, terminals with their keys,
// members with points to spend.

export interface ItemSpec {
  sku: string;
  price: string;
  kind?: 'goods' | 'service';
  stock?: number;
  limit?: { quantity: number; period: 'day' | 'month' | 'quarter' | 'year' };
  capacity?: { quantity: number; period: 'day' | 'week' | 'month' };
}

/** A market (with its points account) under a fresh org tree, and its items. */
export async function newMarket(h: Harness, items: ItemSpec[] = [], opts: { id?: string } = {}) {
  const prefix = `m${crypto.randomBytes(2).toString('hex')}-`;
  const tree = await orgTree(h, ['s1'], { prefix });
  const marketId = opts.id ?? `${prefix}market`;
  await expect(h.request('POST', '/v1/markets', { body: { id: marketId, orgUnitId: tree.stations[0], name: '爱心超市' } }), 201, 'market');
  for (const item of items) await newItem(h, marketId, item);
  return { marketId, orgUnitId: tree.stations[0]!, tree };
}

export async function newItem(h: Harness, marketId: string, item: ItemSpec) {
  const body = {
    sku: item.sku,
    name: `商品 ${item.sku}`,
    kind: item.kind ?? 'goods',
    price: item.price,
    ...((item.kind ?? 'goods') === 'goods' ? { stock: item.stock ?? 1000 } : {}),
    ...(item.limit ? { limit: item.limit } : {}),
    ...(item.capacity ? { capacity: item.capacity } : {}),
  };
  return expect(h.request('POST', `/v1/markets/${marketId}/items`, { body }), 201, `item ${item.sku}`);
}

/** A terminal of the market and its own pos key. */
export async function newTerminal(h: Harness, marketId: string, id = `t${crypto.randomBytes(3).toString('hex')}`): Promise<{ terminalId: string; key: string }> {
  const res = await expect(h.request('POST', `/v1/markets/${marketId}/terminals`, { body: { id, name: `收银台 ${id}` } }), 201, 'terminal');
  return { terminalId: id, key: res.key.key as string };
}

/** A member of the org unit with `points` to spend (granted from the unit's issuance account) and a card. */
export async function memberWithPoints(h: Harness, orgUnitId: string, points: string): Promise<{ memberId: string; cardNo: string }> {
  const cardNo = `C${crypto.randomBytes(5).toString('hex')}`;
  const member = await newMember(h, orgUnitId, { cards: [cardNo] });
  if (points !== '0') {
    await expect(
      h.request('POST', '/v1/entries', {
        body: {
          reason: 'grant',
          postings: [
            { accountId: `issuance:${orgUnitId}:points`, unit: 'POINTS', direction: 'debit', amount: points },
            { accountId: `member:${member.id}:points`, unit: 'POINTS', direction: 'credit', amount: points },
          ],
        },
      }),
      201,
      'grant',
    );
  }
  return { memberId: member.id as string, cardNo };
}

let keys = 0;
/** A fresh Idempotency-Key. */
export const idem = () => ({ 'idempotency-key': `k-${process.pid}-${++keys}-${crypto.randomBytes(4).toString('hex')}` });

/** The item's stock and reserved as the database holds them. */
export async function stockOf(h: Harness, marketId: string, sku: string): Promise<{ stock: number | null; reserved: number }> {
  const { rows } = await sql<{ stock: number | null; reserved: number }>`SELECT stock, reserved FROM catalog_items
    WHERE tenant_id = ${h.tenantId} AND market_id = ${marketId} AND sku = ${sku}`.execute(h.database.db);
  return rows[0]!;
}

/** The member's points (balance, held, available) as the API answers them. */
export async function pointsOf(h: Harness, memberId: string): Promise<{ balance: string; held: string; available: string }> {
  const res = await expect(h.request('GET', `/v1/accounts/member:${memberId}:points`), 200, 'account');
  return { balance: res.balance, held: res.held, available: res.available };
}

/**
 * When Beijing midnight (16:00 UTC; China keeps no summer time) is less than `margin` ms away,
 * waits until just after it: every sale of a test that runs within `margin` then falls in the
 * China day it expects.
 */
export async function clearOfMidnight(margin: number): Promise<void> {
  const left = cst(-1, 0).getTime() - Date.now();
  if (left < margin) await new Promise((r) => setTimeout(r, left + 1000));
}
