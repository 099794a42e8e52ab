import type { Kysely } from 'kysely';
import { type ApiKey, createApiKey } from '../auth/apiKeys.js';
import { checkScopeAllowed, type OrgUnitScope, type Role } from '../auth/caller.js';
import type { DB } from '../db/schema.js';
import { orgUnitScope } from '../orgunits/orgUnits.js';

/**
 * A new API key as an admin, the operator or the CLI asks for it: a scoped key's org unit is
 * found here (the auth module imports no domain module), after the role was checked to take a
 * scope at all, so a POS key with an org unit is refused as such, whatever the unit.
 */
export async function issueApiKey(
  db: Kysely<DB>,
  tenantId: string,
  input: { name: string; role: Role; orgUnitId?: string | null | undefined },
): Promise<ApiKey & { key: string }> {
  let scope: OrgUnitScope | null = null;
  if (input.orgUnitId) {
    checkScopeAllowed(input.role, 'orgUnit');
    scope = await orgUnitScope(db, tenantId, input.orgUnitId);
  }
  return createApiKey(db, tenantId, { name: input.name, role: input.role, scope });
}
