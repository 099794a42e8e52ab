import crypto from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { DomainError } from '../problems.js';
import { type Caller, checkScopeAllowed, type Role, type Scope } from './caller.js';

// API keys: the repository of api_keys. A key reads vk_<tenant>.<keyId>.<secret>. Only SHA-256 of
// the secret is stored: the secret is 256 random bits, so a slow hash would add nothing but
// latency to every request.

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  orgUnitId: string | null;
  marketId: string | null;
  terminalId: string | null;
  createdAt: string;
  revokedAt: string | null;
}

const KEY_FORMAT = /^vk_([a-z][a-z0-9-]{1,39})\.([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

type KeyRow = {
  key_id: string;
  name: string;
  role: Role;
  org_unit_id: string | null;
  market_id: string | null;
  terminal_id: string | null;
  created_at: Date;
  revoked_at: Date | null;
};
const KEY_COLUMNS = ['key_id', 'name', 'role', 'org_unit_id', 'market_id', 'terminal_id', 'created_at', 'revoked_at'] as const;

function toApiKey(r: KeyRow): ApiKey {
  return {
    id: r.key_id,
    name: r.name,
    role: r.role,
    orgUnitId: r.org_unit_id,
    marketId: r.market_id,
    terminalId: r.terminal_id,
    createdAt: new Date(r.created_at).toISOString(),
    revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
  };
}

/**
 * A new key with its secret (shown this once). A scoped key names a unit or market its caller has
 * found (the org units and markets modules resolve them: this module imports no domain module).
 */
export async function createApiKey(
  db: Kysely<DB>,
  tenantId: string,
  input: { name: string; role: Role; scope?: Scope | null },
): Promise<ApiKey & { key: string }> {
  const scope = input.scope ?? null;
  if (scope) checkScopeAllowed(input.role, scope.kind);
  const keyId = crypto.randomBytes(8).toString('hex');
  const secret = crypto.randomBytes(32).toString('base64url');
  const row = await db
    .insertInto('api_keys')
    .values({
      tenant_id: tenantId,
      key_id: keyId,
      secret_hash: hashSecret(secret),
      role: input.role,
      name: input.name,
      org_unit_id: scope?.kind === 'orgUnit' ? scope.orgUnitId : null,
      market_id: scope?.kind === 'market' ? scope.marketId : null,
      terminal_id: scope?.kind === 'market' ? scope.terminalId : null,
    })
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

export async function revokeApiKey(trx: Transaction<DB>, tenantId: string, keyId: string): Promise<ApiKey> {
  // Lock the tenant's admin keys so that two admins revoking each other at once cannot both win
  // and leave the tenant without an admin.
  const admins = await trx
    .selectFrom('api_keys')
    .select('key_id')
    .where('tenant_id', '=', tenantId)
    .where('role', '=', 'admin')
    .where('revoked_at', 'is', null)
    .orderBy('key_id')
    .forUpdate()
    .execute();
  const key = await trx
    .selectFrom('api_keys')
    .select(['key_id', 'role', 'revoked_at'])
    .where('tenant_id', '=', tenantId)
    .where('key_id', '=', keyId)
    .executeTakeFirst();
  if (!key) throw new DomainError('api_key_not_found', { keyId });
  if (key.role === 'admin' && !key.revoked_at && admins.length <= 1) throw new DomainError('last_admin_key');
  const row = await trx
    .updateTable('api_keys')
    .set({ revoked_at: sql`coalesce(revoked_at, now())` })
    .where('tenant_id', '=', tenantId)
    .where('key_id', '=', keyId)
    .returning(KEY_COLUMNS)
    .executeTakeFirstOrThrow();
  return toApiKey(row);
}

/**
 * Revokes at once every live key of a market (terminalId omitted) or of one of its terminals: a
 * deactivated market or terminal, or a terminal's key being replaced. The ids revoked, for the
 * caller to drop from the key cache once this commits.
 */
export async function revokeMarketKeys(trx: Transaction<DB>, tenantId: string, of: { marketId: string; terminalId?: string }): Promise<string[]> {
  let update = trx
    .updateTable('api_keys')
    .set({ revoked_at: sql`now()` })
    .where('tenant_id', '=', tenantId)
    .where('market_id', '=', of.marketId)
    .where('revoked_at', 'is', null);
  if (of.terminalId !== undefined) update = update.where('terminal_id', '=', of.terminalId);
  const rows = await update.returning('key_id').execute();
  return rows.map((r) => r.key_id).sort();
}

/** Resolves a bearer token to its caller, or null when it is malformed, unknown or revoked. */
export async function authenticate(db: Kysely<DB>, token: string): Promise<Caller | null> {
  const m = KEY_FORMAT.exec(token);
  if (!m) return null;
  const [, tenantId, keyId, secret] = m as unknown as [string, string, string, string];
  // Borrows org_units (the org units module's table) for a scoped key's path: a request whose key
  // is not cached pays one round trip for its caller, scope included. A market's key needs no
  // join: its market and terminal are on the key, and a deactivated one has its keys revoked.
  const row = await db
    .selectFrom('api_keys as k')
    .leftJoin('org_units as o', (j) => j.onRef('o.tenant_id', '=', 'k.tenant_id').onRef('o.org_unit_id', '=', 'k.org_unit_id'))
    .select(['k.secret_hash', 'k.role', 'k.org_unit_id', 'o.path', 'k.market_id', 'k.terminal_id'])
    .where('k.tenant_id', '=', tenantId)
    .where('k.key_id', '=', keyId)
    .where('k.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  const expected = Buffer.from(row.secret_hash, 'hex');
  const given = Buffer.from(hashSecret(secret), 'hex');
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return null;
  const scope: Scope | null = row.market_id
    ? { kind: 'market', marketId: row.market_id, terminalId: row.terminal_id }
    : row.org_unit_id && row.path
      ? { kind: 'orgUnit', orgUnitId: row.org_unit_id, path: row.path }
      : null;
  return { tenantId, keyId, role: row.role, scope };
}
