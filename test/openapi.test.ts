// The committed OpenAPI document is what the code generates (the same check as CI's
// `npm run openapi:check`, run as a process because src/cli.ts runs its command on import), the
// running app serves that same document, and it describes every /v1 route with its problems.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import t from 'tap';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { DB } from '../src/db/schema.js';
import { type ProblemCode, problemCodes, problems } from '../src/problems.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const FILE = path.join(ROOT, 'openapi', 'openapi.json');

// Every /v1 operation and the problem codes its route declares beyond the ones every /v1 route
// has (unauthenticated, forbidden, service_unavailable, internal_error).
const V1: Record<string, ProblemCode[]> = {
  'GET /v1/tenant': [],
  'POST /v1/api-keys': ['validation_failed', 'scope_not_allowed', 'org_unit_not_found', 'market_not_found', 'market_inactive', 'idempotency_conflict'],
  'GET /v1/api-keys': [],
  'POST /v1/api-keys/{id}/revocation': ['validation_failed', 'api_key_not_found', 'last_admin_key'],
  'POST /v1/accounts': ['validation_failed', 'account_exists', 'idempotency_conflict'],
  'GET /v1/accounts/{id}': ['validation_failed', 'account_not_found'],
  'GET /v1/accounts/{id}/postings': ['validation_failed', 'account_not_found', 'invalid_cursor'],
  'POST /v1/entries': [
    'validation_failed', 'invalid_amount', 'amount_not_positive', 'too_many_decimals', 'unbalanced_entry',
    'account_not_found', 'unit_mismatch', 'insufficient_points', 'insufficient_hours', 'idempotency_conflict',
  ],
  'GET /v1/entries/{id}': ['validation_failed', 'entry_not_found'],
  'POST /v1/entries/{id}/reversal': [
    'validation_failed', 'entry_not_found', 'already_reversed', 'entry_not_reversible', 'insufficient_points',
    'insufficient_hours', 'entry_belongs_to_record', 'entry_belongs_to_sale', 'idempotency_conflict',
  ],
  'GET /v1/ledger/verification': [],
  'GET /v1/integrity': [],
  'GET /v1/integrity/keys': [],
  'GET /v1/entries/{id}/proof': ['validation_failed', 'entry_not_found', 'entry_not_sealed', 'proof_chain_invalid'],
  'GET /v1/exports/journal': ['validation_failed'],
  'GET /v1/reports/participation': ['validation_failed', 'report_period_invalid', 'org_unit_not_found', 'org_unit_out_of_scope'],
  'POST /v1/holds': [
    'validation_failed', 'invalid_amount', 'amount_not_positive', 'too_many_decimals', 'account_not_found', 'unit_mismatch',
    'insufficient_points', 'insufficient_hours', 'account_not_holdable', 'hold_expiry_invalid', 'idempotency_conflict',
  ],
  'POST /v1/holds/{id}/capture': [
    'validation_failed', 'invalid_amount', 'amount_not_positive', 'too_many_decimals', 'unbalanced_entry', 'hold_not_found',
    'account_not_found', 'unit_mismatch', 'hold_already_captured', 'hold_already_voided', 'hold_expired', 'hold_exceeded',
    'idempotency_conflict',
  ],
  'POST /v1/holds/{id}/void': ['validation_failed', 'hold_not_found', 'hold_already_captured', 'hold_already_voided', 'hold_expired', 'idempotency_conflict'],
  'GET /v1/holds/{id}': ['validation_failed', 'hold_not_found'],
  'GET /v1/settings': [],
  'GET /v1/settings/expiry-policies': [],
  'PATCH /v1/settings': ['validation_failed', 'idempotency_conflict'],
  'POST /v1/org-units': ['validation_failed', 'org_unit_not_found', 'org_unit_exists', 'account_exists', 'idempotency_conflict', 'invalid_parent'],
  'GET /v1/org-units': [],
  'GET /v1/org-units/{id}': ['validation_failed', 'org_unit_out_of_scope', 'org_unit_not_found'],
  'PATCH /v1/org-units/{id}': ['validation_failed', 'org_unit_not_found', 'idempotency_conflict'],
  'POST /v1/org-units/{id}/deactivation': ['validation_failed', 'org_unit_not_found', 'idempotency_conflict'],
  'POST /v1/members': ['validation_failed', 'invalid_id_number', 'invalid_phone', 'org_unit_out_of_scope', 'org_unit_not_found', 'member_exists', 'card_exists', 'idempotency_conflict', 'org_unit_inactive'],
  'GET /v1/members/{id}': ['validation_failed', 'member_not_found'],
  'GET /v1/cards/{cardNo}': ['validation_failed', 'card_not_found'],
  'GET /v1/cards/{cardNo}/counter-view': ['validation_failed', 'card_not_found'],
  'POST /v1/members/{id}/cards': ['validation_failed', 'org_unit_out_of_scope', 'member_not_found', 'card_exists', 'idempotency_conflict', 'member_inactive'],
  'POST /v1/members/{id}/cards/{cardNo}/block': ['validation_failed', 'org_unit_out_of_scope', 'member_not_found', 'card_not_found', 'idempotency_conflict'],
  'POST /v1/members/{id}/deactivation': ['validation_failed', 'member_not_found', 'idempotency_conflict'],
  'GET /v1/members/{id}/star-changes': ['validation_failed', 'member_not_found'],
  'GET /v1/members/{id}/lots': ['validation_failed', 'member_not_found'],
  'GET /v1/members/{id}/statement': ['validation_failed', 'member_not_found', 'org_unit_out_of_scope', 'invalid_cursor', 'statement_period_invalid'],
  'GET /v1/ledger/trial-balance': ['validation_failed', 'as_of_in_future'],
  'POST /v1/service-records': ['validation_failed', 'invalid_amount', 'amount_not_positive', 'too_many_decimals', 'record_period_invalid', 'hours_exceed_period', 'org_unit_out_of_scope', 'member_not_found', 'org_unit_not_found', 'overlapping_record', 'idempotency_conflict', 'record_in_future', 'record_too_old', 'daily_cap_exceeded', 'member_inactive', 'org_unit_inactive'],
  'GET /v1/service-records': ['validation_failed', 'invalid_cursor', 'org_unit_not_found', 'org_unit_out_of_scope'],
  'POST /v1/service-records:batch': ['validation_failed'],
  'GET /v1/service-records/{id}': ['validation_failed', 'org_unit_out_of_scope', 'record_not_found'],
  'POST /v1/service-records/{id}/verification': ['validation_failed', 'org_unit_out_of_scope', 'record_not_found', 'record_status_conflict', 'idempotency_conflict', 'member_inactive'],
  'POST /v1/service-records/{id}/rejection': ['validation_failed', 'org_unit_out_of_scope', 'record_not_found', 'record_status_conflict', 'idempotency_conflict'],
  'POST /v1/service-records/{id}/rating': ['validation_failed', 'org_unit_out_of_scope', 'record_not_found', 'record_status_conflict', 'idempotency_conflict', 'already_rated'],
  'POST /v1/service-records/{id}/correction': ['validation_failed', 'invalid_amount', 'amount_not_positive', 'too_many_decimals', 'hours_exceed_period', 'org_unit_out_of_scope', 'force_not_allowed', 'record_not_found', 'record_status_conflict', 'idempotency_conflict', 'daily_cap_exceeded', 'points_already_spent'],
  'POST /v1/service-records/{id}/revocation': ['validation_failed', 'org_unit_out_of_scope', 'force_not_allowed', 'record_not_found', 'record_status_conflict', 'idempotency_conflict', 'points_already_spent'],
  'POST /v1/points-rules': ['validation_failed', 'idempotency_conflict', 'rule_effective_in_past'],
  'GET /v1/points-rules': [],
  'POST /v1/demo': ['validation_failed', 'tenant_has_data'],
  'GET /v1/events': ['validation_failed', 'invalid_cursor'],
  'POST /v1/markets/{id}/items': [
    'validation_failed', 'invalid_amount', 'amount_not_positive', 'too_many_decimals', 'market_not_found', 'market_inactive', 'item_exists',
    'idempotency_conflict',
  ],
  'GET /v1/markets/{id}/items': ['validation_failed', 'market_not_found', 'market_out_of_scope', 'invalid_cursor'],
  'GET /v1/markets/{id}/items/{sku}': ['validation_failed', 'market_not_found', 'market_out_of_scope', 'item_not_found'],
  'PATCH /v1/markets/{id}/items/{sku}': [
    'validation_failed', 'invalid_amount', 'amount_not_positive', 'too_many_decimals', 'market_not_found', 'item_not_found', 'idempotency_conflict',
  ],
  'POST /v1/markets/{id}/items/{sku}/stock-movements': [
    'validation_failed', 'market_not_found', 'market_out_of_scope', 'item_not_found', 'not_goods', 'stock_negative', 'idempotency_conflict',
  ],
  'GET /v1/markets/{id}/items/{sku}/stock-movements': ['validation_failed', 'market_not_found', 'market_out_of_scope', 'item_not_found', 'invalid_cursor'],
  'POST /v1/redemptions': ['validation_failed', 'idempotency_key_required', 'idempotency_conflict', 'market_not_found', 'market_inactive', 'market_out_of_scope', 'card_not_found', 'card_blocked', 'member_not_found', 'member_inactive', 'unknown_sku', 'item_inactive', 'insufficient_points', 'out_of_stock', 'limit_exceeded', 'capacity_exceeded'],
  'POST /v1/redemptions:batch': ['validation_failed'],
  'GET /v1/redemptions/{id}': ['validation_failed', 'redemption_not_found', 'market_out_of_scope'],
  'POST /v1/redemptions/{id}/refunds': ['validation_failed', 'idempotency_key_required', 'idempotency_conflict', 'redemption_not_found', 'market_out_of_scope', 'unknown_line', 'refund_exceeded'],
  'GET /v1/markets/{id}/receipts': ['validation_failed', 'invalid_cursor', 'market_not_found', 'market_out_of_scope'],
  'POST /v1/redemption-holds': ['validation_failed', 'idempotency_key_required', 'idempotency_conflict', 'market_not_found', 'market_inactive', 'market_out_of_scope', 'card_not_found', 'card_blocked', 'member_not_found', 'member_inactive', 'unknown_sku', 'item_inactive', 'insufficient_points', 'out_of_stock', 'limit_exceeded', 'capacity_exceeded'],
  'GET /v1/redemption-holds/{id}': ['validation_failed', 'basket_not_found', 'market_out_of_scope'],
  'POST /v1/redemption-holds/{id}/capture': ['validation_failed', 'idempotency_key_required', 'idempotency_conflict', 'unknown_line', 'capture_exceeds_basket', 'basket_not_found', 'market_out_of_scope', 'hold_already_captured', 'hold_already_voided', 'hold_expired'],
  'POST /v1/redemption-holds/{id}/void': ['validation_failed', 'idempotency_conflict', 'basket_not_found', 'market_out_of_scope', 'hold_already_captured', 'hold_already_voided', 'hold_expired'],
  'GET /v1/markets/{id}/days/{date}': ['validation_failed', 'market_not_found', 'market_out_of_scope'],
  'POST /v1/markets': ['validation_failed', 'org_unit_not_found', 'market_exists', 'account_exists', 'idempotency_conflict'],
  'GET /v1/markets': [],
  'GET /v1/markets/{id}': ['validation_failed', 'market_not_found', 'market_out_of_scope'],
  'PATCH /v1/markets/{id}': ['validation_failed', 'market_not_found', 'idempotency_conflict'],
  'POST /v1/markets/{id}/deactivation': ['validation_failed', 'market_not_found', 'idempotency_conflict'],
  'POST /v1/markets/{id}/terminals': ['validation_failed', 'market_not_found', 'market_inactive', 'terminal_exists', 'idempotency_conflict'],
  'GET /v1/markets/{id}/terminals': ['validation_failed', 'market_not_found', 'market_out_of_scope'],
  'POST /v1/terminals/{id}/deactivation': ['validation_failed', 'terminal_not_found', 'idempotency_conflict'],
  'POST /v1/terminals/{id}/key': ['validation_failed', 'terminal_not_found', 'terminal_inactive', 'idempotency_conflict'],
  'POST /v1/members/{id}/certificates': [
    'validation_failed', 'member_not_found', 'org_unit_not_found', 'org_unit_out_of_scope', 'certificate_period_invalid', 'certificate_no_records',
    'certificate_too_many_records', 'certificate_not_sealed', 'signing_unavailable', 'idempotency_conflict',
  ],
  'GET /v1/certificates/{id}': ['validation_failed', 'certificate_not_found', 'org_unit_out_of_scope'],
  'POST /v1/certificates/{id}/withdrawal': ['validation_failed', 'certificate_not_found', 'org_unit_out_of_scope', 'certificate_withdrawn', 'idempotency_conflict'],
};
// Success bodies that are not (only) JSON: the journal export streams CSV or JSON Lines; the day
// report, a member's statement and the trial balance are JSON or CSV.
const NOT_JSON: Record<string, string[]> = {
  'GET /v1/exports/journal': ['text/csv', 'application/x-ndjson'],
  'GET /v1/markets/{id}/days/{date}': ['application/json', 'text/csv'],
  'GET /v1/members/{id}/statement': ['application/json', 'text/csv'],
  'GET /v1/ledger/trial-balance': ['application/json', 'text/csv'],
  'GET /v1/reports/participation': ['application/json', 'text/csv', 'text/html'],
  'GET /v1/certificates/{id}': ['application/json', 'text/html'],
};
const EVERY_V1: ProblemCode[] = ['unauthenticated', 'forbidden', 'service_unavailable', 'internal_error'];
// /v1/operator takes the operator token, not a tenant key: its own 401, no role-based 403.
const OPERATOR: Record<string, ProblemCode[]> = {
  'POST /v1/operator/tenants': ['validation_failed', 'tenant_exists'],
  'GET /v1/operator/tenants': [],
  'POST /v1/operator/tenants/{tenantId}/api-keys': ['validation_failed', 'tenant_not_found', 'scope_not_allowed', 'org_unit_not_found', 'market_not_found', 'market_inactive'],
};
const EVERY_OPERATOR: ProblemCode[] = ['operator_unauthenticated', 'service_unavailable', 'internal_error'];
// Writes take an Idempotency-Key, except service records (their externalId is the key) and the
// demo fill (idempotent by itself: a second run adds nothing).
// Writes whose items carry their own key (externalId, or each offline sale's idempotencyKey).
const KEYED_BY_EXTERNAL_ID = ['POST /v1/service-records', 'POST /v1/service-records:batch', 'POST /v1/demo', 'POST /v1/redemptions:batch'];
const WRITES = Object.keys(V1).filter((op) => /^(POST|PATCH) /.test(op) && !KEYED_BY_EXTERNAL_ID.includes(op));

