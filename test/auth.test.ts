import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import t from 'tap';
import type { Role } from '../src/auth/caller.js';
import { newIdNumber, newMember, orgTree, postRecord, recordBody, verifiedRecord } from './helpers/fixtures.js';
import { engines, fundedAccount, type Harness, isProblem, type Response, setup, type Tap, transfer } from './helpers/harness.js';

// Authentication, roles and tenant isolation, through the HTTP API only.
//
// The route tables below are checked against the routes the app really has (parsed from
// app.printRoutes() and cross-checked with the OpenAPI document): a new /v1 route without a
// row in the role matrix and in the isolation table makes this file fail.

const ROLES: readonly Role[] = ['admin', 'auditor', 'station', 'pos'];
const KEY_FORMAT = /^vk_([a-z][a-z0-9-]{1,39})\.([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

// ---------------------------------------------------------------------------------------------
// Helpers

function isUnauthenticated(t: Tap, res: Response, message: string): void {
  isProblem(t, res, 401, 'unauthenticated', message);
  t.match(String(res.headers['www-authenticate']), /^Bearer\b/, `${message}: www-authenticate: Bearer`);
}

function isForbidden(t: Tap, res: Response, message: string): void {
  isProblem(t, res, 403, 'forbidden', message);
}

/** Everything a refused request must leave untouched, over every tenant. */
async function snapshot(h: Harness): Promise<Record<string, string>> {
  const r = await sql<Record<string, string>>`SELECT
      (SELECT count(*) FROM tenants)::text AS tenants,
      (SELECT count(*) FROM api_keys)::text AS api_keys,
      (SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL)::text AS revoked_keys,
      (SELECT count(*) FROM ledger_accounts)::text AS accounts,
      (SELECT count(*) FROM ledger_entries)::text AS entries,
      (SELECT count(*) FROM ledger_postings)::text AS postings,
      -- A stored refusal (the answer to a refused externalId) is a memo of the answer, not a write.
      (SELECT count(*) FROM idempotency_keys WHERE status_code < 400)::text AS idempotency_keys,
      (SELECT count(*) FROM org_units)::text AS org_units,
      (SELECT string_agg(org_unit_id || '/' || name || '/' || active || '/' || auto_verify, ',' ORDER BY tenant_id, org_unit_id) FROM org_units) AS org_unit_rows,
      (SELECT count(*) FROM members)::text AS members,
      (SELECT count(*) FILTER (WHERE active) FROM members)::text AS active_members,
      (SELECT count(*) FROM member_cards)::text AS cards,
      (SELECT count(*) FILTER (WHERE blocked_at IS NOT NULL) FROM member_cards)::text AS blocked_cards,
      (SELECT count(*) FROM points_rules)::text AS points_rules,
      (SELECT string_agg(tenant_id || '/' || auto_verify || '/' || star_thresholds::text, ',' ORDER BY tenant_id) FROM tenants) AS settings,
      (SELECT count(*) FROM service_records)::text AS service_records,
      (SELECT string_agg(record_id || '/' || status || '/' || hours || '/' || coalesce(rating, 0), ',' ORDER BY record_id) FROM service_records) AS record_rows,
      (SELECT count(*) FROM service_record_events)::text AS record_events,
      (SELECT count(*) FROM star_changes)::text AS star_changes,
      (SELECT count(*) FROM config_changes)::text AS config_changes,
      (SELECT coalesce(string_agg(tenant_id || '/' || market_id || '/' || sku || '/' || name || '/' || price::text || '/' || active || '/' || coalesce(stock, -1),
                        ',' ORDER BY tenant_id, item_id), '') FROM catalog_items) AS catalog_items,
      (SELECT count(*) FROM catalog_prices)::text AS catalog_prices,
      (SELECT count(*) FROM stock_movements)::text AS stock_movements,
      (SELECT count(*) FROM redemptions)::text AS redemptions,
      (SELECT coalesce(sum(refunded), 0) FROM redemption_lines)::text AS refunded,
      (SELECT count(*) FROM refunds)::text AS refunds,
      (SELECT string_agg(basket_id || '/' || status, ',' ORDER BY basket_id) FROM baskets) AS baskets,
      (SELECT string_agg(market_id || '/' || receipt_no, ',' ORDER BY tenant_id, market_id) FROM markets) AS receipt_counters,
      (SELECT string_agg(tenant_id || '/' || market_id || '/' || name || '/' || active, ',' ORDER BY tenant_id, market_id) FROM markets) AS market_rows,
      (SELECT string_agg(tenant_id || '/' || terminal_id || '/' || active, ',' ORDER BY tenant_id, terminal_id) FROM terminals) AS terminal_rows,
      (SELECT count(*) FROM certificates)::text AS certificates,
      (SELECT count(*) FROM certificate_withdrawals)::text AS certificate_withdrawals,
      (SELECT coalesce(string_agg(tenant_id || '/' || org_unit_id || '/' || year || '=' || last_no, ',' ORDER BY tenant_id, org_unit_id, year), '') FROM certificate_counters) AS certificate_counters,
      (SELECT coalesce(string_agg(tenant_id || '/' || account_id || '/' || slot || '=' || balance::text, ','
                        ORDER BY tenant_id, account_id, slot), '') FROM ledger_balances) AS balances`.execute(
    h.database.db,
  );
  return r.rows[0]!;
}

/** The tenant a key belongs to, as the API reports it (also proves the key works). */
async function whoAmI(h: Harness, key: string): Promise<Response> {
  return h.request('GET', '/v1/tenant', { key });
}

async function keyIdOf(h: Harness, key: string): Promise<string> {
  const res = await whoAmI(h, key);
  if (res.status !== 200) throw new Error(`key does not work: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.keyId as string;
}

async function activeAdmins(h: Harness, tenantId: string): Promise<string[]> {
  const rows = await h.database.db
    .selectFrom('api_keys')
    .select('key_id')
    .where('tenant_id', '=', tenantId)
    .where('role', '=', 'admin')
    .where('revoked_at', 'is', null)
    .execute();
  return rows.map((r) => r.key_id);
}

/** `METHOD /path` of every route the app serves, parsed from printRoutes' tree. */
function appRoutes(app: FastifyInstance): Set<string> {
  const out = new Set<string>();
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    const path = (depth > 0 ? (stack[depth - 1] ?? '') : '') + (m[2] ?? '');
    stack[depth] = path;
    stack.length = depth + 1;
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) out.add(`${method} ${path}`);
  }
  return out;
}

function v1Routes(app: FastifyInstance): { all: string[]; withoutHead: string[] } {
  // /v1/operator takes the operator token, not a tenant key: test/operator.test.ts covers it.
  const all = [...appRoutes(app)].filter((r) => /^[A-Z]+ \/v1(\/|$)/.test(r) && !r.includes(' /v1/operator/')).sort();
  return { all, withoutHead: all.filter((r) => !r.startsWith('HEAD ')) };
}

/** `METHOD /path` of every /v1 operation in the OpenAPI document, in Fastify's `:param` form. */
function openApiRoutes(app: FastifyInstance): string[] {
  const doc = app.swagger() as { paths?: Record<string, Record<string, unknown>> };
  const out: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    if (!path.startsWith('/v1') || path.startsWith('/v1/operator/')) continue;
    for (const method of Object.keys(ops)) {
      if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) {
        out.push(`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`);
      }
    }
  }
  return out.sort();
}

const randomHex = (bytes: number) => crypto.randomBytes(bytes).toString('hex');
const randomSecret = () => crypto.randomBytes(32).toString('base64url');
const uniq = () => randomHex(4);

// ---------------------------------------------------------------------------------------------
// The role matrix: every /v1 route, who may call it, and how to make a valid call.

interface Call {
  url: string;
  body?: unknown;
}

interface RouteCase {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  allowed: readonly Role[];
  /** Status of a successful call. */
  status: number;
  /** Builds a fresh, valid call (new resources where the call consumes them). */
  prepare(): Promise<Call>;
  /** For writes: a body that fails validation. */
  badBody?: unknown;
}

type Fixture = Awaited<ReturnType<typeof matrixFixture>>;

function routeTable(h: Harness, fx: Fixture): RouteCase[] {
  const readers: Role[] = ['admin', 'auditor'];
  const admin: Role[] = ['admin'];
  const stationReaders: Role[] = ['admin', 'auditor', 'station'];
  const stationWriters: Role[] = ['admin', 'station'];
  const everyone: Role[] = ['admin', 'auditor', 'pos', 'station'];
  // The pos key of the matrix is a terminal's, of the market fx.marketId: it reads and sells there.
  const marketReaders: Role[] = ['admin', 'auditor', 'pos'];
  const marketWriters: Role[] = ['admin', 'pos'];
  const station = fx.tree.stations[0]!;
  const member = async () => (await newMember(h, station)).id as string;
  const submitted = async () => (await postRecord(h, recordBody(await member(), station))).record.id as string;
  const verified = async () => (await verifiedRecord(h, await member(), station, { hours: '3' })).record.id as string;
  let matrixCertificate: Promise<string> | undefined;
  const certificate = () => (matrixCertificate ??= newCertificate(h, station));
  const recordAction = (action: string, prepare: () => Promise<string>, body: unknown, badBody: unknown): RouteCase => ({
    method: 'POST',
    path: `/v1/service-records/:id/${action}`,
    allowed: stationWriters,
    status: 200,
    prepare: async () => ({ url: `/v1/service-records/${await prepare()}/${action}`, body }),
    badBody,
  });
  return [
    { method: 'GET', path: '/v1/settings', allowed: readers, status: 200, prepare: async () => ({ url: '/v1/settings' }) },
    { method: 'GET', path: '/v1/settings/expiry-policies', allowed: readers, status: 200, prepare: async () => ({ url: '/v1/settings/expiry-policies' }) },
    {
      method: 'PATCH',
      path: '/v1/settings',
      allowed: admin,
      status: 200,
      prepare: async () => ({ url: '/v1/settings', body: { autoVerify: false } }),
      badBody: { starThresholds: ['5', '4'] },
    },
    {
      method: 'POST',
      path: '/v1/org-units',
      allowed: admin,
      status: 201,
      prepare: async () => ({ url: '/v1/org-units', body: { id: `p-${uniq()}`, kind: 'point', parentId: station, name: '服务点' } }),
      badBody: { id: 'UPPER', kind: 'village' },
    },
    { method: 'GET', path: '/v1/org-units', allowed: stationReaders, status: 200, prepare: async () => ({ url: '/v1/org-units' }) },
    { method: 'GET', path: '/v1/org-units/:id', allowed: stationReaders, status: 200, prepare: async () => ({ url: `/v1/org-units/${station}` }) },
    {
      method: 'PATCH',
      path: '/v1/org-units/:id',
      allowed: admin,
      status: 200,
      prepare: async () => ({ url: `/v1/org-units/${station}`, body: { name: `实践站 ${uniq()}` } }),
      badBody: { autoVerify: 'yes' },
    },
    {
      method: 'POST',
      path: '/v1/org-units/:id/deactivation',
      allowed: admin,
      status: 200,
      prepare: async () => {
        const id = `p-${uniq()}`;
        await h.request('POST', '/v1/org-units', { body: { id, kind: 'point', parentId: station, name: '服务点' } });
        return { url: `/v1/org-units/${id}/deactivation`, body: {} };
      },
      badBody: 'not json at all',
    },
    {
      method: 'POST',
      path: '/v1/members',
      allowed: stationWriters,
      status: 201,
      prepare: async () => ({ url: '/v1/members', body: { name: '志愿者', idNumber: newIdNumber(), phone: '13912345678', homeOrgUnitId: station } }),
      badBody: { name: '', idNumber: '123', phone: '1' },
    },
    { method: 'GET', path: '/v1/members/:id', allowed: stationReaders, status: 200, prepare: async () => ({ url: `/v1/members/${fx.memberId}` }) },
    {
      method: 'POST',
      path: '/v1/members/:id/certificates',
      allowed: stationWriters,
      status: 201,
      prepare: async () => {
        const m = await member();
        await verifiedRecord(h, m, station, { hours: '2' });
        return { url: `/v1/members/${m}/certificates`, body: certificateBody(station) };
      },
      badBody: { from: 'yesterday', orgUnitId: station },
    },
    { method: 'GET', path: '/v1/certificates/:id', allowed: stationReaders, status: 200, prepare: async () => ({ url: `/v1/certificates/${await certificate()}` }) },
    {
      method: 'POST',
      path: '/v1/certificates/:id/withdrawal',
      allowed: stationWriters,
      status: 200,
      prepare: async () => ({ url: `/v1/certificates/${await newCertificate(h, station)}/withdrawal`, body: { reason: 'matrix' } }),
      badBody: { reason: '' },
    },
    { method: 'GET', path: '/v1/cards/:cardNo', allowed: stationReaders, status: 200, prepare: async () => ({ url: `/v1/cards/${fx.cardNo}` }) },
    {
      method: 'GET',
      path: '/v1/cards/:cardNo/counter-view',
      allowed: everyone,
      status: 200,
      prepare: async () => ({ url: `/v1/cards/${fx.cardNo}/counter-view` }),
    },
    {
      method: 'POST',
      path: '/v1/members/:id/cards',
      allowed: stationWriters,
      status: 201,
      prepare: async () => ({ url: `/v1/members/${fx.memberId}/cards`, body: { cardNo: `C-${uniq()}` } }),
      badBody: { cardNo: '!' },
    },
    {
      method: 'POST',
      path: '/v1/members/:id/cards/:cardNo/block',
      allowed: stationWriters,
      status: 200,
      prepare: async () => {
        const cardNo = `C-${uniq()}`;
        await h.request('POST', `/v1/members/${fx.memberId}/cards`, { body: { cardNo } });
        return { url: `/v1/members/${fx.memberId}/cards/${cardNo}/block`, body: {} };
      },
      badBody: 'not json at all',
    },
    {
      method: 'POST',
      path: '/v1/members/:id/deactivation',
      allowed: admin,
      status: 200,
      prepare: async () => ({ url: `/v1/members/${await member()}/deactivation`, body: {} }),
      badBody: 'not json at all',
    },
    {
      method: 'GET',
      path: '/v1/members/:id/star-changes',
      allowed: stationReaders,
      status: 200,
      prepare: async () => ({ url: `/v1/members/${fx.memberId}/star-changes` }),
    },
    {
      method: 'GET',
      path: '/v1/members/:id/lots',
      allowed: stationReaders,
      status: 200,
      prepare: async () => ({ url: `/v1/members/${fx.memberId}/lots` }),
    },
    {
      method: 'GET',
      path: '/v1/members/:id/statement',
      allowed: stationReaders,
      status: 200,
      prepare: async () => ({ url: `/v1/members/${fx.memberId}/statement` }),
    },
    {
      method: 'POST',
      path: '/v1/service-records',
      allowed: stationWriters,
      status: 201,
      prepare: async () => ({ url: '/v1/service-records', body: recordBody(await member(), station) }),
      badBody: { externalId: '', hours: '1.234' },
    },
    {
      method: 'POST',
      path: '/v1/service-records:batch',
      allowed: stationWriters,
      status: 200,
      prepare: async () => ({ url: '/v1/service-records:batch', body: { items: [recordBody(await member(), station)] } }),
      badBody: { items: [] },
    },
    { method: 'GET', path: '/v1/service-records', allowed: stationReaders, status: 200, prepare: async () => ({ url: '/v1/service-records' }) },
    {
      method: 'GET',
      path: '/v1/service-records/:id',
      allowed: stationReaders,
      status: 200,
      prepare: async () => ({ url: `/v1/service-records/${fx.recordId}` }),
    },
    recordAction('verification', submitted, {}, 'not json at all'),
    recordAction('rejection', submitted, { reason: 'no sign-in' }, { reason: '' }),
    recordAction('rating', verified, { stars: 5 }, { stars: 6 }),
    recordAction('correction', verified, { hours: '2', reason: 'typo' }, { hours: '-1', reason: 'x' }),
    recordAction('revocation', verified, { reason: 'duplicate' }, { reason: 7 }),
    {
      method: 'POST',
      path: '/v1/points-rules',
      allowed: admin,
      status: 201,
      prepare: async () => ({ url: '/v1/points-rules', body: { pointsPerHour: '10', dailyCapHours: '12', backdatingDays: 30 } }),
      badBody: { pointsPerHour: 'ten' },
    },
    { method: 'GET', path: '/v1/points-rules', allowed: stationReaders, status: 200, prepare: async () => ({ url: '/v1/points-rules' }) },
    { method: 'GET', path: '/v1/events', allowed: stationReaders, status: 200, prepare: async () => ({ url: '/v1/events?limit=5' }) },
    // The tenant holds real data (the fixtures), so an admin gets as far as the demo's own refusal.
    { method: 'POST', path: '/v1/demo', allowed: admin, status: 409, prepare: async () => ({ url: '/v1/demo', body: {} }), badBody: { force: 'yes' } },

    { method: 'GET', path: '/v1/tenant', allowed: ROLES, status: 200, prepare: async () => ({ url: '/v1/tenant' }) },
    {
      method: 'POST',
      path: '/v1/api-keys',
      allowed: admin,
      status: 201,
      prepare: async () => ({ url: '/v1/api-keys', body: { name: `matrix ${uniq()}`, role: 'station' } }),
      badBody: { name: '', role: 'root' },
    },
    { method: 'GET', path: '/v1/api-keys', allowed: admin, status: 200, prepare: async () => ({ url: '/v1/api-keys' }) },
    {
      method: 'POST',
      path: '/v1/api-keys/:id/revocation',
      allowed: admin,
      status: 200,
      prepare: async () => {
        const victim = await h.keyFor('station');
        return { url: `/v1/api-keys/${await keyIdOf(h, victim)}/revocation`, body: {} };
      },
      badBody: 'not json at all',
    },
    {
      method: 'POST',
      path: '/v1/accounts',
      allowed: admin,
      status: 201,
      prepare: async () => ({ url: '/v1/accounts', body: { id: `member:m${uniq()}:points`, unit: 'POINTS', type: 'member' } }),
      badBody: { id: '', unit: 'EUR', type: 'nope' },
    },
    {
      method: 'GET',
      path: '/v1/accounts/:id',
      allowed: readers,
      status: 200,
      prepare: async () => ({ url: `/v1/accounts/${fx.account}` }),
    },
    {
      method: 'GET',
      path: '/v1/accounts/:id/postings',
      allowed: readers,
      status: 200,
      prepare: async () => ({ url: `/v1/accounts/${fx.account}/postings` }),
    },
    {
      method: 'POST',
      path: '/v1/entries',
      allowed: admin,
      status: 201,
      prepare: async () => ({ url: '/v1/entries', body: transfer(fx.issuance, fx.account, '1.00') }),
      badBody: { reason: '', postings: [{ accountId: fx.account, amount: -1 }] },
    },
    {
      method: 'GET',
      path: '/v1/entries/:id',
      allowed: readers,
      status: 200,
      prepare: async () => ({ url: `/v1/entries/${fx.entryId}` }),
    },
    {
      method: 'POST',
      path: '/v1/entries/:id/reversal',
      allowed: admin,
      status: 201,
      prepare: async () => {
        const entry = await h.request('POST', '/v1/entries', { body: transfer(fx.issuance, fx.account, '2.00') });
        if (entry.status !== 201) throw new Error(`entry: ${entry.status} ${JSON.stringify(entry.body)}`);
        return { url: `/v1/entries/${entry.body.id}/reversal`, body: { reason: 'matrix reversal' } };
      },
      badBody: { reason: 42 },
    },
    {
      method: 'POST',
      path: '/v1/holds',
      allowed: admin,
      status: 201,
      prepare: async () => ({ url: '/v1/holds', body: { accountId: fx.account, unit: 'POINTS', amount: '1.00', ttlSeconds: 600 } }),
      badBody: { accountId: fx.account, unit: 'POINTS', amount: 1 },
    },
    {
      method: 'GET',
      path: '/v1/holds/:id',
      allowed: readers,
      status: 200,
      prepare: async () => ({ url: `/v1/holds/${await newHold(h, fx.account)}` }),
    },
    {
      method: 'POST',
      path: '/v1/holds/:id/capture',
      allowed: admin,
      status: 200,
      prepare: async () => ({ url: `/v1/holds/${await newHold(h, fx.account)}/capture`, body: { credits: [{ accountId: fx.issuance }] } }),
      badBody: { amount: 'lots' },
    },
    {
      method: 'POST',
      path: '/v1/holds/:id/void',
      allowed: admin,
      status: 200,
      prepare: async () => ({ url: `/v1/holds/${await newHold(h, fx.account)}/void`, body: {} }),
      badBody: 'not json at all',
    },
    {
      method: 'GET',
      path: '/v1/ledger/verification',
      allowed: readers,
      status: 200,
      prepare: async () => ({ url: '/v1/ledger/verification' }),
    },
    { method: 'GET', path: '/v1/integrity', allowed: readers, status: 200, prepare: async () => ({ url: '/v1/integrity' }) },
    { method: 'GET', path: '/v1/integrity/keys', allowed: everyone, status: 200, prepare: async () => ({ url: '/v1/integrity/keys' }) },
    {
      method: 'GET',
      path: '/v1/entries/:id/proof',
      allowed: readers,
      status: 200,
      prepare: async () => ({ url: `/v1/entries/${await sealedEntry(h, fx.entryId)}/proof` }),
    },
    { method: 'GET', path: '/v1/exports/journal', allowed: readers, status: 200, prepare: async () => ({ url: '/v1/exports/journal?format=jsonl' }) },
    { method: 'GET', path: '/v1/ledger/trial-balance', allowed: readers, status: 200, prepare: async () => ({ url: '/v1/ledger/trial-balance' }) },
    {
      method: 'GET',
      path: '/v1/reports/participation',
      allowed: stationReaders,
      status: 200,
      prepare: async () => ({ url: `/v1/reports/participation?orgUnitId=${station}&from=2026-01-01&to=2026-12-31` }),
    },
    {
      method: 'POST',
      path: '/v1/markets/:id/items',
      allowed: admin,
      status: 201,
      prepare: async () => ({ url: `/v1/markets/${fx.marketId}/items`, body: { sku: `S-${uniq()}`, name: '大米', kind: 'goods', price: '12.00', stock: 3 } }),
      badBody: { sku: 'not a sku', kind: 'goods', price: '0' },
    },
    { method: 'GET', path: '/v1/markets/:id/items', allowed: marketReaders, status: 200, prepare: async () => ({ url: `/v1/markets/${fx.marketId}/items` }) },
    {
      method: 'GET',
      path: '/v1/markets/:id/items/:sku',
      allowed: marketReaders,
      status: 200,
      prepare: async () => ({ url: `/v1/markets/${fx.marketId}/items/${fx.sku}` }),
    },
    {
      method: 'PATCH',
      path: '/v1/markets/:id/items/:sku',
      allowed: admin,
      status: 200,
      prepare: async () => ({ url: `/v1/markets/${fx.marketId}/items/${fx.sku}`, body: { name: `大米 ${uniq()}` } }),
      badBody: { stock: 5 },
    },
    {
      method: 'POST',
      path: '/v1/markets/:id/items/:sku/stock-movements',
      allowed: marketWriters,
      status: 201,
      prepare: async () => ({ url: `/v1/markets/${fx.marketId}/items/${fx.sku}/stock-movements`, body: { kind: 'restock', quantity: 1, reason: 'matrix' } }),
      badBody: { kind: 'restock', quantity: 0, reason: '' },
    },
    {
      method: 'GET',
      path: '/v1/markets/:id/items/:sku/stock-movements',
      allowed: marketReaders,
      status: 200,
      prepare: async () => ({ url: `/v1/markets/${fx.marketId}/items/${fx.sku}/stock-movements` }),
    },
    {
      method: 'POST',
      path: '/v1/redemptions',
      allowed: marketWriters,
      status: 201,
      prepare: async () => ({ url: '/v1/redemptions', body: counterBody(fx.marketId, fx.cardNo, fx.sku) }),
      badBody: { lines: 'rice' },
    },
    {
      method: 'POST',
      path: '/v1/redemptions:batch',
      allowed: marketWriters,
      status: 200,
      prepare: async () => ({
        url: '/v1/redemptions:batch',
        body: { items: [{ ...counterBody(fx.marketId, fx.cardNo, fx.sku), idempotencyKey: `off-${uniq()}`, occurredAt: new Date().toISOString() }] },
      }),
      badBody: { items: 'all of them' },
    },
    { method: 'GET', path: '/v1/redemptions/:id', allowed: marketReaders, status: 200, prepare: async () => ({ url: `/v1/redemptions/${fx.redemptionId}` }) },
    {
      method: 'POST',
      path: '/v1/redemptions/:id/refunds',
      allowed: marketWriters,
      status: 201,
      prepare: async () => ({ url: `/v1/redemptions/${await newSale(h, fx.marketId, fx.cardNo, fx.sku)}/refunds`, body: { lines: [{ line: 1, quantity: 1 }], reason: '退货' } }),
      badBody: { lines: [], reason: '' },
    },
    { method: 'GET', path: '/v1/markets/:id/receipts', allowed: marketReaders, status: 200, prepare: async () => ({ url: `/v1/markets/${fx.marketId}/receipts` }) },
    {
      method: 'POST',
      path: '/v1/redemption-holds',
      allowed: marketWriters,
      status: 201,
      prepare: async () => ({ url: '/v1/redemption-holds', body: counterBody(fx.marketId, fx.cardNo, fx.sku) }),
      badBody: { lines: [{ sku: 'RICE-5KG', quantity: -1 }] },
    },
    { method: 'GET', path: '/v1/redemption-holds/:id', allowed: marketReaders, status: 200, prepare: async () => ({ url: `/v1/redemption-holds/${fx.basketId}` }) },
    {
      method: 'POST',
      path: '/v1/redemption-holds/:id/capture',
      allowed: marketWriters,
      status: 201,
      prepare: async () => ({ url: `/v1/redemption-holds/${await newBasket(h, fx.marketId, fx.cardNo, fx.sku)}/capture`, body: {} }),
      badBody: { lines: 'all' },
    },
    {
      method: 'POST',
      path: '/v1/redemption-holds/:id/void',
      allowed: marketWriters,
      status: 200,
      prepare: async () => ({ url: `/v1/redemption-holds/${await newBasket(h, fx.marketId, fx.cardNo, fx.sku)}/void`, body: {} }),
      badBody: { reason: 7 },
    },
    {
      method: 'POST',
      path: '/v1/markets',
      allowed: admin,
      status: 201,
      prepare: async () => ({ url: '/v1/markets', body: { id: `m-${uniq()}`, orgUnitId: station, name: '爱心超市' } }),
      badBody: { id: 'UPPER', orgUnitId: 7 },
    },
    { method: 'GET', path: '/v1/markets', allowed: marketReaders, status: 200, prepare: async () => ({ url: '/v1/markets' }) },
    { method: 'GET', path: '/v1/markets/:id', allowed: marketReaders, status: 200, prepare: async () => ({ url: `/v1/markets/${fx.marketId}` }) },
    {
      method: 'PATCH',
      path: '/v1/markets/:id',
      allowed: admin,
      status: 200,
      prepare: async () => ({ url: `/v1/markets/${fx.marketId}`, body: { name: `爱心超市 ${uniq()}` } }),
      badBody: { name: 7 },
    },
    {
      method: 'POST',
      path: '/v1/markets/:id/deactivation',
      allowed: admin,
      status: 200,
      prepare: async () => ({ url: `/v1/markets/${await newMarket(h, station)}/deactivation`, body: {} }),
      badBody: 'not json at all',
    },
    {
      method: 'POST',
      path: '/v1/markets/:id/terminals',
      allowed: admin,
      status: 201,
      prepare: async () => ({ url: `/v1/markets/${fx.marketId}/terminals`, body: { id: `t-${uniq()}`, name: '收银台' } }),
      badBody: { id: 'UPPER' },
    },
    {
      method: 'GET',
      path: '/v1/markets/:id/terminals',
      allowed: marketReaders,
      status: 200,
      prepare: async () => ({ url: `/v1/markets/${fx.marketId}/terminals` }),
    },
    {
      method: 'GET',
      path: '/v1/markets/:id/days/:date',
      allowed: marketReaders,
      status: 200,
      prepare: async () => ({ url: `/v1/markets/${fx.marketId}/days/2026-01-01` }),
    },
    // A fresh terminal each time: the matrix's pos key is fx's terminal's and must keep working.
    {
      method: 'POST',
      path: '/v1/terminals/:id/deactivation',
      allowed: admin,
      status: 200,
      prepare: async () => ({ url: `/v1/terminals/${(await newTerminal(h, fx.marketId)).terminal.id}/deactivation`, body: {} }),
      badBody: 'not json at all',
    },
    {
      method: 'POST',
      path: '/v1/terminals/:id/key',
      allowed: admin,
      status: 201,
      prepare: async () => ({ url: `/v1/terminals/${(await newTerminal(h, fx.marketId)).terminal.id}/key`, body: {} }),
      badBody: 'not json at all',
    },
  ];
}

/** The entry id, once the service has sealed the entry (its proof answers 200). */
async function sealedEntry(h: Harness, entryId: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  while ((await h.request('GET', `/v1/entries/${entryId}/proof`)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`entry ${entryId} not sealed within 30 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return entryId;
}

const chinaDay = (daysAgo: number) => new Date(Date.now() + 8 * 3600 * 1000 - daysAgo * 86_400_000).toISOString().slice(0, 10);
const certificateBody = (orgUnitId: string) => ({ from: chinaDay(5), to: chinaDay(0), orgUnitId });

/** A certificate issued by the org unit for a new member with one verified record there, by the admin key; its id. */
async function newCertificate(h: Harness, orgUnitId: string, key?: string): Promise<string> {
  const memberId = (await newMember(h, orgUnitId, { key })).id as string;
  await verifiedRecord(h, memberId, orgUnitId, { hours: '1.5' });
  const res = await h.request('POST', `/v1/members/${memberId}/certificates`, { key, body: certificateBody(orgUnitId) });
  if (res.status !== 201) throw new Error(`certificate: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.certificateId as string;
}

/** An open hold of 1.00 point on the account (10 minutes), by the admin key; its id. */
async function newHold(h: Harness, accountId: string, key?: string): Promise<string> {
  const res = await h.request('POST', '/v1/holds', { key, body: { accountId, unit: 'POINTS', amount: '1.00', ttlSeconds: 600 } });
  if (res.status !== 201) throw new Error(`hold: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** A new market of the org unit, by the admin key (or `key`); its id. */
async function newMarket(h: Harness, orgUnitId: string, key?: string): Promise<string> {
  const res = await h.request('POST', '/v1/markets', { key, body: { id: `m-${uniq()}`, orgUnitId, name: '爱心超市' } });
  if (res.status !== 201) throw new Error(`market: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** A new terminal of the market, by the admin key (or `key`): {terminal, key}, its pos key in key.key. */
async function newTerminal(h: Harness, marketId: string, key?: string): Promise<any> {
  const res = await h.request('POST', `/v1/markets/${marketId}/terminals`, { key, body: { id: `t-${uniq()}`, name: '收银台' } });
  if (res.status !== 201) throw new Error(`terminal: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const counterBody = (marketId: string, cardNo: string, sku: string) => ({ marketId, cardNo, lines: [{ sku, quantity: 1 }] });

/** A sale of one item at the market, by the admin key: its redemption id. */
async function newSale(h: Harness, marketId: string, cardNo: string, sku: string): Promise<string> {
  const res = await h.request('POST', '/v1/redemptions', { body: counterBody(marketId, cardNo, sku), headers: { 'idempotency-key': `sale-${uniq()}` } });
  if (res.status !== 201) throw new Error(`sale: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.redemptionId as string;
}

/** A basket on hold of one item at the market, by the admin key: its id. */
async function newBasket(h: Harness, marketId: string, cardNo: string, sku: string): Promise<string> {
  const res = await h.request('POST', '/v1/redemption-holds', { body: counterBody(marketId, cardNo, sku), headers: { 'idempotency-key': `basket-${uniq()}` } });
  if (res.status !== 201) throw new Error(`basket: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

async function matrixFixture(h: Harness) {
  const account = `member:fx${uniq()}:points`;
  await fundedAccount(h, { id: account, points: '100' });
  const postings = await h.request('GET', `/v1/accounts/${account}/postings`);
  if (postings.status !== 200) throw new Error(`postings: ${postings.status}`);
  const tree = await orgTree(h, ['s1']);
  const cardNo = `C-${uniq()}`;
  const memberId = (await newMember(h, tree.stations[0]!, { cards: [cardNo] })).id as string;
  const recordId = (await postRecord(h, recordBody(memberId, tree.stations[0]!))).record.id as string;
  const marketId = await newMarket(h, tree.stations[0]!);
  const grant = {
    reason: 'grant',
    postings: [
      { accountId: `issuance:${tree.stations[0]}:points`, unit: 'POINTS', direction: 'debit', amount: '100000.00' },
      { accountId: `member:${memberId}:points`, unit: 'POINTS', direction: 'credit', amount: '100000.00' },
    ],
  };
  if ((await h.request('POST', '/v1/entries', { body: grant })).status !== 201) throw new Error('grant');
  const sku = 'RICE-5KG';
  const item = await h.request('POST', `/v1/markets/${marketId}/items`, { body: { sku, name: '大米', kind: 'goods', price: '12.00', stock: 100 } });
  if (item.status !== 201) throw new Error(`item: ${item.status} ${JSON.stringify(item.body)}`);
  const terminal = await newTerminal(h, marketId);
  return {
    account, issuance: `issuance:${account}`, entryId: postings.body.items[0].entryId as string, tree, memberId, cardNo, recordId,
    marketId, terminalId: terminal.terminal.id as string, terminalKey: terminal.key.key as string, sku,
    redemptionId: await newSale(h, marketId, cardNo, sku), basketId: await newBasket(h, marketId, cardNo, sku),
  };
}

function sendBad(h: Harness, c: RouteCase, call: Call, key: string | null): Promise<Response> {
  // A raw string is sent as-is, labelled JSON: malformed JSON.
  return h.request(c.method, call.url, {
    key,
    body: c.badBody,
    headers: typeof c.badBody === 'string' ? { 'content-type': 'application/json' } : {},
  });
}

// ---------------------------------------------------------------------------------------------

for (const engine of engines) {
  t.test(`authentication, roles and tenant isolation on ${engine}`, async (t) => {
    // The service seals entries (for GET /v1/entries/:id/proof) every 200 ms.
    const h = await setup(t, engine, { env: { SIGNING_KEY_SECRET: randomSecret(), SEAL_MS: '200' } });
    const fx = await matrixFixture(h);
    // The pos key is a terminal's, scoped to fx's market (as every pos key of a love supermarket):
    // the routes a pos key could call before markets existed still answer it.
    const keys: Record<Role, string> = {
      admin: h.adminKey,
      auditor: await h.keyFor('auditor'),
      station: await h.keyFor('station'),
      pos: fx.terminalKey,
    };
    const table = routeTable(h, fx);

    // -------------------------------------------------------------------------------------------
    // Tenant isolation. A is the harness tenant, B another tenant; B's admin key must neither read
    // nor change A's rows, on every route.
    const A = { tenantId: h.tenantId, adminKey: h.adminKey };
    const B = await h.newTenant();
    const aAccount = `member:iso${uniq()}:points`;
    await fundedAccount(h, { id: aAccount, points: '50', key: A.adminKey });
    const aHold = await newHold(h, aAccount, A.adminKey);
    const aEntry = (await h.request('GET', `/v1/accounts/${aAccount}/postings`)).body.items[0].entryId as string;
    const aStation = fx.tree.stations[0]!;
    const aVerified = (await verifiedRecord(h, fx.memberId, aStation, { hours: '1', endedHoursAgo: 30 })).record.id as string;
    const aCertificate = await newCertificate(h, aStation);

    /** B's admin names one of A's rows: refused with A's row not found, and nothing written anywhere. */
    const refusedToB = async (t: Tap, method: string, url: string, body: unknown, code: string) => {
      const before = await snapshot(h);
      const res = await h.request(method, url, { key: B.adminKey, body });
      isProblem(t, res, 404, code, `B: ${method} ${url}`);
      t.same(await snapshot(h), before, 'nothing written');
    };
    const notFoundForB: Record<string, [method: string, url: string, body: unknown, code: string]> = {
      'GET /v1/org-units/:id': ['GET', `/v1/org-units/${aStation}`, undefined, 'org_unit_not_found'],
      'PATCH /v1/org-units/:id': ['PATCH', `/v1/org-units/${aStation}`, { name: 'taken over' }, 'org_unit_not_found'],
      'POST /v1/org-units/:id/deactivation': ['POST', `/v1/org-units/${aStation}/deactivation`, {}, 'org_unit_not_found'],
      'POST /v1/members': [
        'POST', '/v1/members', { name: 'x', idNumber: newIdNumber(), phone: '13912345678', homeOrgUnitId: aStation }, 'org_unit_not_found',
      ],
      'GET /v1/members/:id': ['GET', `/v1/members/${fx.memberId}`, undefined, 'member_not_found'],
      'GET /v1/cards/:cardNo': ['GET', `/v1/cards/${fx.cardNo}`, undefined, 'card_not_found'],
      'GET /v1/cards/:cardNo/counter-view': ['GET', `/v1/cards/${fx.cardNo}/counter-view`, undefined, 'card_not_found'],
      'GET /v1/holds/:id': ['GET', `/v1/holds/${aHold}`, undefined, 'hold_not_found'],
      'GET /v1/entries/:id/proof': ['GET', `/v1/entries/${aEntry}/proof`, undefined, 'entry_not_found'],
      'POST /v1/holds/:id/capture': ['POST', `/v1/holds/${aHold}/capture`, { credits: [{ accountId: `issuance:${aAccount}` }] }, 'hold_not_found'],
      'POST /v1/holds/:id/void': ['POST', `/v1/holds/${aHold}/void`, {}, 'hold_not_found'],
      'POST /v1/holds': ['POST', '/v1/holds', { accountId: aAccount, unit: 'POINTS', amount: '1.00', ttlSeconds: 600 }, 'account_not_found'],
      'POST /v1/members/:id/cards': ['POST', `/v1/members/${fx.memberId}/cards`, { cardNo: `C-${uniq()}` }, 'member_not_found'],
      'POST /v1/members/:id/cards/:cardNo/block': ['POST', `/v1/members/${fx.memberId}/cards/${fx.cardNo}/block`, {}, 'member_not_found'],
      'POST /v1/members/:id/deactivation': ['POST', `/v1/members/${fx.memberId}/deactivation`, {}, 'member_not_found'],
      'GET /v1/members/:id/star-changes': ['GET', `/v1/members/${fx.memberId}/star-changes`, undefined, 'member_not_found'],
      'GET /v1/members/:id/lots': ['GET', `/v1/members/${fx.memberId}/lots`, undefined, 'member_not_found'],
      'GET /v1/members/:id/statement': ['GET', `/v1/members/${fx.memberId}/statement`, undefined, 'member_not_found'],
      'POST /v1/service-records': ['POST', '/v1/service-records', recordBody(fx.memberId, aStation), 'org_unit_not_found'],
      'GET /v1/service-records/:id': ['GET', `/v1/service-records/${fx.recordId}`, undefined, 'record_not_found'],
      'POST /v1/service-records/:id/verification': ['POST', `/v1/service-records/${fx.recordId}/verification`, {}, 'record_not_found'],
      'POST /v1/service-records/:id/rejection': ['POST', `/v1/service-records/${fx.recordId}/rejection`, { reason: 'x' }, 'record_not_found'],
      'POST /v1/service-records/:id/rating': ['POST', `/v1/service-records/${aVerified}/rating`, { stars: 1 }, 'record_not_found'],
      'POST /v1/service-records/:id/correction': [
        'POST', `/v1/service-records/${aVerified}/correction`, { hours: '0.5', reason: 'x' }, 'record_not_found',
      ],
      'POST /v1/service-records/:id/revocation': ['POST', `/v1/service-records/${aVerified}/revocation`, { reason: 'x' }, 'record_not_found'],
      'POST /v1/markets/:id/items': [
        'POST', `/v1/markets/${fx.marketId}/items`, { sku: `B-${uniq()}`, name: 'x', kind: 'goods', price: '1.00', stock: 1 }, 'market_not_found',
      ],
      'GET /v1/markets/:id/items': ['GET', `/v1/markets/${fx.marketId}/items`, undefined, 'market_not_found'],
      'GET /v1/markets/:id/items/:sku': ['GET', `/v1/markets/${fx.marketId}/items/${fx.sku}`, undefined, 'market_not_found'],
      'PATCH /v1/markets/:id/items/:sku': ['PATCH', `/v1/markets/${fx.marketId}/items/${fx.sku}`, { price: '0.01' }, 'market_not_found'],
      'POST /v1/markets/:id/items/:sku/stock-movements': [
        'POST', `/v1/markets/${fx.marketId}/items/${fx.sku}/stock-movements`, { kind: 'correction', quantity: -1, reason: 'x' }, 'market_not_found',
      ],
      'GET /v1/markets/:id/items/:sku/stock-movements': [
        'GET', `/v1/markets/${fx.marketId}/items/${fx.sku}/stock-movements`, undefined, 'market_not_found',
      ],
      'GET /v1/markets/:id': ['GET', `/v1/markets/${fx.marketId}`, undefined, 'market_not_found'],
      'PATCH /v1/markets/:id': ['PATCH', `/v1/markets/${fx.marketId}`, { name: 'taken over' }, 'market_not_found'],
      'POST /v1/markets/:id/deactivation': ['POST', `/v1/markets/${fx.marketId}/deactivation`, {}, 'market_not_found'],
      'POST /v1/markets/:id/terminals': ['POST', `/v1/markets/${fx.marketId}/terminals`, { id: `t-${uniq()}`, name: 'x' }, 'market_not_found'],
      'GET /v1/markets/:id/terminals': ['GET', `/v1/markets/${fx.marketId}/terminals`, undefined, 'market_not_found'],
      'GET /v1/markets/:id/days/:date': ['GET', `/v1/markets/${fx.marketId}/days/2026-01-01`, undefined, 'market_not_found'],
      'GET /v1/reports/participation': ['GET', `/v1/reports/participation?orgUnitId=${aStation}&from=2026-01-01&to=2026-12-31`, undefined, 'org_unit_not_found'],
      'POST /v1/terminals/:id/deactivation': ['POST', `/v1/terminals/${fx.terminalId}/deactivation`, {}, 'terminal_not_found'],
      'POST /v1/terminals/:id/key': ['POST', `/v1/terminals/${fx.terminalId}/key`, {}, 'terminal_not_found'],
      'POST /v1/members/:id/certificates': ['POST', `/v1/members/${fx.memberId}/certificates`, certificateBody(aStation), 'org_unit_not_found'],
      'GET /v1/certificates/:id': ['GET', `/v1/certificates/${aCertificate}`, undefined, 'certificate_not_found'],
      'POST /v1/certificates/:id/withdrawal': ['POST', `/v1/certificates/${aCertificate}/withdrawal`, { reason: 'x' }, 'certificate_not_found'],
    };
    /** B's list holds exactly B's rows of the table, none of A's. */
    const listIsB = async (t: Tap, url: string, table: 'org_units' | 'service_records' | 'points_rules' | 'markets', pick: (item: any) => string) => {
      const column = { org_units: 'org_unit_id', service_records: 'record_id', points_rules: 'version', markets: 'market_id' }[table];
      const rows = await sql<{ id: string }>`SELECT ${sql.ref(column)}::text AS id FROM ${sql.table(table)} WHERE tenant_id = ${B.tenantId}`.execute(
        h.database.db,
      );
      const res = await h.request('GET', url, { key: B.adminKey });
      t.equal(res.status, 200);
      t.same(res.body.items.map(pick).sort(), rows.rows.map((r) => r.id).sort(), `${url}: B sees exactly its own rows`);
    };

    /** As refusedToB, for the counter's writes (which need an Idempotency-Key). */
    const counterRefusedToB = async (t: Tap, url: string, body: unknown, code: string) => {
      const before = await snapshot(h);
      const res = await h.request('POST', url, { key: B.adminKey, body, headers: { 'idempotency-key': `b-${uniq()}` } });
      isProblem(t, res, 404, code, `B: POST ${url}`);
      t.same(await snapshot(h), before, 'nothing written');
    };
    const aSale = counterBody(fx.marketId, fx.cardNo, fx.sku);
    const isolation: Record<string, (t: Tap) => Promise<void>> = {
      ...Object.fromEntries(Object.entries(notFoundForB).map(([route, args]) => [route, (t: Tap) => refusedToB(t, ...args)])),

      'POST /v1/redemptions': (t) => counterRefusedToB(t, '/v1/redemptions', aSale, 'card_not_found'),
      'POST /v1/redemption-holds': (t) => counterRefusedToB(t, '/v1/redemption-holds', aSale, 'card_not_found'),
      'POST /v1/redemptions/:id/refunds': (t) =>
        counterRefusedToB(t, `/v1/redemptions/${fx.redemptionId}/refunds`, { lines: [{ line: 1, quantity: 1 }], reason: 'x' }, 'redemption_not_found'),
      'POST /v1/redemption-holds/:id/capture': (t) => counterRefusedToB(t, `/v1/redemption-holds/${fx.basketId}/capture`, {}, 'basket_not_found'),
      'POST /v1/redemption-holds/:id/void': (t) => counterRefusedToB(t, `/v1/redemption-holds/${fx.basketId}/void`, {}, 'basket_not_found'),
      'GET /v1/redemptions/:id': (t) => refusedToB(t, 'GET', `/v1/redemptions/${fx.redemptionId}`, undefined, 'redemption_not_found'),
      'GET /v1/redemption-holds/:id': (t) => refusedToB(t, 'GET', `/v1/redemption-holds/${fx.basketId}`, undefined, 'basket_not_found'),
      'GET /v1/markets/:id/receipts': (t) => refusedToB(t, 'GET', `/v1/markets/${fx.marketId}/receipts`, undefined, 'market_not_found'),
      'POST /v1/redemptions:batch': async (t) => {
        const before = await snapshot(h);
        const item = { ...aSale, idempotencyKey: `b-${uniq()}`, occurredAt: new Date().toISOString() };
        const res = await h.request('POST', '/v1/redemptions:batch', { key: B.adminKey, body: { items: [item] } });
        t.equal(res.status, 200);
        t.match(res.body.results[0], { status: 404, problem: { code: 'card_not_found' } }, 'the sale is refused');
        t.same(await snapshot(h), before, 'nothing written');
      },

      'POST /v1/demo': async (t) => {
        // A holds real data and B none of its own yet: B's fill must look at B's rows only. B is
        // given one real row first so the check is cheap (a refusal), and the refusal names it.
        await h.request('POST', '/v1/org-units', { key: B.adminKey, body: { id: `b-${uniq()}`, kind: 'center', name: 'B 中心' } });
        const before = await snapshot(h);
        const res = await h.request('POST', '/v1/demo', { key: B.adminKey, body: {} });
        isProblem(t, res, 409, 'tenant_has_data', "B: POST /v1/demo is refused for B's own data");
        t.equal(res.body.tenantId, B.tenantId, "the refusal is about B's tenant");
        t.same(await snapshot(h), before, 'nothing written');
      },

      'GET /v1/settings': async (t) => {
        const a = (await h.request('GET', '/v1/settings', { key: A.adminKey })).body;
        const b = (await h.request('GET', '/v1/settings', { key: B.adminKey })).body;
        t.same(b, a, 'both start from the defaults');
      },

      'GET /v1/settings/expiry-policies': async (t) => {
        const res = await h.request('PATCH', '/v1/settings', { key: B.adminKey, body: { pointsExpiry: { policy: 'yearEnd', months: 3 } } });
        t.equal(res.status, 200, "B sets an expiry policy");
        t.same((await h.request('GET', '/v1/settings/expiry-policies', { key: A.adminKey })).body.items, [], "A sees none of B's");
        t.equal((await h.request('GET', '/v1/settings', { key: A.adminKey })).body.pointsExpiry.policy, 'none', "A's points still never expire");
      },

      'PATCH /v1/settings': async (t) => {
        const a = (await h.request('GET', '/v1/settings', { key: A.adminKey })).body;
        const res = await h.request('PATCH', '/v1/settings', { key: B.adminKey, body: { starThresholds: ['1', '2', '3', '4', '5'] } });
        t.equal(res.status, 200);
        t.same((await h.request('GET', '/v1/settings', { key: A.adminKey })).body, a, "A's settings are unchanged");
        t.same((await h.request('GET', '/v1/settings', { key: B.adminKey })).body.starThresholds, ['1.00', '2.00', '3.00', '4.00', '5.00']);
      },

      'POST /v1/org-units': async (t) => {
        await refusedToB(t, 'POST', '/v1/org-units', { id: `p-${uniq()}`, kind: 'point', parentId: aStation, name: 'x' }, 'org_unit_not_found');
        // The same id in B is B's own unit.
        const own = await h.request('POST', '/v1/org-units', { key: B.adminKey, body: { id: fx.tree.center, kind: 'center', name: 'B 中心' } });
        t.equal(own.status, 201, "B creates a unit with A's unit id");
        t.equal((await h.request('GET', `/v1/org-units/${fx.tree.center}`, { key: A.adminKey })).body.name, '县中心', "A's unit is unchanged");
      },

      'GET /v1/org-units': (t) => listIsB(t, '/v1/org-units', 'org_units', (u) => u.id),

      'POST /v1/markets': async (t) => {
        await refusedToB(t, 'POST', '/v1/markets', { id: `m-${uniq()}`, orgUnitId: aStation, name: 'x' }, 'org_unit_not_found');
        // A's market id in a unit of B's is B's own market, with B's own account.
        const bUnit = `bm-${uniq()}`;
        t.equal((await h.request('POST', '/v1/org-units', { key: B.adminKey, body: { id: bUnit, kind: 'center', name: 'B 中心' } })).status, 201);
        const aMarket = (await h.request('GET', `/v1/markets/${fx.marketId}`, { key: A.adminKey })).body;
        const own = await h.request('POST', '/v1/markets', { key: B.adminKey, body: { id: fx.marketId, orgUnitId: bUnit, name: 'B 超市' } });
        t.equal(own.status, 201, "B creates a market with A's market id");
        t.same((await h.request('GET', `/v1/markets/${fx.marketId}`, { key: A.adminKey })).body, aMarket, "A's market is unchanged");
        t.equal((await h.request('GET', `/v1/markets/${fx.marketId}`, { key: keys.pos })).body.name, aMarket.name, "A's terminal still reads A's market");
      },

      'GET /v1/markets': async (t) => {
        const bUnit = `bl-${uniq()}`;
        await h.request('POST', '/v1/org-units', { key: B.adminKey, body: { id: bUnit, kind: 'center', name: 'B 中心' } });
        await newMarket(h, bUnit, B.adminKey);
        await listIsB(t, '/v1/markets', 'markets', (m) => m.id);
      },

      'POST /v1/service-records:batch': async (t) => {
        const before = await snapshot(h);
        const res = await h.request('POST', '/v1/service-records:batch', { key: B.adminKey, body: { items: [recordBody(fx.memberId, aStation)] } });
        t.equal(res.status, 200);
        t.match(res.body.results[0], { status: 404, problem: { code: 'org_unit_not_found' } }, 'the item is refused');
        t.same(await snapshot(h), before, 'nothing written');
      },

      'GET /v1/service-records': (t) => listIsB(t, '/v1/service-records', 'service_records', (r) => r.id),

      'POST /v1/points-rules': async (t) => {
        const a = (await h.request('GET', '/v1/points-rules', { key: A.adminKey })).body;
        const res = await h.request('POST', '/v1/points-rules', { key: B.adminKey, body: { pointsPerHour: '99', dailyCapHours: '8', backdatingDays: 1 } });
        t.equal(res.status, 201);
        t.same((await h.request('GET', '/v1/points-rules', { key: A.adminKey })).body, a, "A's rules are unchanged");
      },

      'GET /v1/points-rules': (t) => listIsB(t, '/v1/points-rules', 'points_rules', (r) => String(r.version)),

      'GET /v1/tenant': async (t) => {
        const res = await whoAmI(h, B.adminKey);
        t.equal(res.status, 200);
        t.equal(res.body.id, B.tenantId, "B's key reports B");
        t.not(res.body.id, A.tenantId);
      },

      'POST /v1/api-keys': async (t) => {
        const aKeysBefore = (await h.request('GET', '/v1/api-keys', { key: A.adminKey })).body.items.length;
        const res = await h.request('POST', '/v1/api-keys', { key: B.adminKey, body: { name: 'b station', role: 'station' } });
        t.equal(res.status, 201);
        t.equal(KEY_FORMAT.exec(res.body.key)?.[1], B.tenantId, 'the key is minted for B');
        t.equal((await whoAmI(h, res.body.key)).body.id, B.tenantId, 'and works as B');
        // Naming A in the body changes nothing: the tenant comes from the caller's key.
        const smuggled = await h.request('POST', '/v1/api-keys', {
          key: B.adminKey,
          body: { name: 'smuggled', role: 'admin', tenantId: A.tenantId, tenant: A.tenantId },
        });
        t.ok([201, 400].includes(smuggled.status), `naming A in the body: ${smuggled.status}`);
        if (smuggled.status === 201) {
          t.equal(KEY_FORMAT.exec(smuggled.body.key)?.[1], B.tenantId, 'the smuggled key is still B');
          t.equal((await whoAmI(h, smuggled.body.key)).body.id, B.tenantId, 'and acts as B');
          isProblem(t, await h.request('GET', `/v1/accounts/${aAccount}`, { key: smuggled.body.key }), 404, 'account_not_found', 'and cannot read A');
        }
        const aKeys = (await h.request('GET', '/v1/api-keys', { key: A.adminKey })).body.items;
        t.equal(aKeys.length, aKeysBefore, "A's keys are unchanged");
        t.notOk(aKeys.some((k: { id: string }) => k.id === res.body.id), "B's key is not among A's");
      },

      'GET /v1/api-keys': async (t) => {
        const bList = (await h.request('GET', '/v1/api-keys', { key: B.adminKey })).body.items as { id: string }[];
        const aList = (await h.request('GET', '/v1/api-keys', { key: A.adminKey })).body.items as { id: string }[];
        t.ok(aList.length > 0 && bList.length > 0, 'both tenants have keys');
        const aIds = new Set(aList.map((k) => k.id));
        t.notOk(bList.some((k) => aIds.has(k.id)), "B's list holds none of A's keys");
        const bRows = await h.database.db.selectFrom('api_keys').select('key_id').where('tenant_id', '=', B.tenantId).execute();
        t.same(bList.map((k) => k.id).sort(), bRows.map((r) => r.key_id).sort(), "B's list is exactly B's keys");
      },

      'POST /v1/api-keys/:id/revocation': async (t) => {
        const aStation = await h.keyFor('station', A.adminKey);
        for (const [name, key] of [['admin', A.adminKey], ['station', aStation]] as const) {
          const id = await keyIdOf(h, key);
          const before = await snapshot(h);
          const res = await h.request('POST', `/v1/api-keys/${id}/revocation`, { key: B.adminKey, body: {} });
          isProblem(t, res, 404, 'api_key_not_found', `B revoking A's ${name} key`);
          t.same(await snapshot(h), before, 'nothing written');
          t.equal((await whoAmI(h, key)).status, 200, `A's ${name} key still works`);
        }
      },

      'POST /v1/accounts': async (t) => {
        const before = await h.request('GET', `/v1/accounts/${aAccount}`, { key: A.adminKey });
        // The same account id may exist in both tenants: no account_exists leak, no clash.
        const res = await h.request('POST', '/v1/accounts', { key: B.adminKey, body: { id: aAccount, unit: 'HOURS', type: 'member' } });
        t.equal(res.status, 201, "B opens an account with A's account id");
        t.match(res.body, { id: aAccount, unit: 'HOURS', balance: '0.00' }, "B's account is its own");
        const after = await h.request('GET', `/v1/accounts/${aAccount}`, { key: A.adminKey });
        t.same(after.body, before.body, "A's account is unchanged");
        t.equal(after.body.unit, 'POINTS');
        // Naming A in the body does not open an account in A.
        const smuggledId = `member:smuggle${uniq()}:points`;
        const smuggled = await h.request('POST', '/v1/accounts', {
          key: B.adminKey,
          body: { id: smuggledId, unit: 'POINTS', type: 'member', tenantId: A.tenantId },
        });
        t.ok([201, 400].includes(smuggled.status), `naming A in the body: ${smuggled.status}`);
        isProblem(t, await h.request('GET', `/v1/accounts/${smuggledId}`, { key: A.adminKey }), 404, 'account_not_found', 'not opened in A');
      },

      'GET /v1/accounts/:id': async (t) => {
        const id = `member:aonly${uniq()}:points`;
        await fundedAccount(h, { id, points: '5', key: A.adminKey });
        isProblem(t, await h.request('GET', `/v1/accounts/${id}`, { key: B.adminKey }), 404, 'account_not_found', "B reads A's account");
        const bAuditor = await h.keyFor('auditor', B.adminKey);
        isProblem(t, await h.request('GET', `/v1/accounts/${id}`, { key: bAuditor }), 404, 'account_not_found', "B's auditor reads A's account");
        t.equal((await h.request('GET', `/v1/accounts/${id}`, { key: A.adminKey })).status, 200, 'A reads it');
      },

      'GET /v1/accounts/:id/postings': async (t) => {
        const id = `member:apost${uniq()}:points`;
        await fundedAccount(h, { id, points: '5', key: A.adminKey });
        const res = await h.request('GET', `/v1/accounts/${id}/postings`, { key: B.adminKey });
        isProblem(t, res, 404, 'account_not_found', "B reads A's postings");
        t.notOk(JSON.stringify(res.body).includes('entryId'), 'no posting leaks');
        const own = await h.request('GET', `/v1/accounts/${id}/postings`, { key: A.adminKey });
        t.equal(own.body.items.length, 1, 'A sees its posting');
      },

      'POST /v1/entries': async (t) => {
        const before = await snapshot(h);
        const aBefore = await h.request('GET', `/v1/accounts/${aAccount}`, { key: A.adminKey });
        t.equal(aBefore.status, 200);
        // Only A's accounts (the POINTS ones: B has an HOURS account of the same id by now, or not).
        const onlyA = `issuance:${aAccount}`;
        const res = await h.request('POST', '/v1/entries', { key: B.adminKey, body: transfer(onlyA, aAccount, '10.00') });
        isProblem(t, res, 404, 'account_not_found', "B posts to A's accounts");
        t.same(await snapshot(h), before, 'nothing written');
        // One of B's own accounts and one of A's.
        const bOwn = `system:b${uniq()}`;
        const opened = await h.request('POST', '/v1/accounts', {
          key: B.adminKey,
          body: { id: bOwn, unit: 'POINTS', type: 'system', allowNegative: true },
        });
        t.equal(opened.status, 201);
        const mid = await snapshot(h);
        const mixed = await h.request('POST', '/v1/entries', { key: B.adminKey, body: transfer(bOwn, onlyA, '10.00') });
        isProblem(t, mixed, 404, 'account_not_found', "B moves points into A's account");
        t.equal(mixed.body.accountId, onlyA, 'names the missing account');
        const drain = await h.request('POST', '/v1/entries', { key: B.adminKey, body: transfer(aAccount, bOwn, '10.00') });
        t.ok([404, 422].includes(drain.status), `B draining A's account id is refused (${drain.status})`);
        t.same(await snapshot(h), mid, 'nothing written by the refused entries');
        const aAfter = await h.request('GET', `/v1/accounts/${aAccount}`, { key: A.adminKey });
        t.equal(aAfter.body.balance, aBefore.body.balance, "A's balance is unchanged");
        await h.assertLedger(t);
      },

      'GET /v1/entries/:id': async (t) => {
        const res = await h.request('GET', `/v1/entries/${aEntry}`, { key: B.adminKey });
        isProblem(t, res, 404, 'entry_not_found', "B reads A's entry");
        t.notOk(JSON.stringify(res.body).includes(aAccount), 'no posting of A leaks');
        t.equal((await h.request('GET', `/v1/entries/${aEntry}`, { key: A.adminKey })).status, 200, 'A reads it');
      },

      'POST /v1/entries/:id/reversal': async (t) => {
        const entry = await h.request('POST', '/v1/entries', { key: A.adminKey, body: transfer(`issuance:${aAccount}`, aAccount, '4.00') });
        t.equal(entry.status, 201);
        const before = await snapshot(h);
        const res = await h.request('POST', `/v1/entries/${entry.body.id}/reversal`, { key: B.adminKey, body: { reason: 'not yours' } });
        isProblem(t, res, 404, 'entry_not_found', "B reverses A's entry");
        t.same(await snapshot(h), before, 'nothing written');
        const after = await h.request('GET', `/v1/entries/${entry.body.id}`, { key: A.adminKey });
        t.equal(after.body.reversedByEntryId, null, "A's entry is not reversed");
        // A can still reverse it itself: B's attempt consumed nothing.
        const own = await h.request('POST', `/v1/entries/${entry.body.id}/reversal`, { key: A.adminKey, body: { reason: 'mine' } });
        t.equal(own.status, 201, 'A reverses its own entry');
        await h.assertLedger(t);
      },

      'GET /v1/events': async (t) => {
        // Everything of B's feed is B's (its admin, auditor and station keys), none of A's.
        const bEntry = `member:bfeed${uniq()}:points`;
        await fundedAccount(h, { id: bEntry, points: '2', key: B.adminKey });
        const aEntries = await sql<{ id: string }>`SELECT entry_id::text AS id FROM ledger_entries WHERE tenant_id = ${A.tenantId}`.execute(h.database.db);
        const bEntries = await sql<{ id: string }>`SELECT entry_id::text AS id FROM ledger_entries WHERE tenant_id = ${B.tenantId}`.execute(h.database.db);
        const bConfig = await sql<{ n: string }>`SELECT count(*)::text AS n FROM config_changes WHERE tenant_id = ${B.tenantId}`.execute(h.database.db);
        for (const role of ['admin', 'auditor', 'station'] as const) {
          const key = role === 'admin' ? B.adminKey : await h.keyFor(role, B.adminKey);
          const seen: any[] = [];
          let after = '';
          for (let page = 0; page < 50; page++) {
            const res = await h.request('GET', `/v1/events?limit=500${after ? `&after=${after}` : ''}`, { key });
            t.equal(res.status, 200);
            seen.push(...res.body.items);
            after = res.body.nextCursor;
            if (!res.body.hasMore) break;
          }
          const text = JSON.stringify(seen);
          t.notOk(aEntries.rows.some((r) => text.includes(r.id)), `B's ${role} key: none of A's entries`);
          t.notOk(text.includes(A.tenantId) || text.includes(aAccount), `B's ${role} key: nothing that names A`);
          if (role === 'admin') {
            t.same(seen.filter((e) => e.kind === 'entry').map((e) => e.entry.id).sort(), bEntries.rows.map((r) => r.id).sort(), "B's admin: B's entries");
            t.equal(seen.filter((e) => e.kind === 'config').length, Number(bConfig.rows[0]!.n), "B's admin: B's configuration changes");
          }
        }
        // A's cursor in B's feed: a place in the order, no more; B still sees only its own.
        const aPage = await h.request('GET', '/v1/events?limit=1', { key: A.adminKey });
        const res = await h.request('GET', `/v1/events?after=${aPage.body.nextCursor}`, { key: B.adminKey });
        t.equal(res.status, 200);
        t.notOk(aEntries.rows.some((r) => JSON.stringify(res.body).includes(r.id)), "A's cursor shows B nothing of A");
      },

      'GET /v1/integrity': async (t) => {
        const bAcc = `member:bint${uniq()}:points`;
        await fundedAccount(h, { id: bAcc, points: '2', key: B.adminKey });
        const entries = async (tenantId: string) =>
          (await sql<{ n: string }>`SELECT count(*)::text AS n FROM ledger_entries WHERE tenant_id = ${tenantId}`.execute(h.database.db)).rows[0]!.n;
        const res = await h.request('GET', '/v1/integrity', { key: B.adminKey });
        t.equal(res.status, 200);
        t.match(res.body, { tenantId: B.tenantId, entries: await entries(B.tenantId) }, "B's verification counts only B's entries");
        t.not(res.body.entries, await entries(A.tenantId), 'which A does not have as many of');
      },

      'GET /v1/integrity/keys': async (t) => {
        await sealedEntry(h, aEntry);
        const keysOf = async (tenantId: string) =>
          (await sql<{ key_id: string }>`SELECT key_id FROM integrity_signing_keys WHERE tenant_id = ${tenantId}`.execute(h.database.db)).rows.map((r) => r.key_id).sort();
        const b = await h.request('GET', '/v1/integrity/keys', { key: B.adminKey });
        t.equal(b.status, 200);
        t.same(b.body.items.map((k: { keyId: string }) => k.keyId).sort(), await keysOf(B.tenantId), "B's list is exactly B's keys");
        const aKeys = await keysOf(A.tenantId);
        t.ok(aKeys.length > 0, 'A has a key');
        t.notOk(b.body.items.some((k: { keyId: string }) => aKeys.includes(k.keyId)), "none of A's");
      },

      'GET /v1/ledger/trial-balance': async (t) => {
        await fundedAccount(h, { id: `member:btb${uniq()}:points`, points: '6', key: B.adminKey });
        const res = await h.request('GET', '/v1/ledger/trial-balance', { key: B.adminKey });
        t.equal(res.status, 200);
        const ids = (res.body.accounts as { accountId: string }[]).map((a) => a.accountId);
        const own = (await sql<{ account_id: string }>`SELECT account_id FROM ledger_accounts WHERE tenant_id = ${B.tenantId} ORDER BY account_id`.execute(h.database.db)).rows.map((r) => r.account_id);
        t.same(ids, own, "B's trial balance lists exactly B's accounts");
        // (An id may be in both tenants: each is its own account.) The balances are B's.
        const balances = (await sql<{ account_id: string; balance: string }>`SELECT account_id, sum(balance)::numeric(20, 2)::text AS balance
          FROM ledger_balances WHERE tenant_id = ${B.tenantId} GROUP BY account_id ORDER BY account_id`.execute(h.database.db)).rows;
        t.same(
          (res.body.accounts as { accountId: string; balance: string }[]).map((a) => [a.accountId, a.balance]),
          balances.map((r) => [r.account_id, r.balance]),
          "with B's balances",
        );
      },

      'GET /v1/exports/journal': async (t) => {
        await fundedAccount(h, { id: `member:bexp${uniq()}:points`, points: '4', key: B.adminKey });
        const res = await h.request('GET', '/v1/exports/journal?format=jsonl', { key: B.adminKey });
        t.equal(res.status, 200);
        const lines = String(typeof res.body === 'string' ? res.body : JSON.stringify(res.body)).trim().split('\n').map((l) => JSON.parse(l));
        const postings = lines.filter((l) => l.type === 'posting');
        t.ok(postings.length > 0, 'B exports its own postings');
        t.ok(postings.every((l) => l.tenantId === B.tenantId), "only B's");
        t.notOk(postings.some((l) => l.entryId === aEntry), "A's entry is not in B's export");
      },

      'GET /v1/ledger/verification': async (t) => {
        // Give B some rows of its own so both sides are non-trivial.
        const bAcc = `member:bver${uniq()}:points`;
        await fundedAccount(h, { id: bAcc, points: '3', key: B.adminKey });
        const counts = async (tenantId: string) => {
          const r = await sql<{ entries: string; postings: string; accounts: string }>`SELECT
              (SELECT count(*) FROM ledger_entries WHERE tenant_id = ${tenantId})::text AS entries,
              (SELECT count(*) FROM ledger_postings WHERE tenant_id = ${tenantId})::text AS postings,
              (SELECT count(*) FROM ledger_accounts WHERE tenant_id = ${tenantId})::text AS accounts`.execute(h.database.db);
          return r.rows[0]!;
        };
        const bCounts = await counts(B.tenantId);
        const aCounts = await counts(A.tenantId);
        t.not(aCounts.entries, bCounts.entries, 'A and B have different numbers of entries (the check can tell them apart)');
        const res = await h.request('GET', '/v1/ledger/verification', { key: B.adminKey });
        t.equal(res.status, 200);
        t.match(res.body, { ok: true, tenantId: B.tenantId, ...bCounts, problems: [] }, "B's verification counts only B's rows");
        const resA = await h.request('GET', '/v1/ledger/verification', { key: A.adminKey });
        t.match(resA.body, { ok: true, tenantId: A.tenantId, ...aCounts }, "A's verification counts only A's rows");
      },
    };

    // Outside /v1, as /healthz and /docs: the public check of a certificate takes no key, and a key
    // sent with it (of any tenant, or none that works) changes nothing.
    t.test('the public certificate check needs no key', async (t) => {
      const cert = (await h.request('GET', `/v1/certificates/${aCertificate}`)).body;
      const answers = await Promise.all(
        [null, 'not-a-key', B.adminKey, A.adminKey].map((key) => h.request('GET', `/certificates/${cert.code}`, { key, headers: { accept: 'application/json' } })),
      );
      for (const a of answers) t.match(a, { status: 200, body: { status: 'valid', certificate: { number: cert.number.text } } });
      t.same(answers.map((a) => a.body), answers.map(() => answers[0]!.body), 'the same answer with any key or none');
      t.ok(![...appRoutes(h.app)].some((r) => r.startsWith('POST /certificates')), 'nothing is written through it');
    });

    t.test('the route tables cover every /v1 route the app has', async (t) => {
      const { all, withoutHead } = v1Routes(h.app);
      t.ok(withoutHead.includes('GET /v1/tenant'), 'the route list was parsed (sanity check)');
      t.ok(withoutHead.length >= 11, `found ${withoutHead.length} /v1 routes`);
      const tableKeys = table.map((c) => `${c.method} ${c.path}`).sort();
      t.same(tableKeys, withoutHead, 'the role matrix lists exactly the /v1 routes of the app');
      t.same(Object.keys(isolation).sort(), withoutHead, 'the isolation table lists exactly the /v1 routes of the app');
      for (const head of all.filter((r) => r.startsWith('HEAD '))) {
        t.ok(withoutHead.includes(head.replace(/^HEAD /, 'GET ')), `${head} is the automatic HEAD of a GET route`);
      }
      for (const op of openApiRoutes(h.app)) t.ok(tableKeys.includes(op), `OpenAPI operation ${op} is in the role matrix`);
    });

    // -------------------------------------------------------------------------------------------
    t.test('401 unauthenticated', async (t) => {
      const [, , keyId, secret] = KEY_FORMAT.exec(h.adminKey)!;

      t.test('every kind of missing or bad credential', async (t) => {
        const before = await snapshot(h);
        const cases: { name: string; headers?: Record<string, string>; key?: string }[] = [
          { name: 'no Authorization header' },
          { name: 'empty Authorization header', headers: { authorization: '' } },
          { name: 'Basic scheme', headers: { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` } },
          { name: 'a valid key under another scheme', headers: { authorization: `Token ${h.adminKey}` } },
          { name: 'the bare key without a scheme', headers: { authorization: h.adminKey } },
          { name: '"Bearer" and nothing else', headers: { authorization: 'Bearer' } },
          { name: '"Bearer " and nothing else', headers: { authorization: 'Bearer ' } },
          { name: 'a malformed key', key: 'not-a-key' },
          { name: 'a key with an extra character', key: `${h.adminKey}x` },
          { name: 'a truncated key', key: h.adminKey.slice(0, -1) },
          { name: 'a key with two tokens', headers: { authorization: `Bearer ${h.adminKey} ${h.adminKey}` } },
          { name: 'a well-formed but unknown key', key: `vk_${h.tenantId}.${randomHex(8)}.${randomSecret()}` },
          { name: 'a well-formed key of an unknown tenant', key: `vk_nosuchtenant.${keyId}.${secret}` },
          { name: 'a known key id with a wrong secret', key: `vk_${h.tenantId}.${keyId}.${randomSecret()}` },
          { name: 'a known key id with an upper-cased secret', key: `vk_${h.tenantId}.${keyId}.${secret!.toUpperCase()}` },
        ];
        for (const c of cases) {
          const res = await h.request('GET', '/v1/tenant', { key: c.key ?? null, headers: c.headers ?? {} });
          isUnauthenticated(t, res, c.name);
          t.notOk(JSON.stringify(res.body).includes(secret!), `${c.name}: the answer does not echo the secret`);
        }
        t.same(await snapshot(h), before, 'nothing written');
      });

      t.test('the Bearer scheme is case-insensitive and the good key works', async (t) => {
        for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
          const res = await h.request('GET', '/v1/tenant', { key: null, headers: { authorization: `${scheme} ${h.adminKey}` } });
          t.equal(res.status, 200, `${scheme} accepted`);
          t.equal(res.body.id, h.tenantId);
        }
      });

      t.test("another tenant's prefix on a valid key id and secret is refused", async (t) => {
        const b = await h.newTenant();
        const res = await h.request('GET', '/v1/tenant', { key: `vk_${b.tenantId}.${keyId}.${secret}` });
        isUnauthenticated(t, res, 'key of tenant A presented as tenant B');
        const [, , bKeyId, bSecret] = KEY_FORMAT.exec(b.adminKey)!;
        const res2 = await h.request('GET', '/v1/tenant', { key: `vk_${h.tenantId}.${bKeyId}.${bSecret}` });
        isUnauthenticated(t, res2, 'key of tenant B presented as tenant A');
        const mixed = await h.request('GET', '/v1/tenant', { key: `vk_${h.tenantId}.${keyId}.${bSecret}` });
        isUnauthenticated(t, mixed, "A's key id with B's secret");
      });

      t.test('a revoked key is refused at once, on every route', async (t) => {
        const key = await h.keyFor('admin');
        const id = await keyIdOf(h, key);
        const revoked = await h.request('POST', `/v1/api-keys/${id}/revocation`, { body: {} });
        t.equal(revoked.status, 200, 'revoked');
        isUnauthenticated(t, await whoAmI(h, key), 'the very next request with the revoked key');
        for (const c of table) {
          const call = await c.prepare();
          const mid = await snapshot(h);
          const res = await h.request(c.method, call.url, { key, body: call.body });
          isUnauthenticated(t, res, `revoked key on ${c.method} ${c.path}`);
          t.same(await snapshot(h), mid, `revoked key on ${c.method} ${c.path}: nothing written`);
        }
        // It stays revoked: it cannot revoke anything or bring itself back.
        const selfAgain = await h.request('POST', `/v1/api-keys/${id}/revocation`, { key, body: {} });
        isUnauthenticated(t, selfAgain, 'revoked key revoking itself');
      });

      t.test('every route: no key is 401 before body validation, and nothing is written', async (t) => {
        for (const c of table) {
          const call = await c.prepare();
          const before = await snapshot(h);
          const good = await h.request(c.method, call.url, { key: null, body: call.body });
          isUnauthenticated(t, good, `${c.method} ${c.path} without a key`);
          if (c.method !== 'GET') {
            const bad = await sendBad(h, c, call, null);
            isUnauthenticated(t, bad, `${c.method} ${c.path} without a key and with a bad body`);
            const wrongType = await h.request(c.method, call.url, {
              key: null,
              body: 'a=1',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
            });
            isUnauthenticated(t, wrongType, `${c.method} ${c.path} without a key and with a non-JSON body`);
            const badKeyBadBody = await sendBad(h, c, call, `vk_${h.tenantId}.${randomHex(8)}.${randomSecret()}`);
            isUnauthenticated(t, badKeyBadBody, `${c.method} ${c.path} with an unknown key and a bad body`);
          } else {
            const head = await h.request('HEAD', call.url, { key: null });
            t.equal(head.status, 401, `HEAD ${c.path} without a key: 401`);
          }
          t.same(await snapshot(h), before, `${c.method} ${c.path}: nothing written`);
        }
      });

      t.test('a refused call does not claim its Idempotency-Key', async (t) => {
        const body = transfer(fx.issuance, fx.account, '3.00');
        const headers = { 'idempotency-key': `auth-claim-${uniq()}` };
        isUnauthenticated(t, await h.request('POST', '/v1/entries', { key: null, body, headers }), 'without a key');
        isForbidden(t, await h.request('POST', '/v1/entries', { key: keys.station, body, headers }), 'station key');
        isForbidden(t, await h.request('POST', '/v1/entries', { key: keys.auditor, body, headers }), 'auditor key');
        const ok = await h.request('POST', '/v1/entries', { body, headers });
        t.equal(ok.status, 201, 'the admin call with the same key runs');
        t.not(ok.headers['idempotent-replayed'], 'true', 'and is not a replay of a refusal');
        await h.assertLedger(t);
      });
    });

    // -------------------------------------------------------------------------------------------
    t.test('403 role matrix on every /v1 route', async (t) => {
      for (const c of table) {
        t.test(`${c.method} ${c.path}`, async (t) => {
          for (const role of ROLES) {
            const call = await c.prepare();
            const before = await snapshot(h);
            const res = await h.request(c.method, call.url, {
              key: keys[role],
              body: call.body,
              headers: c.method !== 'GET' ? { 'idempotency-key': `matrix-${role}-${uniq()}` } : {},
            });
            if (c.allowed.includes(role)) {
              t.equal(res.status, c.status, `${role} may call it: ${res.status} ${res.status >= 400 ? JSON.stringify(res.body) : ''}`);
            } else {
              isForbidden(t, res, `${role} is refused`);
              t.same(await snapshot(h), before, `${role}: nothing written`);
              if (c.method !== 'GET') {
                // The role check comes before the body is read or validated.
                const bad = await sendBad(h, c, call, keys[role]);
                isForbidden(t, bad, `${role} with a bad body is still 403`);
                t.same(await snapshot(h), before, `${role} with a bad body: nothing written`);
              } else {
                const head = await h.request('HEAD', call.url, { key: keys[role] });
                t.equal(head.status, 403, `${role}: HEAD is refused as well`);
              }
            }
          }
        });
      }

      t.test('the expected matrix, spelled out', async (t) => {
        // Guards the table itself against an accidental widening.
        const allowed = Object.fromEntries(table.map((c) => [`${c.method} ${c.path}`, [...c.allowed].sort()]));
        t.same(allowed, {
          'GET /v1/tenant': ['admin', 'auditor', 'pos', 'station'],
          'POST /v1/api-keys': ['admin'],
          'GET /v1/api-keys': ['admin'],
          'POST /v1/api-keys/:id/revocation': ['admin'],
          'POST /v1/accounts': ['admin'],
          'GET /v1/accounts/:id': ['admin', 'auditor'],
          'GET /v1/accounts/:id/postings': ['admin', 'auditor'],
          'POST /v1/entries': ['admin'],
          'GET /v1/entries/:id': ['admin', 'auditor'],
          'POST /v1/entries/:id/reversal': ['admin'],
          'POST /v1/holds': ['admin'],
          'GET /v1/holds/:id': ['admin', 'auditor'],
          'POST /v1/holds/:id/capture': ['admin'],
          'POST /v1/holds/:id/void': ['admin'],
          'GET /v1/ledger/verification': ['admin', 'auditor'],
          'GET /v1/integrity': ['admin', 'auditor'],
          'GET /v1/integrity/keys': ['admin', 'auditor', 'pos', 'station'],
          'GET /v1/entries/:id/proof': ['admin', 'auditor'],
          'GET /v1/exports/journal': ['admin', 'auditor'],
          'GET /v1/ledger/trial-balance': ['admin', 'auditor'],
          'GET /v1/reports/participation': ['admin', 'auditor', 'station'],
          'GET /v1/settings': ['admin', 'auditor'],
          'GET /v1/settings/expiry-policies': ['admin', 'auditor'],
          'PATCH /v1/settings': ['admin'],
          'POST /v1/org-units': ['admin'],
          'GET /v1/org-units': ['admin', 'auditor', 'station'],
          'GET /v1/org-units/:id': ['admin', 'auditor', 'station'],
          'PATCH /v1/org-units/:id': ['admin'],
          'POST /v1/org-units/:id/deactivation': ['admin'],
          'POST /v1/members': ['admin', 'station'],
          'GET /v1/members/:id': ['admin', 'auditor', 'station'],
          'GET /v1/cards/:cardNo': ['admin', 'auditor', 'station'],
          'GET /v1/cards/:cardNo/counter-view': ['admin', 'auditor', 'pos', 'station'],
          'POST /v1/members/:id/cards': ['admin', 'station'],
          'POST /v1/members/:id/cards/:cardNo/block': ['admin', 'station'],
          'POST /v1/members/:id/deactivation': ['admin'],
          'GET /v1/members/:id/star-changes': ['admin', 'auditor', 'station'],
          'GET /v1/members/:id/lots': ['admin', 'auditor', 'station'],
          'GET /v1/members/:id/statement': ['admin', 'auditor', 'station'],
          'POST /v1/service-records': ['admin', 'station'],
          'POST /v1/service-records:batch': ['admin', 'station'],
          'GET /v1/service-records': ['admin', 'auditor', 'station'],
          'GET /v1/service-records/:id': ['admin', 'auditor', 'station'],
          'POST /v1/service-records/:id/verification': ['admin', 'station'],
          'POST /v1/service-records/:id/rejection': ['admin', 'station'],
          'POST /v1/service-records/:id/rating': ['admin', 'station'],
          'POST /v1/service-records/:id/correction': ['admin', 'station'],
          'POST /v1/service-records/:id/revocation': ['admin', 'station'],
          'POST /v1/points-rules': ['admin'],
          'GET /v1/points-rules': ['admin', 'auditor', 'station'],
          'POST /v1/demo': ['admin'],
          'GET /v1/events': ['admin', 'auditor', 'station'],
          'POST /v1/markets/:id/items': ['admin'],
          'GET /v1/markets/:id/items': ['admin', 'auditor', 'pos'],
          'GET /v1/markets/:id/items/:sku': ['admin', 'auditor', 'pos'],
          'PATCH /v1/markets/:id/items/:sku': ['admin'],
          'POST /v1/markets/:id/items/:sku/stock-movements': ['admin', 'pos'],
          'GET /v1/markets/:id/items/:sku/stock-movements': ['admin', 'auditor', 'pos'],
          'POST /v1/redemptions': ['admin', 'pos'],
          'POST /v1/redemptions:batch': ['admin', 'pos'],
          'GET /v1/redemptions/:id': ['admin', 'auditor', 'pos'],
          'POST /v1/redemptions/:id/refunds': ['admin', 'pos'],
          'GET /v1/markets/:id/receipts': ['admin', 'auditor', 'pos'],
          'POST /v1/redemption-holds': ['admin', 'pos'],
          'GET /v1/redemption-holds/:id': ['admin', 'auditor', 'pos'],
          'POST /v1/redemption-holds/:id/capture': ['admin', 'pos'],
          'POST /v1/redemption-holds/:id/void': ['admin', 'pos'],
          'POST /v1/markets': ['admin'],
          'GET /v1/markets': ['admin', 'auditor', 'pos'],
          'GET /v1/markets/:id': ['admin', 'auditor', 'pos'],
          'PATCH /v1/markets/:id': ['admin'],
          'POST /v1/markets/:id/deactivation': ['admin'],
          'POST /v1/markets/:id/terminals': ['admin'],
          'GET /v1/markets/:id/terminals': ['admin', 'auditor', 'pos'],
          'GET /v1/markets/:id/days/:date': ['admin', 'auditor', 'pos'],
          'POST /v1/terminals/:id/deactivation': ['admin'],
          'POST /v1/terminals/:id/key': ['admin'],
          'POST /v1/members/:id/certificates': ['admin', 'station'],
          'GET /v1/certificates/:id': ['admin', 'auditor', 'station'],
          'POST /v1/certificates/:id/withdrawal': ['admin', 'station'],
        });
      });

      t.test('each role key reports its own role and tenant', async (t) => {
        for (const role of ROLES) {
          const res = await whoAmI(h, keys[role]);
          t.equal(res.status, 200, `${role} reads /v1/tenant`);
          t.match(res.body, { id: h.tenantId, role }, `${role}: tenant and role`);
        }
      });

      t.test('a forbidden reversal leaves the entry unreversed', async (t) => {
        const entry = await h.request('POST', '/v1/entries', { body: transfer(fx.issuance, fx.account, '1.50') });
        for (const role of ['auditor', 'station', 'pos'] as const) {
          isForbidden(t, await h.request('POST', `/v1/entries/${entry.body.id}/reversal`, { key: keys[role], body: { reason: 'x' } }), role);
        }
        const after = await h.request('GET', `/v1/entries/${entry.body.id}`);
        t.equal(after.body.reversedByEntryId, null, 'not reversed');
      });

      t.test('a forbidden revocation leaves the key working', async (t) => {
        const victim = await h.keyFor('pos');
        const id = await keyIdOf(h, victim);
        for (const role of ['auditor', 'station', 'pos'] as const) {
          isForbidden(t, await h.request('POST', `/v1/api-keys/${id}/revocation`, { key: keys[role], body: {} }), role);
        }
        // A key may not revoke itself either unless it is an admin.
        isForbidden(t, await h.request('POST', `/v1/api-keys/${id}/revocation`, { key: victim, body: {} }), 'pos key on itself');
        t.equal((await whoAmI(h, victim)).status, 200, 'the key still works');
      });

      t.test('the ledger verifies after the matrix', async (t) => {
        await h.assertLedger(t);
      });
    });

    // -------------------------------------------------------------------------------------------
    t.test('API keys', async (t) => {
      t.test('create: the secret is shown once, in a usable key', async (t) => {
        for (const role of ROLES) {
          const res = await h.request('POST', '/v1/api-keys', { body: { name: `新 ${role} 密钥`, role } });
          t.equal(res.status, 201, `${role} key created`);
          t.match(res.body, { name: `新 ${role} 密钥`, role, revokedAt: null }, `${role}: fields`);
          t.ok(Number.isFinite(Date.parse(res.body.createdAt)), `${role}: createdAt is a time`);
          const m = KEY_FORMAT.exec(res.body.key);
          t.ok(m, `${role}: key has the vk_<tenant>.<id>.<secret> form`);
          t.equal(m?.[1], h.tenantId, `${role}: key names its tenant`);
          t.equal(m?.[2], res.body.id, `${role}: key carries its id`);
          const me = await whoAmI(h, res.body.key);
          t.equal(me.status, 200, `${role}: the new key works`);
          t.match(me.body, { id: h.tenantId, keyId: res.body.id, role }, `${role}: the new key is who it says`);
        }
        const a = await h.request('POST', '/v1/api-keys', { body: { name: 'same', role: 'pos' } });
        const b = await h.request('POST', '/v1/api-keys', { body: { name: 'same', role: 'pos' } });
        t.not(a.body.id, b.body.id, 'two keys get distinct ids');
        t.not(a.body.key, b.body.key, 'and distinct secrets');
      });

      t.test('create: validation', async (t) => {
        const before = await snapshot(h);
        isProblem(t, await h.request('POST', '/v1/api-keys', { body: { name: 'x', role: 'superuser' } }), 400, 'validation_failed', 'unknown role');
        isProblem(t, await h.request('POST', '/v1/api-keys', { body: { name: '  ', role: 'pos' } }), 400, 'validation_failed', 'blank name');
        isProblem(t, await h.request('POST', '/v1/api-keys', { body: { role: 'pos' } }), 400, 'validation_failed', 'no name');
        t.same(await snapshot(h), before, 'nothing written');
      });

      t.test('create with an Idempotency-Key: a replay does not mint a second key', async (t) => {
        const headers = { 'idempotency-key': `key-create-${uniq()}` };
        const body = { name: 'idempotent key', role: 'station' };
        const first = await h.request('POST', '/v1/api-keys', { body, headers });
        const countAfterFirst = await h.count('api_keys');
        const again = await h.request('POST', '/v1/api-keys', { body, headers });
        t.equal(first.status, 201);
        t.equal(again.status, 201);
        t.equal(again.headers['idempotent-replayed'], 'true', 'marked as a replay');
        t.equal(again.body.id, first.body.id, 'the same key');
        t.equal(await h.count('api_keys'), countAfterFirst, 'no second key row');
      });

      t.test('list never shows a secret', async (t) => {
        const created = await h.request('POST', '/v1/api-keys', { body: { name: 'listed', role: 'auditor' } });
        const secret = KEY_FORMAT.exec(created.body.key)![3]!;
        const list = await h.request('GET', '/v1/api-keys');
        t.equal(list.status, 200);
        t.ok(Array.isArray(list.body.items) && list.body.items.length >= 5, 'lists the keys');
        const mine = list.body.items.find((k: { id: string }) => k.id === created.body.id);
        t.match(mine, { id: created.body.id, name: 'listed', role: 'auditor', revokedAt: null }, 'the new key is listed');
        for (const item of list.body.items) {
          t.same(Object.keys(item).sort(), ['createdAt', 'id', 'marketId', 'name', 'orgUnitId', 'revokedAt', 'role', 'terminalId'], `key ${item.id}: only public fields`);
        }
        const text = JSON.stringify(list.body);
        t.notOk(text.includes(secret), 'the secret appears nowhere in the list');
        t.notOk(text.includes(created.body.key), 'the full key appears nowhere in the list');
        t.notOk(text.includes(KEY_FORMAT.exec(h.adminKey)![3]!), "the first admin key's secret appears nowhere");
        t.notOk(/vk_/.test(text), 'no key string at all');
      });

      t.test('the database holds only a SHA-256 of the secret', async (t) => {
        const created = await h.request('POST', '/v1/api-keys', { body: { name: 'stored', role: 'station' } });
        const [, , id, secret] = KEY_FORMAT.exec(created.body.key)!;
        const row = await h.database.db
          .selectFrom('api_keys')
          .selectAll()
          .where('tenant_id', '=', h.tenantId)
          .where('key_id', '=', id!)
          .executeTakeFirstOrThrow();
        const text = JSON.stringify(row);
        t.notOk(text.includes(secret!), 'no column holds the secret');
        t.notOk(text.includes(created.body.key), 'no column holds the key');
        t.match(row.secret_hash, /^[0-9a-f]{64}$/, 'a 256-bit hex digest is stored');
        t.equal(row.secret_hash, crypto.createHash('sha256').update(secret!).digest('hex'), 'it is SHA-256 of the secret');
        // No key string anywhere in the table, nor in the idempotency store.
        const all = await sql<{ t: string }>`SELECT coalesce(string_agg(k::text, ','), '') AS t FROM api_keys k`.execute(h.database.db);
        t.notOk(all.rows[0]!.t.includes(secret!), 'the secret is in no api_keys row');
        const idem = await sql<{ t: string }>`SELECT coalesce(string_agg(i::text, ','), '') AS t FROM idempotency_keys i`.execute(
          h.database.db,
        );
        t.notOk(idem.rows[0]!.t.includes(secret!), 'the secret is in no idempotency row');
      });

      t.test('revocation: at once, idempotent, keeps the first revokedAt', async (t) => {
        const key = await h.keyFor('station');
        const id = await keyIdOf(h, key);
        const first = await h.request('POST', `/v1/api-keys/${id}/revocation`, { body: {} });
        t.equal(first.status, 200, 'revoked');
        t.match(first.body, { id, role: 'station' });
        t.ok(first.body.revokedAt && Number.isFinite(Date.parse(first.body.revokedAt)), 'revokedAt set');
        isUnauthenticated(t, await whoAmI(h, key), 'the revoked key, right after');
        await new Promise((r) => setTimeout(r, 20));
        const second = await h.request('POST', `/v1/api-keys/${id}/revocation`, { body: {} });
        t.equal(second.status, 200, 'revoking again is fine');
        t.equal(second.body.revokedAt, first.body.revokedAt, 'the first revokedAt is kept');
        const listed = (await h.request('GET', '/v1/api-keys')).body.items.find((k: { id: string }) => k.id === id);
        t.equal(listed.revokedAt, first.body.revokedAt, 'the list shows the same revokedAt');
        isUnauthenticated(t, await whoAmI(h, key), 'still revoked');
      });

      t.test('revocation: unknown and malformed ids', async (t) => {
        const before = await snapshot(h);
        const unknown = randomHex(8);
        const res = await h.request('POST', `/v1/api-keys/${unknown}/revocation`, { body: {} });
        isProblem(t, res, 404, 'api_key_not_found', 'unknown key id');
        isProblem(t, await h.request('POST', '/v1/api-keys/XYZ/revocation', { body: {} }), 400, 'validation_failed', 'malformed key id');
        t.same(await snapshot(h), before, 'nothing written');
      });

      t.test('the last active admin key cannot be revoked', async (t) => {
        const b = await h.newTenant();
        const id = await keyIdOf(h, b.adminKey);
        await h.keyFor('station', b.adminKey);
        await h.keyFor('auditor', b.adminKey);
        const res = await h.request('POST', `/v1/api-keys/${id}/revocation`, { key: b.adminKey, body: {} });
        isProblem(t, res, 409, 'last_admin_key', 'revoking the only admin key (itself)');
        t.equal((await whoAmI(h, b.adminKey)).status, 200, 'the key still works');
        t.same(await activeAdmins(h, b.tenantId), [id], 'still one active admin');

        // With a second admin, one may go; then the other is the last again.
        const second = await h.keyFor('admin', b.adminKey);
        const secondId = await keyIdOf(h, second);
        const revokeFirst = await h.request('POST', `/v1/api-keys/${id}/revocation`, { key: second, body: {} });
        t.equal(revokeFirst.status, 200, 'the first admin key is revoked by the second');
        isUnauthenticated(t, await whoAmI(h, b.adminKey), 'the first admin key stops working');
        const revokeSecond = await h.request('POST', `/v1/api-keys/${secondId}/revocation`, { key: second, body: {} });
        isProblem(t, revokeSecond, 409, 'last_admin_key', 'the second is now the last');
        t.equal((await whoAmI(h, second)).status, 200, 'the second still works');

        // A revoked admin key does not count as an admin.
        const third = await h.keyFor('admin', second);
        const thirdId = await keyIdOf(h, third);
        t.equal((await h.request('POST', `/v1/api-keys/${thirdId}/revocation`, { key: second, body: {} })).status, 200, 'third revoked');
        isProblem(
          t,
          await h.request('POST', `/v1/api-keys/${secondId}/revocation`, { key: second, body: {} }),
          409,
          'last_admin_key',
          'revoked admin keys do not count',
        );
        t.same(await activeAdmins(h, b.tenantId), [secondId], 'exactly the second admin is active');
        // Revoking an already revoked admin key is not blocked by the last-admin rule.
        const again = await h.request('POST', `/v1/api-keys/${id}/revocation`, { key: second, body: {} });
        t.equal(again.status, 200, 're-revoking a revoked admin key is fine');
        t.equal(again.body.revokedAt, revokeFirst.body.revokedAt, 'and keeps its revokedAt');
      });

      t.test('two admins revoking each other at once leave one admin', async (t) => {
        for (let round = 0; round < 5; round++) {
          const b = await h.newTenant();
          const other = await h.keyFor('admin', b.adminKey);
          const [idA, idB] = [await keyIdOf(h, b.adminKey), await keyIdOf(h, other)];
          const [ra, rb] = await Promise.all([
            h.request('POST', `/v1/api-keys/${idB}/revocation`, { key: b.adminKey, body: {} }),
            h.request('POST', `/v1/api-keys/${idA}/revocation`, { key: other, body: {} }),
          ]);
          const statuses = [ra.status, rb.status];
          t.equal(statuses.filter((s) => s === 200).length, 1, `round ${round}: exactly one revocation wins (${statuses})`);
          for (const r of [ra, rb]) {
            if (r.status !== 200) t.ok(['last_admin_key', 'unauthenticated'].includes(r.body.code), `round ${round}: loser gets ${r.body.code}`);
          }
          const active = await activeAdmins(h, b.tenantId);
          t.equal(active.length, 1, `round ${round}: one admin remains`);
          const survivor = active[0] === idA ? b.adminKey : other;
          t.equal((await whoAmI(h, survivor)).status, 200, `round ${round}: the surviving admin key works`);
          t.equal((await h.request('GET', '/v1/api-keys', { key: survivor })).status, 200, `round ${round}: and can still administer`);
        }
      });
    });

    t.test('tenant isolation on every /v1 route', async (t) => {
      for (const [route, check] of Object.entries(isolation)) t.test(route, check);
    });

    t.test('the same account id in two tenants: separate accounts, separate balances', async (t) => {
      const id = `member:twin${uniq()}:points`;
      await fundedAccount(h, { id, points: '30', key: A.adminKey });
      await fundedAccount(h, { id, points: '7.25', key: B.adminKey });
      const a = await h.request('GET', `/v1/accounts/${id}`, { key: A.adminKey });
      const b = await h.request('GET', `/v1/accounts/${id}`, { key: B.adminKey });
      t.equal(a.body.balance, '30.00', "A's balance");
      t.equal(b.body.balance, '7.25', "B's balance");
      const spend = await h.request('POST', '/v1/entries', { key: B.adminKey, body: transfer(id, `issuance:${id}`, '7.25') });
      t.equal(spend.status, 201, 'B spends all of its own');
      const tooMuch = await h.request('POST', '/v1/entries', { key: B.adminKey, body: transfer(id, `issuance:${id}`, '0.01') });
      isProblem(t, tooMuch, 422, 'insufficient_points', "B cannot spend A's balance");
      t.equal((await h.request('GET', `/v1/accounts/${id}`, { key: A.adminKey })).body.balance, '30.00', "A's balance untouched");
      t.equal((await h.request('GET', `/v1/accounts/${id}`, { key: B.adminKey })).body.balance, '0.00', "B's balance is 0");
      const aPost = await h.request('GET', `/v1/accounts/${id}/postings`, { key: A.adminKey });
      const bPost = await h.request('GET', `/v1/accounts/${id}/postings`, { key: B.adminKey });
      t.equal(aPost.body.items.length, 1, 'A sees only its posting');
      t.equal(bPost.body.items.length, 2, 'B sees only its postings');
      const aIds = new Set(aPost.body.items.map((p: { entryId: string }) => p.entryId));
      t.notOk(bPost.body.items.some((p: { entryId: string }) => aIds.has(p.entryId)), 'no shared entries');
      await h.assertLedger(t);
    });

    t.test('the same Idempotency-Key in two tenants: two separate results, no cross-tenant replay', async (t) => {
      const id = `member:idem${uniq()}:points`;
      await fundedAccount(h, { id, points: '20', key: A.adminKey });
      await fundedAccount(h, { id, points: '20', key: B.adminKey });
      const headers = { 'idempotency-key': `shared-${uniq()}` };
      const body = transfer(`issuance:${id}`, id, '5.00');
      const entriesBefore = await h.count('ledger_entries');
      const a = await h.request('POST', '/v1/entries', { key: A.adminKey, body, headers });
      const b = await h.request('POST', '/v1/entries', { key: B.adminKey, body, headers });
      t.equal(a.status, 201, 'A posts');
      t.equal(b.status, 201, 'B posts with the same key and body');
      t.not(b.headers['idempotent-replayed'], 'true', "B's call is not a replay of A's");
      t.not(b.body.id, a.body.id, 'two different entries');
      t.equal(await h.count('ledger_entries'), entriesBefore + 2, 'two entries written');
      isProblem(t, await h.request('GET', `/v1/entries/${a.body.id}`, { key: B.adminKey }), 404, 'entry_not_found', "B cannot read A's result");
      t.equal((await h.request('GET', `/v1/accounts/${id}`, { key: A.adminKey })).body.balance, '25.00', 'A credited once');
      t.equal((await h.request('GET', `/v1/accounts/${id}`, { key: B.adminKey })).body.balance, '25.00', 'B credited once');

      // Each tenant's replay returns its own result.
      const aAgain = await h.request('POST', '/v1/entries', { key: A.adminKey, body, headers });
      const bAgain = await h.request('POST', '/v1/entries', { key: B.adminKey, body, headers });
      t.equal(aAgain.headers['idempotent-replayed'], 'true', 'A replays');
      t.equal(aAgain.body.id, a.body.id, "A's replay is A's entry");
      t.equal(bAgain.headers['idempotent-replayed'], 'true', 'B replays');
      t.equal(bAgain.body.id, b.body.id, "B's replay is B's entry");

      // A different body under a key A used is not a conflict for B.
      const headers2 = { 'idempotency-key': `shared2-${uniq()}` };
      const a2 = await h.request('POST', '/v1/accounts', { key: A.adminKey, body: { id: `member:k${uniq()}:points`, unit: 'POINTS', type: 'member' }, headers: headers2 });
      const b2 = await h.request('POST', '/v1/accounts', { key: B.adminKey, body: { id: `member:k${uniq()}:points`, unit: 'HOURS', type: 'member' }, headers: headers2 });
      t.equal(a2.status, 201, 'A opens an account under the key');
      t.equal(b2.status, 201, 'B opens a different account under the same key: no idempotency_conflict');
      t.not(b2.headers['idempotent-replayed'], 'true', 'not a replay');
      t.equal(b2.body.unit, 'HOURS', "B got its own result, not A's");

      // A refusal stored under A's key is not replayed to B either.
      const headers3 = { 'idempotency-key': `shared3-${uniq()}` };
      const refused = await h.request('POST', '/v1/entries', { key: A.adminKey, body: transfer(id, `issuance:${id}`, '999.00'), headers: headers3 });
      isProblem(t, refused, 422, 'insufficient_points', "A's refused debit");
      const bOk = await h.request('POST', '/v1/entries', { key: B.adminKey, body: transfer(id, `issuance:${id}`, '1.00'), headers: headers3 });
      t.equal(bOk.status, 201, "B's write under the same key runs");
      t.not(bOk.headers['idempotent-replayed'], 'true', "and is not A's refusal replayed");
      await h.assertLedger(t);
    });

    t.test('the ledger verifies at the end', async (t) => {
      await h.assertLedger(t);
    });
  });
}

// A key revoked by another process of the same deployment (here: straight in the database) is
// trusted from this process's cache for at most API_KEY_CACHE_MS; with 0 it is refused at once.
t.test('API keys cached for API_KEY_CACHE_MS only', async (t) => {
  const revokeElsewhere = (h: Harness, keyId: string) =>
    sql`UPDATE api_keys SET revoked_at = now() WHERE key_id = ${keyId}`.execute(h.app.db);

  t.test('within the cache time, then refused', async (t) => {
    const h = await setup(t, 'postgres', { env: { API_KEY_CACHE_MS: '400' } });
    const key = await h.keyFor('station');
    await revokeElsewhere(h, await keyIdOf(h, key));
    t.equal((await whoAmI(h, key)).status, 200, 'still trusted from the cache right after');
    await new Promise((r) => setTimeout(r, 500));
    isUnauthenticated(t, await whoAmI(h, key), 'refused once the cache time has passed');
  });

  t.test('0 turns the cache off', async (t) => {
    const h = await setup(t, 'postgres', { env: { API_KEY_CACHE_MS: '0' } });
    const key = await h.keyFor('station');
    await revokeElsewhere(h, await keyIdOf(h, key));
    isUnauthenticated(t, await whoAmI(h, key), 'refused at once');
  });
});
