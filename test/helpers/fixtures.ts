import crypto from 'node:crypto';
import { expectStatus as expect, type Harness } from './harness.js';

// Domain fixtures for tests that need org units, members and service records through the API.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** A valid GB 11643 ID number from 17 digits (the check digit is computed here). */
export function withCheckDigit(first17: string): string {
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(first17[i]), 0);
  return first17 + '10X98765432'[sum % 11];
}

let idCounter = crypto.randomInt(0, 1_000_000);

/** A fresh valid ID number: a real region prefix, a real birth date, a running sequence. */
export function newIdNumber(): string {
  const n = idCounter++;
  const year = 1950 + (Math.floor(n / 999) % 50);
  const day = 1 + (Math.floor(n / (999 * 50)) % 28);
  return withCheckDigit(`430102${year}03${String(day).padStart(2, '0')}${String((n % 999) + 1).padStart(3, '0')}`);
}

/** center → institute → the given stations; returns the ids. */
export async function orgTree(h: Harness, stations: string[] = ['s1'], opts: { key?: string; prefix?: string } = {}) {
  const p = opts.prefix ?? '';
  const create = (body: Record<string, unknown>) =>
    expect(h.request('POST', '/v1/org-units', { key: opts.key, body }), 201, `org unit ${String(body.id)}`);
  await create({ id: `${p}c`, kind: 'center', name: '县中心' });
  await create({ id: `${p}i`, kind: 'institute', parentId: `${p}c`, name: '实践所' });
  for (const s of stations) await create({ id: `${p}${s}`, kind: 'station', parentId: `${p}i`, name: `实践站 ${s}` });
  return { center: `${p}c`, institute: `${p}i`, stations: stations.map((s) => `${p}${s}`) };
}

export async function newMember(h: Harness, homeOrgUnitId: string, opts: { key?: string; cards?: string[] } = {}): Promise<any> {
  const body = { name: '志愿者', idNumber: newIdNumber(), phone: '13800001234', homeOrgUnitId, ...(opts.cards ? { cards: opts.cards } : {}) };
  return expect(h.request('POST', '/v1/members', { key: opts.key, body }), 201, 'member');
}

const HOUR = 3600 * 1000;

/** A record body: `hours` of service ending `endedHoursAgo` before now, lasting `span` hours. */
export function recordBody(
  memberId: string,
  orgUnitId: string,
  o: { hours?: string; endedHoursAgo?: number; span?: number; externalId?: string; category?: string; source?: string } = {},
) {
  const end = Date.now() - (o.endedHoursAgo ?? 1) * HOUR;
  const span = o.span ?? Number(o.hours ?? '2');
  return {
    externalId: o.externalId ?? `ext-${crypto.randomUUID()}`,
    memberId,
    orgUnitId,
    category: o.category ?? 'community',
    title: '社区服务',
    source: o.source ?? 'manual',
    startedAt: new Date(end - span * HOUR).toISOString(),
    endedAt: new Date(end).toISOString(),
    hours: o.hours ?? '2',
  };
}

/** Posts a record and returns the answer's body ({record, member, starChange, correction}). */
export async function postRecord(h: Harness, body: ReturnType<typeof recordBody>, key?: string): Promise<any> {
  return expect(h.request('POST', '/v1/service-records', { key, body }), 201, 'service record');
}

export async function verifiedRecord(h: Harness, memberId: string, orgUnitId: string, o: Parameters<typeof recordBody>[2] = {}): Promise<any> {
  const posted = await postRecord(h, recordBody(memberId, orgUnitId, o));
  if (posted.record.status === 'verified') return posted;
  return expect(h.request('POST', `/v1/service-records/${posted.record.id}/verification`), 200, 'verification');
}
