import crypto from 'node:crypto';
import { newIdNumber } from './fixtures.js';
import { type Harness, isProblem, refused as refusedWritingNothing, type Response, rowCounts as countRows, type Tap } from './harness.js';

// Fixtures for the service-record tests: a county (its own tenant, so settings and rules never
// leak between tests) with an org-unit tree, members with valid ID numbers, record bodies placed
// on China-time days, and the checks every refusal shares.

export const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
const CST = 8 * HOUR;

/** The China-time clock `hour:minute` on the day `daysAgo` days before today (China time). */
export function cst(daysAgo: number, hour: number, minute = 0): Date {
  const today = Math.floor((Date.now() + CST) / DAY) * DAY - CST;
  return new Date(today - daysAgo * DAY + hour * HOUR + minute * 60 * 1000);
}

export interface County {
  tenantId: string;
  key: string;
  /** The id of the admin key (what records show as submittedBy / verifiedBy). */
  keyId: string;
  /** A request as this county's admin (or as `key`). */
  req(method: string, url: string, body?: unknown, key?: string): Promise<Response>;
  /** The same, failing the test setup unless the answer has `status`; returns the body. */
  ok(method: string, url: string, body: unknown, status: number, key?: string): Promise<any>;
  balance(accountId: string): Promise<string>;
}

/**
 * A new tenant with center c → institute i → stations s1, s2, and point p1 under s1.
 */
export async function county(h: Harness): Promise<County> {
  const { tenantId, adminKey } = await h.newTenant();
  const req: County['req'] = (method, url, body, key) => h.request(method, url, { key: key ?? adminKey, ...(body === undefined ? {} : { body }) });
  const ok: County['ok'] = async (method, url, body, status, key) => {
    const res = await req(method, url, body, key);
    if (res.status !== status) throw new Error(`${method} ${url}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const units = [
    { id: 'c', kind: 'center', name: '县新时代文明实践中心' },
    { id: 'i', kind: 'institute', parentId: 'c', name: '城关镇实践所' },
    { id: 's1', kind: 'station', parentId: 'i', name: '东街社区实践站' },
    { id: 's2', kind: 'station', parentId: 'i', name: '西街社区实践站' },
    { id: 'p1', kind: 'point', parentId: 's1', name: '东街一号服务点' },
  ];
  for (const u of units) await ok('POST', '/v1/org-units', u, 201);
  const { keyId } = await ok('GET', '/v1/tenant', undefined, 200);
  return {
    tenantId,
    key: adminKey,
    keyId,
    req,
    ok,
    balance: async (accountId) => (await ok('GET', `/v1/accounts/${accountId}`, undefined, 200)).balance as string,
  };
}

/** Adds an org unit under `parentId` (kind one level below the parent's). */
export async function orgUnit(c: County, body: { id: string; kind: string; parentId: string; autoVerify?: boolean }): Promise<any> {
  return c.ok('POST', '/v1/org-units', { name: `单位 ${body.id}`, ...body }, 201);
}

/** Registers a member at `homeOrgUnitId` (s1 by default); returns GET /v1/members/{id}'s shape. */
export async function register(c: County, homeOrgUnitId = 's1'): Promise<any> {
  return c.ok('POST', '/v1/members', { name: '李志愿', idNumber: newIdNumber(), phone: '13812345678', homeOrgUnitId }, 201);
}

export interface RecordOptions {
  /** When the service started. */
  start: Date;
  /** Hours between start and end (defaults to the hours served). */
  span?: number;
  hours: string;
  orgUnitId?: string;
  category?: string;
  source?: 'checkin' | 'manual';
  externalId?: string;
  place?: string;
}

/** A POST /v1/service-records body. */
export function recordBody(memberId: string, o: RecordOptions) {
  const span = o.span ?? Number(o.hours);
  return {
    externalId: o.externalId ?? `ext-${crypto.randomUUID()}`,
    memberId,
    orgUnitId: o.orgUnitId ?? 's1',
    category: o.category ?? 'community',
    title: '社区志愿服务',
    source: o.source ?? 'manual',
    ...(o.place ? { place: o.place } : {}),
    startedAt: o.start.toISOString(),
    endedAt: new Date(o.start.getTime() + span * HOUR).toISOString(),
    hours: o.hours,
  };
}

/** Posts a record (201); returns the outcome {record, member, starChange, correction}. */
export async function submit(c: County, body: ReturnType<typeof recordBody>, key?: string): Promise<any> {
  return c.ok('POST', '/v1/service-records', body, 201, key);
}

/** Verifies a submitted record (200); returns the outcome. */
export async function verify(c: County, recordId: string, key?: string): Promise<any> {
  return c.ok('POST', `/v1/service-records/${recordId}/verification`, undefined, 200, key);
}

/** Posts and verifies a record; returns the verification's outcome. */
export async function verified(c: County, memberId: string, o: RecordOptions): Promise<any> {
  const posted = await submit(c, recordBody(memberId, o));
  return posted.record.status === 'verified' ? posted : verify(c, posted.record.id);
}

/** The tables a refused write must leave untouched. */
export const WRITTEN = ['service_records', 'service_record_events', 'ledger_entries', 'ledger_postings', 'star_changes'] as const;

export const rowCounts = (h: Harness) => countRows(h, WRITTEN);
export { isProblem };

/** Runs a write that must be refused with `code`, and proves it wrote nothing. */
export async function refused(
  t: Tap,
  h: Harness,
  what: string,
  call: () => Promise<Response>,
  status: number,
  code: string,
): Promise<Response> {
  return refusedWritingNothing(t, h, WRITTEN, call, status, code, what);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
