import crypto from 'node:crypto';
import { sql } from 'kysely';
import { expireLots } from '../../src/ledger/index.js';
import { Signer } from '../../src/integrity/keys.js';
import { sealTenants } from '../../src/integrity/seal.js';
import { newIdNumber } from './fixtures.js';
import type { Harness } from './harness.js';
import { cst, HOUR, recordBody } from './hours.js';

// A small county for the participation-report tests (test/reports.test.ts, test/report-page.test.ts):
// center c (its own members and records) → institutes i1 (population set) and i2 → stations
// s1, s2 (i1) and s3 (i2) → point p1 (s1). Records from check-in and entered by staff, in three
// categories, over a month; ratings with a bonus; one record revoked; redemptions and a refund at
// markets of s1 and s3; points that expire. The service does not seal (SEAL_MS=0): `seal` does,
// as the service's job would, so a test decides what the snapshot holds.

export const UNITS = [
  { id: 'c', kind: 'center', name: '县新时代文明实践中心' },
  { id: 'i1', kind: 'institute', parentId: 'c', name: '城关镇实践所', population: 5000 },
  { id: 'i2', kind: 'institute', parentId: 'c', name: '河口镇实践所' },
  { id: 's1', kind: 'station', parentId: 'i1', name: '东街社区实践站' },
  { id: 's2', kind: 'station', parentId: 'i1', name: '西街社区实践站' },
  { id: 's3', kind: 'station', parentId: 'i2', name: '河口村实践站' },
  { id: 'p1', kind: 'point', parentId: 's1', name: '东街一号服务点' },
] as const;

/** The ids of a unit and every unit under it. */
export function subtreeOf(id: string): string[] {
  const below = UNITS.filter((u) => 'parentId' in u && u.parentId === id).flatMap((u) => subtreeOf(u.id));
  return [id, ...below];
}

export const ENV = { SEAL_MS: '0', EXPIRY_MS: '0', HOLD_SWEEP_MS: '0', FEED_SEQUENCE_MS: '0' };
const signer = new Signer('report-test-signing-secret-0123456789');

export async function seal(h: Harness): Promise<void> {
  await sealTenants(h.database.db, signer, { tenantId: h.tenantId, waitMs: 0 });
}

