import type { Kysely } from 'kysely';
import { type ApiKey, createApiKey } from '../auth/apiKeys.js';
import { checkScopeAllowed, type Role, type Scope } from '../auth/caller.js';
import type { DB } from '../db/schema.js';
import { marketScope } from '../markets/markets.js';
import { orgUnitScope } from '../orgunits/orgUnits.js';

/**
 * A new API key as an admin, the operator or the CLI asks for it: a scoped key's org unit or
 * market is found here (the auth module imports no domain module), after the role was checked to
 * take that scope at all, so a POS key with an org unit (or a station key with a market) is refused
 * as such, whatever the unit or market.
 */
export async function issueApiKey(
  db: Kysely<DB>,
  tenantId: string,
  input: { name: string; role: Role; orgUnitId?: string | null | undefined; marketId?: string | null | undefined },
): Promise<ApiKey & { key: string }> {
  let scope: Scope | null = null;
  if (input.orgUnitId) {
    checkScopeAllowed(input.role, 'orgUnit');
    scope = await orgUnitScope(db, tenantId, input.orgUnitId);
  }
  if (input.marketId) {
    checkScopeAllowed(input.role, 'market');
    scope = await marketScope(db, tenantId, input.marketId);
  }
  return createApiKey(db, tenantId, { name: input.name, role: input.role, scope });
}
