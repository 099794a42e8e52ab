import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { callerOf } from '../http/auth.js';
import { issuanceAccount } from '../ledger/index.js';
import { listOrgUnits } from '../orgunits/orgUnits.js';

// What of the feed a key sees (README "Event feed"). Admin and auditor keys of the whole tenant
// see every event. A station key sees the kinds of things it may read through the other routes,
// of the org units it acts for (its unit and those under it when it is scoped, else all):
//  - service record changes: records of those units;
//  - entries: entries of those records (awards, bonuses, reversals, adjustments of a correction),
//    and entries that move one of those units' own accounts (their issuance accounts);
//  - hold changes: holds on one of those units' accounts (a member's account belongs to no unit,
//    so none today; a market's holds will be its unit's);
//  - configuration: points rules (every unit works under them) and changes of those org units;
//    not settings, API keys or the tenant, which a station key cannot read elsewhere either;
//  - stock movements: none (a station reads no market's items elsewhere either).
// Any other key with a scope (none can have one today) is treated the same way.

type Caller = ReturnType<typeof callerOf>;

export interface View {
  /** False: the whole tenant's feed. */
  restricted: boolean;
  /** The org units the view covers (restricted views). */
  units: string[];
  /** Their own accounts. */
  accounts: string[];
  /** Configuration a restricted view sees whatever its units. */
  tenantWideConfig: string[];
  /** Configuration a restricted view sees when the change belongs to one of its units. */
  unitConfig: string[];
}

/** The supermarket adds 'market', 'catalogItem' here if station keys are to follow them. */
const TENANT_WIDE_CONFIG = ['pointsRule'];
const UNIT_CONFIG = ['orgUnit'];

export async function viewOf(db: Kysely<DB>, caller: Caller): Promise<View> {
  if ((caller.role === 'admin' || caller.role === 'auditor') && caller.scope === null) {
    return { restricted: false, units: [], accounts: [], tenantWideConfig: [], unitConfig: [] };
  }
  // Read again on every page: a unit created under the scope since is in it from then on.
  const units = (await listOrgUnits(db, caller)).map((u) => u.id);
  return {
    restricted: true,
    units,
    accounts: units.flatMap((u) => [issuanceAccount(u, 'hours'), issuanceAccount(u, 'points')]),
    tenantWideConfig: TENANT_WIDE_CONFIG,
    unitConfig: UNIT_CONFIG,
  };
}
