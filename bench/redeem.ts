import crypto from 'node:crypto';
import { type County, call, pool } from './seed.js';

// The love supermarket the redeem scenarios sell at (issue 19), set up through the API as a
// county would: one market of the first station, its catalogue of goods, 20 terminals each with
// its own pos key, and members given points to spend. Plus the sale bodies the load sends.

export const MARKET = {
  id: 'bench-market',
  /**
   * Markets the terminals are spread over (round robin). One: every sale takes the same market's
   * next receipt number. BENCH_MARKETS=n, a diagnostic: how much that one counter costs.
   */
  markets: Math.max(1, Number(process.env.BENCH_MARKETS ?? 1) || 1),
  items: 50,
  /** Large enough that no run empties an item: a 3-line basket takes 3 units. */
  stock: 100_000_000,
  terminals: 20,
  /** Members who buy: a sale locks its member's points row, so the load is spread over many. */
  buyers: 2_000,
  /** Points each buyer is granted; a basket costs 3.00, so no run exhausts a member. */
  grant: '1000000.00',
  linesPerBasket: 3,
} as const;

export interface Market {
  marketId: string;
  /** The pos key of each terminal. */
  terminalKeys: string[];
  skus: string[];
  /** redeem-hot's popular item: in every basket. */
  hotSku: string;
  /** The members with points, who buy. */
  buyers: string[];
}

/** What the load client needs to build sales: the terminals' keys, the catalogue, the buyers. */
export interface SaleLoad {
  terminalKeys: string[];
  skus: string[];
  /** Set: every basket holds this item plus linesPerBasket − 1 others; null: all lines random. */
  hotSku: string | null;
}

async function must(baseUrl: string, key: string, method: string, url: string, body: unknown, status = 201): Promise<any> {
  const answer = await call(baseUrl, key, method, url, body);
  if (answer.status !== status) throw new Error(`${method} ${url}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

export async function setUpMarket(baseUrl: string, county: County, concurrency: number): Promise<Market> {
  const admin = county.adminKey;
  const orgUnitId = county.stations[0]!;
  const marketIds = Array.from({ length: MARKET.markets }, (_, m) => (m === 0 ? MARKET.id : `${MARKET.id}-${m + 1}`));
  const skus = Array.from({ length: MARKET.items }, (_, i) => `item-${String(i + 1).padStart(2, '0')}`);
  for (const [m, marketId] of marketIds.entries()) {
    await must(baseUrl, admin, 'POST', '/v1/markets', { id: marketId, orgUnitId: county.stations[m % county.stations.length], name: `基准爱心超市 ${m + 1}` });
    await pool(skus.length, concurrency, async (i) => {
      await must(baseUrl, admin, 'POST', `/v1/markets/${marketId}/items`, { sku: skus[i], name: `商品 ${skus[i]}`, kind: 'goods', price: '1.00', stock: MARKET.stock });
    });
  }
  const terminalKeys = new Array<string>(MARKET.terminals);
  for (let i = 0; i < MARKET.terminals; i++) {
    const id = `till-${String(i + 1).padStart(2, '0')}`;
    const marketId = marketIds[i % marketIds.length]!;
    terminalKeys[i] = (await must(baseUrl, admin, 'POST', `/v1/markets/${marketId}/terminals`, { id, name: `收银台 ${id}` })).key.key as string;
  }
  if (county.members.length < MARKET.buyers) throw new Error(`the county has ${county.members.length} members, the market needs ${MARKET.buyers} buyers`);
  // Every fifth member: both the ones registered through the API and the ones loaded in bulk buy.
  const step = Math.max(1, Math.floor(county.members.length / MARKET.buyers));
  const buyers = Array.from({ length: MARKET.buyers }, (_, i) => county.members[i * step]!);
  await pool(buyers.length, concurrency, async (i) => {
    await must(baseUrl, admin, 'POST', '/v1/entries', {
      reason: 'bench: points to spend at the love supermarket',
      postings: [
        { accountId: `issuance:${orgUnitId}:points`, unit: 'POINTS', direction: 'debit', amount: MARKET.grant },
        { accountId: `member:${buyers[i]}:points`, unit: 'POINTS', direction: 'credit', amount: MARKET.grant },
      ],
    });
  });
  return { marketId: MARKET.id, terminalKeys, skus, hotSku: skus[0]!, buyers };
}

/** One sale's body: a random buyer, MARKET.linesPerBasket distinct items of quantity 1. */
export function saleBody(buyers: readonly string[], load: SaleLoad): string {
  const pick = new Set<string>(load.hotSku ? [load.hotSku] : []);
  while (pick.size < MARKET.linesPerBasket) pick.add(load.skus[crypto.randomInt(load.skus.length)]!);
  return JSON.stringify({ memberId: buyers[crypto.randomInt(buyers.length)], lines: [...pick].map((sku) => ({ sku, quantity: 1 })) });
}
