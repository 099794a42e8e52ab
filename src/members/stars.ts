import { Decimal } from 'decimal.js';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { formatAmount, memberOfHoursAccount } from '../ledger/index.js';
import { setStarThresholds } from '../tenants/tenants.js';
import { allMemberHours, listStarChanges as listRows, lockAllMembers, lockMembers, memberStates, type NewStarChange, type StarChangeRow, writeStarChanges } from './repository.js';

// 星级认定: 0–5 stars from cumulative verified hours, thresholds per tenant (default 100, 300,
// 600, 1000, 1500). Recomputed in the transaction that changes a member's hours; every change is
// kept with its time and cause. starsFor is the one place a rating is worked out.

export const DEFAULT_STAR_THRESHOLDS = ['100.00', '300.00', '600.00', '1000.00', '1500.00'];

export type StarCause = 'award' | 'correction' | 'revocation' | 'thresholds' | 'adjustment';

export interface StarChange {
  id: string;
  from: number;
  to: number;
  hours: string;
  cause: string;
  recordId: string | null;
  entryId: string | null;
  changedAt: string;
}

/** The stars `hours` earn under `thresholds`: how many thresholds they reach. */
export function starsFor(hours: Decimal.Value, thresholds: readonly string[]): number {
  return thresholds.filter((t) => new Decimal(hours).gte(t)).length;
}

/** Hours still needed for the next star; null at five stars. */
export function hoursToNextStar(hours: Decimal.Value, thresholds: readonly string[]): string | null {
  const next = thresholds.find((t) => new Decimal(hours).lt(t));
  return next === undefined ? null : formatAmount(new Decimal(next).minus(hours));
}

/** The move of a member's stars when their hours become `hours`, or null when the stars stay. */
export function starMove(stars: number, hours: Decimal.Value, thresholds: readonly string[]): { from: number; to: number; hours: string } | null {
  const to = starsFor(hours, thresholds);
  return to === stars ? null : { from: stars, to, hours: formatAmount(hours) };
}

export function toStarChange(r: StarChangeRow): StarChange {
  return {
    id: r.change_id,
    from: r.from_stars,
    to: r.to_stars,
    hours: formatAmount(r.hours),
    cause: r.cause,
    recordId: r.record_id,
    entryId: r.entry_id,
    changedAt: new Date(r.changed_at).toISOString(),
  };
}

/**
 * Sets the member's stars from the hours on their account now. The caller holds the member's row
 * lock, so no other change of their hours can interleave. Returns the change, or null if none.
 */
export async function recomputeStars(
  trx: Transaction<DB>,
  tenantId: string,
  memberId: string,
  cause: { cause: StarCause; recordId?: string | null; entryId?: string | null },
): Promise<StarChange | null> {
  const { members, thresholds } = await memberStates(trx, tenantId, [memberId]);
  const state = members.get(memberId)!;
  const move = starMove(state.stars, state.hours, thresholds);
  if (!move) return null;
  const [row] = await writeStarChanges(trx, tenantId, [{ memberId, ...move, ...cause }]);
  return toStarChange(row!);
}

/**
 * New thresholds: every member's stars recomputed, each change recorded. The member rows are
 * locked in id order, the order every other write that locks several members uses, so the two
 * never wait for each other in a circle; their hours are read after the locks were granted.
 */
export async function applyThresholds(trx: Transaction<DB>, tenantId: string, thresholds: string[]): Promise<number> {
  await setStarThresholds(trx, tenantId, thresholds);
  await lockAllMembers(trx, tenantId);
  const changes: NewStarChange[] = [];
  for (const m of await allMemberHours(trx, tenantId)) {
    const move = starMove(m.stars, m.hours, thresholds);
    if (move) changes.push({ memberId: m.member_id, ...move, cause: 'thresholds' });
  }
  return (await writeStarChanges(trx, tenantId, changes)).length;
}

/**
 * For writes outside the record flow (an admin's manual entry or reversal): when it touches
 * members' hours accounts, their rows are locked first (in id order, as the record flow does) and
 * their stars recomputed after, in the same transaction.
 */
export async function withStarsFollowing<T extends { id: string }>(
  trx: Transaction<DB>,
  tenantId: string,
  accountIds: string[],
  write: () => Promise<T>,
): Promise<T> {
  const ids = [...new Set(accountIds.map(memberOfHoursAccount).filter((id): id is string => id !== null))].sort();
  const members = await lockMembers(trx, tenantId, ids);
  const result = await write();
  for (const id of members) await recomputeStars(trx, tenantId, id, { cause: 'adjustment', entryId: result.id });
  return result;
}

/** A member's star changes, newest first. */
export async function listStarChanges(db: Kysely<DB>, tenantId: string, memberId: string, limit = 1000): Promise<StarChange[]> {
  return (await listRows(db, tenantId, memberId, limit)).map(toStarChange);
}
