import { DomainError } from '../problems.js';

// Who is calling (DESIGN §6): a leaf module. Every other module imports it; it imports none of
// them, so a new kind of caller or scope is added here without touching the import graph.

export const Roles = ['admin', 'station', 'pos', 'auditor'] as const;
export type Role = (typeof Roles)[number];

/** A key that acts for one org unit and every unit under it (a station's app). */
export interface OrgUnitScope {
  kind: 'orgUnit';
  orgUnitId: string;
  /** The unit's path ('/county/xinhua/'): a unit is in scope when its path starts with this. */
  path: string;
}

/** A key that acts for one market (爱心超市): a terminal's `pos` key (src/markets). */
export interface MarketScope {
  kind: 'market';
  marketId: string;
  /** The terminal whose key it is; null for a market-wide pos key. */
  terminalId: string | null;
}

export type Scope = OrgUnitScope | MarketScope;

/** Who is calling: resolved from the API key on every /v1 request. */
export interface Caller {
  tenantId: string;
  keyId: string;
  role: Role;
  /** What a scoped key acts for; null for the whole tenant. */
  scope: Scope | null;
}

/** The scope kind each role may be given; a role not listed acts for the whole tenant only. */
const SCOPABLE: Partial<Record<Role, Scope['kind']>> = { station: 'orgUnit', pos: 'market' };

/** Refuses a scope the role cannot have (only station keys act for an org unit, only pos keys for a market). */
export function checkScopeAllowed(role: Role, kind: Scope['kind']): void {
  if (SCOPABLE[role] !== kind) throw new DomainError('scope_not_allowed', { role });
}

/** Whether a unit at `path` is in the scope: always for the whole tenant, never for a market's key. */
export function inOrgUnitScope(scope: Scope | null, path: string): boolean {
  if (scope === null) return true;
  return scope.kind === 'orgUnit' && path.startsWith(scope.path);
}

/**
 * The org-unit subtree a caller lists in: null for the whole tenant, the scope's path for a unit's
 * key. A market's key lists no org units.
 */
export function orgUnitSubtree(caller: Caller): string | null {
  if (caller.scope === null) return null;
  if (caller.scope.kind === 'orgUnit') return caller.scope.path;
  throw new DomainError('forbidden', { role: caller.role });
}

/**
 * The scope as one string, for the request hash of an Idempotency-Key (callers of different scopes
 * never share an answer): the org unit's id, as it always was, or `market:<id>`.
 */
export function scopeKey(scope: Scope | null): string | null {
  if (scope === null) return null;
  return scope.kind === 'orgUnit' ? scope.orgUnitId : `market:${scope.marketId}`;
}

/** Whether a caller acts for the market: a tenant-wide key always, a market's key for its own market only. */
export function inMarketScope(caller: Caller, marketId: string): boolean {
  if (caller.scope === null) return true;
  return caller.scope.kind === 'market' && caller.scope.marketId === marketId;
}
