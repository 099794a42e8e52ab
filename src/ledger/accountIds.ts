import { type RawBuilder, sql } from 'kysely';

// The one place account ids are built. Every account of a member, an org unit's issuance and the
// adjustment account are named here; SQL that must name them too (a hot statement joining a
// member's balance rows) uses memberAccountSql, never its own concatenation.

export type AccountUnit = 'hours' | 'points';

export const memberAccount = (memberId: string, unit: AccountUnit) => `member:${memberId}:${unit}`;
export const memberHoursAccount = (memberId: string) => memberAccount(memberId, 'hours');
export const memberPointsAccount = (memberId: string) => memberAccount(memberId, 'points');
export const issuanceAccount = (orgUnitId: string, unit: AccountUnit) => `issuance:${orgUnitId}:${unit}`;
/** A love supermarket's points account: credited by its sales, debited by its refunds. */
export const marketAccount = (marketId: string) => `market:${marketId}:points`;
/** Where a forced correction takes the points a member has already spent. */
export const ADJUSTMENT_POINTS = 'adjustment:points';

/** A member's hours account id, read back: the member id, or null when it is no such id. */
const MEMBER_HOURS = /^member:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):hours$/;
export function memberOfHoursAccount(accountId: string): string | null {
  return MEMBER_HOURS.exec(accountId)?.[1] ?? null;
}

/** memberAccount as an SQL expression over a member id column or value (same text as above). */
export function memberAccountSql(memberId: RawBuilder<unknown> | string, unit: AccountUnit): RawBuilder<string> {
  return sql<string>`('member:' || ${typeof memberId === 'string' ? sql.ref(memberId) : memberId} || ${sql.lit(`:${unit}`)})`;
}

/** marketAccount as an SQL expression over a market id column (same text as above). */
export function marketAccountSql(marketId: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`('market:' || ${marketId} || ':points')`;
}
