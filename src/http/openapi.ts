// The last step of building the OpenAPI document (@fastify/swagger's transformObject, after the
// zod → JSON schema conversion): every operation gets its operationId from the table below, and
// the few shapes the conversion emits that are not clean OpenAPI 3.0 are repaired, so that the
// committed openapi/openapi.json lints clean (`npm run openapi:lint`) and generated clients name
// their methods well. Route files stay as they are: this is the one place that names operations.

/**
 * Every operation's operationId, by `METHOD /path` as the document spells the path. A new route
 * needs one line here, or building the document fails naming it (so `npm run openapi`, the
 * drift check and the tests fail before it can ship without a name).
 *
 * Naming rule: lowerCamelCase verb + noun, read as a client method: `create…` (POST that makes
 * a resource), `get…` (one), `list…` (many), `update…` (PATCH), and for an action posted to a
 * sub-resource the verb of that action (`…/verification` → `verify…`, `…/revocation` →
 * `revoke…`, `…/reversal` → `reverse…`). Names are part of the public API: never rename one.
 */
export const operationIds: Record<string, string> = {
  'GET /healthz': 'checkLiveness',
  'GET /readyz': 'checkReadiness',
  'GET /certificates/{code}': 'checkCertificate',

  'GET /v1/tenant': 'getCurrentTenant',
  'GET /v1/settings': 'getSettings',
  'GET /v1/settings/expiry-policies': 'listExpiryPolicies',
  'PATCH /v1/settings': 'updateSettings',
  'POST /v1/api-keys': 'createApiKey',
  'GET /v1/api-keys': 'listApiKeys',
  'POST /v1/api-keys/{id}/revocation': 'revokeApiKey',

  'POST /v1/accounts': 'createAccount',
  'GET /v1/accounts/{id}': 'getAccount',
  'GET /v1/ledger/trial-balance': 'getTrialBalance',
  'GET /v1/accounts/{id}/postings': 'listAccountPostings',
  'POST /v1/entries': 'createEntry',
  'GET /v1/entries/{id}': 'getEntry',
  'POST /v1/entries/{id}/reversal': 'reverseEntry',
  'GET /v1/ledger/verification': 'verifyLedger',
  'GET /v1/integrity': 'verifyIntegrity',
  'GET /v1/integrity/keys': 'listSigningKeys',
  'GET /v1/entries/{id}/proof': 'getEntryProof',
  'GET /v1/exports/journal': 'exportJournal',
  'GET /v1/reports/participation': 'participationReport',

  'POST /v1/org-units': 'createOrgUnit',
  'GET /v1/org-units': 'listOrgUnits',
  'GET /v1/org-units/{id}': 'getOrgUnit',
  'PATCH /v1/org-units/{id}': 'updateOrgUnit',
  'POST /v1/org-units/{id}/deactivation': 'deactivateOrgUnit',

  'POST /v1/members': 'createMember',
  'GET /v1/members/{id}': 'getMember',
  'POST /v1/members/{id}/deactivation': 'deactivateMember',
  'GET /v1/members/{id}/star-changes': 'listStarChanges',
  'GET /v1/members/{id}/lots': 'listLots',
  'GET /v1/members/{id}/statement': 'getMemberStatement',
  'GET /v1/cards/{cardNo}': 'getMemberByCard',
  'POST /v1/members/{id}/cards': 'addCard',
  'POST /v1/members/{id}/cards/{cardNo}/block': 'blockCard',

  'POST /v1/service-records': 'createServiceRecord',
  'POST /v1/service-records:batch': 'createServiceRecordBatch',
  'GET /v1/service-records': 'listServiceRecords',
  'GET /v1/service-records/{id}': 'getServiceRecord',
  'POST /v1/service-records/{id}/verification': 'verifyServiceRecord',
  'POST /v1/service-records/{id}/rejection': 'rejectServiceRecord',
  'POST /v1/service-records/{id}/rating': 'rateServiceRecord',
  'POST /v1/service-records/{id}/correction': 'correctServiceRecord',
  'POST /v1/service-records/{id}/revocation': 'revokeServiceRecord',
  'POST /v1/points-rules': 'createPointsRule',
  'GET /v1/points-rules': 'listPointsRules',
  'POST /v1/holds': 'createHold',
  'GET /v1/holds/{id}': 'getHold',
  'POST /v1/holds/{id}/capture': 'captureHold',
  'POST /v1/holds/{id}/void': 'voidHold',
  'POST /v1/demo': 'fillDemoCounty',
  'GET /v1/events': 'listEvents',
  'GET /v1/cards/{cardNo}/counter-view': 'getCounterView',
  'POST /v1/redemptions': 'createRedemption',
  'POST /v1/redemptions:batch': 'createRedemptionBatch',
  'GET /v1/redemptions/{id}': 'getRedemption',
  'POST /v1/redemptions/{id}/refunds': 'refundRedemption',
  'GET /v1/markets/{id}/receipts': 'listReceipts',
  'GET /v1/markets/{id}/days/{date}': 'getMarketDay',
  'POST /v1/redemption-holds': 'createRedemptionHold',
  'GET /v1/redemption-holds/{id}': 'getRedemptionHold',
  'POST /v1/redemption-holds/{id}/capture': 'captureRedemptionHold',
  'POST /v1/redemption-holds/{id}/void': 'voidRedemptionHold',
  'POST /v1/markets/{id}/items': 'createItem',
  'GET /v1/markets/{id}/items': 'listItems',
  'GET /v1/markets/{id}/items/{sku}': 'getItem',
  'PATCH /v1/markets/{id}/items/{sku}': 'updateItem',
  'POST /v1/markets/{id}/items/{sku}/stock-movements': 'createStockMovement',
  'GET /v1/markets/{id}/items/{sku}/stock-movements': 'listStockMovements',
  'POST /v1/markets': 'createMarket',
  'GET /v1/markets': 'listMarkets',
  'GET /v1/markets/{id}': 'getMarket',
  'PATCH /v1/markets/{id}': 'updateMarket',
  'POST /v1/markets/{id}/deactivation': 'deactivateMarket',
  'POST /v1/markets/{id}/terminals': 'createTerminal',
  'GET /v1/markets/{id}/terminals': 'listTerminals',
  'POST /v1/terminals/{id}/deactivation': 'deactivateTerminal',
  'POST /v1/terminals/{id}/key': 'rotateTerminalKey',
  'POST /v1/members/{id}/certificates': 'issueCertificate',
  'GET /v1/certificates/{id}': 'getCertificate',
  'POST /v1/certificates/{id}/withdrawal': 'withdrawCertificate',
  'POST /v1/operator/tenants': 'createTenant',
  'GET /v1/operator/tenants': 'listTenants',
  'POST /v1/operator/tenants/{tenantId}/api-keys': 'createTenantApiKey',
};