async function ok(h: Harness, method: string, url: string, body: unknown, status = 201, key?: string): Promise<any> {
  const headers: Record<string, string> = method === 'GET' ? {} : { 'idempotency-key': `report-${crypto.randomUUID()}` };
  const res = await h.request(method, url, { headers, ...(body === undefined ? {} : { body }), ...(key ? { key } : {}) });
  if (res.status !== status) throw new Error(`${method} ${url}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const CATEGORIES = ['community', 'elderly', 'environment'];

export interface ReportCounty {
  /** A station key of s1 (may read s1 and p1). */
  s1Key: string;
  records: string[];
  /** China-time days of the report period: from 40 days ago to 80 days ahead (the expiry lands there). */
  from: string;
  to: string;
}

const day = (d: Date) => new Date(d.getTime() + 8 * HOUR).toISOString().slice(0, 10);

export async function buildCounty(h: Harness): Promise<ReportCounty> {
  for (const u of UNITS) await ok(h, 'POST', '/v1/org-units', u);
  // Points for check-in hours only (manual hours still count as hours), a bonus for 5 stars.
  await ok(h, 'POST', '/v1/points-rules', { pointsPerHour: '10', dailyCapHours: '12', backdatingDays: 30, ratingBonus: { '5': '3' }, pointSources: ['checkin'] });
  await ok(h, 'PATCH', '/v1/settings', { pointsExpiry: { policy: 'monthsAfter', months: 1 }, yearlyGoalHours: '20' }, 200);
  const homes = ['s1', 's1', 's1', 's2', 's2', 'p1', 's3', 's3', 'c', 'i2'];
  const members: { id: string; home: string }[] = [];
  for (const home of homes) {
    const m = await ok(h, 'POST', '/v1/members', { name: '志愿者', idNumber: newIdNumber(), phone: '13812345678', homeOrgUnitId: home });
    members.push({ id: m.id, home });
  }
  const records: string[] = [];
  // Each member serves at home and once elsewhere; never two records of one member on one day.
  let n = 0;
  for (const [k, m] of members.entries()) {
    const places = [m.home, ['s2', 's3', 'p1', 'c', 'i1'][k % 5]!];
    for (const [j, orgUnitId] of places.entries()) {
      n++;
      const hours = String(1 + ((k * 3 + j * 5) % 6));
      const body = recordBody(m.id, {
        start: cst(2 + ((k * 2 + j * 11) % 26), 9),
        hours,
        orgUnitId,
        category: CATEGORIES[n % 3]!,
        source: n % 3 === 0 ? 'manual' : 'checkin',
      });
      const posted = await ok(h, 'POST', '/v1/service-records', body);
      const rec = posted.record.status === 'verified' ? posted.record : (await ok(h, 'POST', `/v1/service-records/${posted.record.id}/verification`, undefined, 200)).record;
      records.push(rec.id);
    }
  }
  for (const id of [records[0], records[4], records[9]]) await ok(h, 'POST', `/v1/service-records/${id}/rating`, { stars: 5 }, 200);
  await ok(h, 'POST', `/v1/service-records/${records[7]}/revocation`, { reason: '记录有误' }, 200);

  // Markets at s1 and s3: redemptions by members with points, one refunded in part.
  for (const [marketId, orgUnitId] of [['m1', 's1'], ['m3', 's3']]) {
    await ok(h, 'POST', '/v1/markets', { id: marketId, orgUnitId, name: `爱心超市 ${orgUnitId}` });
    await ok(h, 'POST', `/v1/markets/${marketId}/items`, { sku: 'rice', name: '大米', kind: 'goods', price: '5', stock: 100 });
  }
  const points = async (id: string) => (await ok(h, 'GET', `/v1/accounts/member:${id}:points`, undefined, 200)).available as string;
  const sales: { receipt: any; marketId: string }[] = [];
  for (const [k, m] of members.entries()) {
    const marketId = k % 2 === 0 ? 'm1' : 'm3';
    const quantity = Math.min(2, Math.floor(Number(await points(m.id)) / 5));
    if (quantity < 1) continue;
    sales.push({ receipt: await ok(h, 'POST', '/v1/redemptions', { marketId, memberId: m.id, lines: [{ sku: 'rice', quantity }] }), marketId });
  }
  await ok(h, 'POST', `/v1/redemptions/${sales[0]!.receipt.redemptionId}/refunds`, { reason: '退货', lines: [{ line: 1, quantity: 1 }] });
  await ok(h, 'POST', `/v1/redemptions/${sales[1]!.receipt.redemptionId}/refunds`, { reason: '退货', lines: [{ line: 1, quantity: 1 }] });

  // The points left lapse a month after they were earned: move the ledger's clock past that and
  // run the expiry as the service's job would.
  const later = new Date(Date.now() + 70 * 24 * HOUR);
  await sql`INSERT INTO ledger_clock (one, offset_by) VALUES (true, ${later.toISOString()}::timestamptz - clock_timestamp())
    ON CONFLICT (one) DO UPDATE SET offset_by = EXCLUDED.offset_by`.execute(h.database.db);
  const run = await expireLots(h.database.db, { tenantId: h.tenantId, until: later });
  if (run.entries === 0) throw new Error('the fixture expected points to expire');
  await sql`DELETE FROM ledger_clock`.execute(h.database.db);

  const s1Key = (await ok(h, 'POST', '/v1/api-keys', { name: 's1 app', role: 'station', orgUnitId: 's1' })).key as string;
  await seal(h);
  return { s1Key, records, from: day(new Date(Date.now() - 40 * 24 * HOUR)), to: day(new Date(Date.now() + 80 * 24 * HOUR)) };
}