interface Operation {
  summary?: string;
  security?: unknown[];
  parameters?: { in: string; name: string }[];
  responses: Record<string, { description: string; content?: Record<string, { schema?: { $ref?: string } }> }>;
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

t.test('the committed openapi/openapi.json is what the code generates', async (t) => {
  t.ok(fs.existsSync(FILE), 'openapi/openapi.json is committed');
  const res = await run(['src/cli.ts', 'openapi', '--check']);
  t.equal(res.code, 0, `\`openapi --check\` exits 0 (no drift)${res.code === 0 ? '' : `: ${res.stderr}`}`);
  t.match(res.stdout, /up to date/);
});

t.test('the running app serves the committed document', async (t) => {
  // No database is ever queried to describe the API: a pool that never connects is enough.
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ max: 1 }) }) });
  const app = await buildApp({
    config: loadConfig({ LOG_LEVEL: 'silent' }),
    database: { db, engine: 'postgres', close: () => db.destroy() },
    logger: false,
  });
  t.teardown(async () => {
    await app.close();
    await db.destroy();
  });
  const served = await app.inject({ method: 'GET', url: '/openapi.json' });
  t.equal(served.statusCode, 200, 'GET /openapi.json answers 200');
  t.match(served.headers['content-type'], /application\/json/);
  t.same(served.json(), JSON.parse(fs.readFileSync(FILE, 'utf8')), 'and serves exactly the committed document');
  const docs = await app.inject({ method: 'GET', url: '/docs/' });
  t.equal(docs.statusCode, 200, 'GET /docs/ answers 200');
  t.match(docs.headers['content-type'], /text\/html/, 'with the docs page');
});