export const OPERATION_ID = /^[a-z][A-Za-z0-9]*$/;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

type Json = Record<string, any>;

/** Thrown while building the document; its message says what to change. */
export class OpenApiDocumentError extends Error {}

/**
 * Finishes the document in place and returns it: operationIds, then the schema repairs, then
 * components nothing refers to are dropped (the conversion emits an input and an output variant
 * of every named schema; a client generator would turn each unused one into a dead type).
 */
export function finishDocument<T extends Json>(doc: T, ids: Record<string, string> = operationIds): T {
  nameOperations(doc, ids);
  const schemas: Json = doc.components?.schemas ?? {};
  repairSchemas(doc, schemas, '#');
  pruneComponents(doc);
  return doc;
}

function nameOperations(doc: Json, ids: Record<string, string>): void {
  const seen = new Map<string, string>();
  const missing: string[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method] as Json | undefined;
      if (!operation) continue;
      const key = `${method.toUpperCase()} ${path}`;
      const fromTable = ids[key];
      // A route may also name itself in its schema (`operationId`); then the table must agree.
      if (fromTable && operation.operationId && operation.operationId !== fromTable) {
        throw new OpenApiDocumentError(`${key} is named ${operation.operationId} by its route and ${fromTable} in src/http/openapi.ts`);
      }
      const id = fromTable ?? operation.operationId;
      if (!id) {
        missing.push(key);
        continue;
      }
      if (!OPERATION_ID.test(id)) throw new OpenApiDocumentError(`${key}: operationId ${id} is not lowerCamelCase`);
      const other = seen.get(id);
      if (other) throw new OpenApiDocumentError(`operationId ${id} names both ${other} and ${key}`);
      seen.set(id, key);
      // operationId first, so the committed document reads `operationId, summary, ...`.
      item[method] = { operationId: id, ...operation };
    }
  }
  if (missing.length > 0) {
    throw new OpenApiDocumentError(
      `no operationId for ${missing.join(', ')}: add a line for each to operationIds in src/http/openapi.ts`,
    );
  }
}

