import crypto from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { byOperator, recordConfigChange } from '../events/changes.js';
import { createDefaultRule } from '../hours/rules.js';
import { openLedger } from '../ledger/index.js';
import { findOrgUnit } from '../orgunits/orgUnits.js';
import { DomainError } from '../problems.js';

export const Roles = ['admin', 'station', 'pos', 'auditor'] as const;
export type Role = (typeof Roles)[number];

export const TENANT_ID = /^[a-z][a-z0-9-]{1,39}$/;

/** Who is calling: resolved from the API key on every /v1 request. */
export interface Caller {
  tenantId: string;
  keyId: string;
  role: Role;
  /** The org unit a scoped key acts for (it and everything under it); null for the whole tenant. */
  scope: OrgUnitScope | null;
}

export interface OrgUnitScope {
  orgUnitId: string;
  path: string;
}

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  orgUnitId: string | null;
  createdAt: string;
  revokedAt: string | null;
}

// A key reads vk_<tenant>.<keyId>.<secret>. Only SHA-256 of the secret is stored: the secret is
// 256 random bits, so a slow hash would add nothing but latency to every request.
const KEY_FORMAT = /^vk_([a-z][a-z0-9-]{1,39})\.([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

type KeyRow = { key_id: string; name: string; role: Role; org_unit_id: string | null; created_at: Date; revoked_at: Date | null };
const KEY_COLUMNS = ['key_id', 'name', 'role', 'org_unit_id', 'created_at', 'revoked_at'] as const;

function toApiKey(r: KeyRow): ApiKey {
  return {
    id: r.key_id,
    name: r.name,
    role: r.role,
    orgUnitId: r.org_unit_id,
    createdAt: new Date(r.created_at).toISOString(),
    revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
  };
}

export class TenantExistsError extends Error {}

/** Creates a tenant (county centre), its entry sequence and its first admin key. */
export async function createTenant(
  db: Kysely<DB>,
  input: { id: string; name: string },
): Promise<{ tenantId: string; adminKey: ApiKey & { key: string } }> {
  return db.transaction().execute((trx) => insertTenant(trx, input));
}

/** createTenant inside the caller's transaction (the first start adds its own steps to it). */
export async function insertTenant(
  trx: Transaction<DB>,
  input: { id: string; name: string },
): Promise<{ tenantId: string; adminKey: ApiKey & { key: string } }> {
  if (!TENANT_ID.test(input.id)) {
    throw new Error('a tenant id is 2-40 characters: a lower-case letter, then lower-case letters, digits or "-"');
  }
  const inserted = await trx
    .insertInto('tenants')
    .values({ tenant_id: input.id, name: input.name })
    .onConflict((oc) => oc.doNothing())
    .returning('tenant_id')
    .executeTakeFirst();
  if (!inserted) throw new TenantExistsError(`tenant ${input.id} already exists`);
  await openLedger(trx, input.id);
  await createDefaultRule(trx, input.id);
  const adminKey = await createApiKey(trx, input.id, { name: 'first admin key', role: 'admin' });
  await recordConfigChange(trx, byOperator(input.id), 'tenant.created', { id: input.id, name: input.name, pointsRuleVersion: 1, adminKey });
  return { tenantId: input.id, adminKey };
}

export interface TenantSummary {
  id: string;
  name: string;
  createdAt: string;
}

export async function listTenants(db: Kysely<DB>): Promise<TenantSummary[]> {
  const rows = await db.selectFrom('tenants').select(['tenant_id', 'name', 'created_at']).orderBy('tenant_id').execute();
  return rows.map((r) => ({ id: r.tenant_id, name: r.name, createdAt: new Date(r.created_at).toISOString() }));
}

export async function tenantExists(db: Kysely<DB>, tenantId: string): Promise<boolean> {
  return (await db.selectFrom('tenants').select('tenant_id').where('tenant_id', '=', tenantId).executeTakeFirst()) !== undefined;
}

export async function createApiKey(
  db: Kysely<DB>,
  tenantId: string,
  input: { name: string; role: Role; orgUnitId?: string | null },
): Promise<ApiKey & { key: string }> {
  const orgUnitId = input.orgUnitId ?? null;
  if (orgUnitId !== null) {
    // Only station keys are scoped: admin, auditor and POS keys act for the whole tenant.
    if (input.role !== 'station') throw new DomainError('scope_not_allowed', { role: input.role });
    const unit = await findOrgUnit(db, tenantId, orgUnitId);
    if (!unit) throw new DomainError('org_unit_not_found', { orgUnitId });
  }
  const keyId = crypto.randomBytes(8).toString('hex');
  const secret = crypto.randomBytes(32).toString('base64url');
  const row = await db
    .insertInto('api_keys')
    .values({ tenant_id: tenantId, key_id: keyId, secret_hash: hashSecret(secret), role: input.role, name: input.name, org_unit_id: orgUnitId })
    .returning(KEY_COLUMNS)
    .executeTakeFirstOrThrow();
  return { ...toApiKey(row), key: `vk_${tenantId}.${keyId}.${secret}` };
}

export async function listApiKeys(db: Kysely<DB>, tenantId: string): Promise<ApiKey[]> {
  const rows = await db
    .selectFrom('api_keys')
    .select(KEY_COLUMNS)
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at')
    .orderBy('key_id')
    .execute();
  return rows.map(toApiKey);
}

export async function revokeApiKey(db: Transaction<DB>, tenantId: string, keyId: string): Promise<ApiKey> {
  // Lock the tenant's admin keys so that two admins revoking each other at once cannot both win
  // and leave the tenant without an admin.
  const admins = await db
    .selectFrom('api_keys')
    .select('key_id')
    .where('tenant_id', '=', tenantId)
    .where('role', '=', 'admin')
    .where('revoked_at', 'is', null)
    .orderBy('key_id')
    .forUpdate()
    .execute();
  const key = await db
    .selectFrom('api_keys')
    .select(['key_id', 'role', 'revoked_at'])
    .where('tenant_id', '=', tenantId)
    .where('key_id', '=', keyId)
    .executeTakeFirst();
  if (!key) throw new DomainError('api_key_not_found', { keyId });
  if (key.role === 'admin' && !key.revoked_at && admins.length <= 1) throw new DomainError('last_admin_key');
  const row = await db
    .updateTable('api_keys')
    .set({ revoked_at: sql`coalesce(revoked_at, now())` })
    .where('tenant_id', '=', tenantId)
    .where('key_id', '=', keyId)
    .returning(KEY_COLUMNS)
    .executeTakeFirstOrThrow();
  return toApiKey(row);
}

/** Resolves a bearer token to its caller, or null when it is malformed, unknown or revoked. */
export async function authenticate(db: Kysely<DB>, token: string): Promise<Caller | null> {
  const m = KEY_FORMAT.exec(token);
  if (!m) return null;
  const [, tenantId, keyId, secret] = m as unknown as [string, string, string, string];
  const row = await db
    .selectFrom('api_keys as k')
    .leftJoin('org_units as o', (j) => j.onRef('o.tenant_id', '=', 'k.tenant_id').onRef('o.org_unit_id', '=', 'k.org_unit_id'))
    .select(['k.secret_hash', 'k.role', 'k.org_unit_id', 'o.path'])
    .where('k.tenant_id', '=', tenantId)
    .where('k.key_id', '=', keyId)
    .where('k.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  const expected = Buffer.from(row.secret_hash, 'hex');
  const given = Buffer.from(hashSecret(secret), 'hex');
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return null;
  const scope = row.org_unit_id && row.path ? { orgUnitId: row.org_unit_id, path: row.path } : null;
  return { tenantId, keyId, role: row.role, scope };
}