t.test('the document lists every /v1 route with its problem responses', async (t) => {
  const doc = JSON.parse(fs.readFileSync(FILE, 'utf8')) as {
    openapi: string;
    security?: unknown[];
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, any>; securitySchemes?: Record<string, any> };
  };
  t.match(doc.openapi, /^3\./, 'OpenAPI 3');
  t.same(doc.security, [{ apiKey: [] }], 'every operation needs the API key unless it says otherwise');
  t.match(doc.components.securitySchemes, { apiKey: { type: 'http', scheme: 'bearer' } }, 'a bearer key');

  const operations = new Map<string, Operation>();
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) operations.set(`${method.toUpperCase()} ${p}`, op);
  }
  const listed = [...operations.keys()].filter((op) => op.split(' ')[1]!.startsWith('/v1/'));
  for (const op of [...Object.keys(V1), ...Object.keys(OPERATOR)]) t.ok(operations.has(op), `${op} is in the document`);
  t.same(
    listed.filter((op) => !(op in V1) && !(op in OPERATOR)),
    [],
    'no /v1 operation in the document is unknown to this test (add new routes to V1 above)',
  );

  // The Problem schema names every code of src/problems.ts.
  const problem = doc.components.schemas.Problem;
  t.ok(problem, 'a Problem component exists');
  t.same([...(problem?.properties?.code?.enum ?? [])].sort(), [...problemCodes].sort(), 'Problem.code lists every code in src/problems.ts');
  t.match(problem?.required ?? [], ['type', 'title', 'status', 'code', 'detail'], 'with the RFC 9457 members and code required');

  for (const op of listed) {
    const operation = operations.get(op)!;
    t.test(op, async (t) => {
      if (op in OPERATOR) t.same(operation.security, [{ operatorToken: [] }], 'takes the operator token');
      else t.notSame(operation.security, [], 'is not exempt from the API key');
      t.ok(operation.summary, 'has a summary');
      const success = Object.keys(operation.responses).filter((s) => s.startsWith('2'));
      t.equal(success.length, 1, 'has one success response');
      const types = NOT_JSON[op] ?? ['application/json'];
      t.same(Object.keys(operation.responses[success[0]!]?.content ?? {}).sort(), [...types].sort(), `described as ${types.join(' or ')}`);
      const declared = op in OPERATOR ? [...EVERY_OPERATOR, ...OPERATOR[op]!] : [...EVERY_V1, ...(V1[op] ?? [])];
      for (const code of declared) {
        const status = String(problems[code].status);
        const response = operation.responses[status];
        t.ok(response, `has a ${status} response (${code})`);
        t.equal(
          response?.content?.['application/problem+json']?.schema?.$ref,
          '#/components/schemas/Problem',
          `its ${status} is application/problem+json with the Problem schema`,
        );
        t.ok(response?.description.split(/[:,]\s*/).includes(code), `its ${status} lists code ${code}`);
      }
      // Nothing declared twice over or under the wrong status.
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!/^[45]/.test(status)) continue;
        const codes = response.description.replace(/^.*code is one of:\s*/, '').split(/,\s*/);
        for (const code of codes) {
          t.equal(String(problems[code as ProblemCode]?.status), status, `${code} is listed under its own status ${status}`);
        }
      }
      if (WRITES.includes(op)) {
        t.ok(
          operation.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key'),
          'a write takes the Idempotency-Key header',
        );
      }
    });
  }

  for (const p of ['/healthz', '/readyz']) {
    t.same(doc.paths[p]?.get?.security, [], `GET ${p} needs no key`);
  }
  // The public check of a certificate: no key, a page or JSON, its own 404 and the rate limit's 429.
  const check = doc.paths['/certificates/{code}']?.get;
  t.same(check?.security, [], 'GET /certificates/{code} needs no key');
  t.same(Object.keys(check?.responses['200']?.content ?? {}).sort(), ['application/json', 'text/html'], 'a page or JSON');
  for (const [status, code] of [['404', 'certificate_not_found'], ['429', 'rate_limited']] as const) {
    t.ok(check?.responses[status]?.description.split(/[:,]\s*/).includes(code), `its ${status} lists ${code}`);
  }
  t.notOk(doc.paths['/openapi.json'], 'the document does not list itself');
});