/**
 * The JSON type a schema stands for, following $ref and composition; undefined when it has none
 * or several.
 */
function typeOf(schema: Json, schemas: Json, depth = 0): string | undefined {
  if (depth > 20 || !schema || typeof schema !== 'object') return undefined;
  if (typeof schema.type === 'string') return schema.type;
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace(/^#\/components\/schemas\//, '');
    return name === schema.$ref ? undefined : typeOf(schemas[name], schemas, depth + 1);
  }
  for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
    if (!Array.isArray(schema[keyword])) continue;
    const types = new Set(schema[keyword].map((s: Json) => typeOf(s, schemas, depth + 1)));
    return types.size === 1 ? ([...types][0] as string | undefined) : undefined;
  }
  return undefined;
}

/**
 * Walks the whole document (schemas are the only objects that carry `nullable` or `allOf`):
 * - `nullable: true` needs a `type` beside it in OpenAPI 3.0 (it only adds null to that type);
 *   the conversion writes a nullable named schema as `{ nullable, allOf: [{ $ref }] }`, so the
 *   type is taken from what the reference stands for;
 * - `{ allOf: [x] }` with nothing beside it is just x.
 */
function repairSchemas(node: unknown, schemas: Json, pointer: string): unknown {
  if (Array.isArray(node)) {
    node.forEach((child, i) => {
      node[i] = repairSchemas(child, schemas, `${pointer}/${i}`);
    });
    return node;
  }
  if (!node || typeof node !== 'object') return node;
  const obj = node as Json;
  for (const [key, child] of Object.entries(obj)) {
    obj[key] = repairSchemas(child, schemas, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  }
  if (obj.nullable === true && obj.type === undefined) {
    const type = typeOf({ ...obj, nullable: undefined }, schemas);
    if (!type) throw new OpenApiDocumentError(`the nullable schema at ${pointer} has no single type to write beside it`);
    // Written right after `nullable`, where a reader looks for it.
    const entries = Object.entries(obj);
    for (const key of Object.keys(obj)) delete obj[key];
    for (const [key, value] of entries) {
      obj[key] = value;
      if (key === 'nullable') obj.type = type;
    }
  }
  const keys = Object.keys(obj);
  if (keys.length === 1 && keys[0] === 'allOf' && Array.isArray(obj.allOf) && obj.allOf.length === 1) {
    return obj.allOf[0];
  }
  return obj;
}

function collectRefs(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const child of node) collectRefs(child, into);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, child] of Object.entries(node)) {
    if (key === '$ref' && typeof child === 'string' && child.startsWith('#/components/schemas/')) {
      into.add(child.slice('#/components/schemas/'.length));
    } else collectRefs(child, into);
  }
}

function pruneComponents(doc: Json): void {
  const schemas: Json | undefined = doc.components?.schemas;
  if (!schemas) return;
  const used = new Set<string>();
  collectRefs({ ...doc, components: { ...doc.components, schemas: undefined } }, used);
  const queue = [...used];
  while (queue.length > 0) {
    const found = new Set<string>();
    collectRefs(schemas[queue.pop()!], found);
    for (const name of found) {
      if (!used.has(name)) {
        used.add(name);
        queue.push(name);
      }
    }
  }
  for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name];
}
