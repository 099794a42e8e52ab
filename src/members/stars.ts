import { Decimal } from 'decimal.js';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { formatAmount, memberAccountSql, memberHoursAccount, memberOfHoursAccount } from '../ledger/index.js';

// 星级认定: 0–5 stars from cumulative verified hours, thresholds per tenant (default 100, 300,
// 600, 1000, 1500). Recomputed in the transaction that changes a member's hours; every change is
// kept with its time and cause.

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

// Account ids are built by the ledger (src/ledger/accountIds.ts); re-exported for this module's callers.
export { memberHoursAccount, memberPointsAccount } from '../ledger/index.js';

export function starsFor(hours: Decimal.Value, thresholds: readonly string[]): number {
  return thresholds.filter((t) => new Decimal(hours).gte(t)).length;
}

/** Hours still needed for the next star; null at five stars. */
export function hoursToNextStar(hours: Decimal.Value, thresholds: readonly string[]): string | null {
  const next = thresholds.find((t) => new Decimal(hours).lt(t));
  return next === undefined ? null : formatAmount(new Decimal(next).minus(hours));
}

export type ChangeRow = {
  change_id: string;
  from_stars: number;
  to_stars: number;
  hours: string;
  cause: string;
  record_id: string | null;
  entry_id: string | null;
  changed_at: Date | string;
};

export function toStarChange(r: ChangeRow): StarChange {
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

const CHANGE_COLUMNS = ['change_id', 'from_stars', 'to_stars', 'hours', 'cause', 'record_id', 'entry_id', 'changed_at'] as const;

/**
 * The star_changes row `alias` as one jsonb value for toStarChange (hours as text, so no amount is
 * ever a JavaScript number), or NULL where the row is missing: for queries that read or write a
 * change together with more.
 */
export function starChangeJson(alias: string) {
  const col = (c: (typeof CHANGE_COLUMNS)[number]) => sql.ref(`${alias}.${c}`);
  return sql<ChangeRow | string | null>`CASE WHEN ${col('change_id')} IS NULL THEN NULL ELSE jsonb_build_object(
    'change_id', ${col('change_id')}, 'from_stars', ${col('from_stars')}, 'to_stars', ${col('to_stars')}, 'hours', ${col('hours')}::text,
    'cause', ${col('cause')}, 'record_id', ${col('record_id')}, 'entry_id', ${col('entry_id')}, 'changed_at', ${col('changed_at')}) END`;
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
  // Joins the member's hours balance row: stars follow hours in the transaction that moved them.
  const row = await trx
    .selectFrom('members as m')
    .innerJoin('tenants as t', 't.tenant_id', 'm.tenant_id')
    .innerJoin('ledger_balances as b', (j) =>
      j.onRef('b.tenant_id', '=', 'm.tenant_id').on('b.account_id', '=', memberHoursAccount(memberId)).on('b.slot', '=', 0),
    )
    .select(['m.stars', 't.star_thresholds', 'b.balance'])
    .where('m.tenant_id', '=', tenantId)
    .where('m.member_id', '=', memberId)
    .executeTakeFirstOrThrow();
  const to = starsFor(row.balance, row.star_thresholds);
  if (to === row.stars) return null;
  await trx.updateTable('members').set({ stars: to }).where('tenant_id', '=', tenantId).where('member_id', '=', memberId).execute();
  const change = await trx
    .insertInto('star_changes')
    .values({
      tenant_id: tenantId,
      member_id: memberId,
      from_stars: row.stars,
      to_stars: to,
      hours: row.balance,
      cause: cause.cause,
      record_id: cause.recordId ?? null,
      entry_id: cause.entryId ?? null,
    })
    .returning(CHANGE_COLUMNS)
    .executeTakeFirstOrThrow();
  return toStarChange(change);
}

/**
 * New thresholds: every member's stars recomputed in one statement, each change recorded. The
 * member rows are locked in id order, the order every other write that locks several members
 * uses (withStarsFollowing), so the two never wait for each other in a circle.
 */
export async function applyThresholds(trx: Transaction<DB>, tenantId: string, thresholds: string[]): Promise<number> {
  await trx.updateTable('tenants').set({ star_thresholds: thresholds }).where('tenant_id', '=', tenantId).execute();
  const result = await sql<{ n: string }>`
    WITH current AS (
      SELECT m.member_id, m.stars AS old_stars, b.balance AS hours,
        (SELECT count(*) FROM unnest(${thresholds}::numeric[]) AS t(v) WHERE t.v <= b.balance)::smallint AS new_stars
      FROM members m
      -- Joins ledger balance rows: every member's hours in the one statement that re-rates them all.
      JOIN ledger_balances b ON b.tenant_id = m.tenant_id AND b.account_id = ${memberAccountSql('m.member_id', 'hours')} AND b.slot = 0
      WHERE m.tenant_id = ${tenantId}
      ORDER BY m.member_id
      FOR UPDATE OF m
    ), changed AS (
      UPDATE members m SET stars = c.new_stars FROM current c
      WHERE m.tenant_id = ${tenantId} AND m.member_id = c.member_id AND c.new_stars <> c.old_stars
      RETURNING m.member_id, c.old_stars, c.new_stars, c.hours
    ), recorded AS (
      INSERT INTO star_changes (tenant_id, member_id, from_stars, to_stars, hours, cause)
      SELECT ${tenantId}, member_id, old_stars, new_stars, hours, 'thresholds' FROM changed
      RETURNING 1
    )
    SELECT count(*)::text AS n FROM recorded`.execute(trx);
  return Number(result.rows[0]!.n);
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
  const members: string[] = [];
  for (const id of ids) {
    const row = await trx.selectFrom('members').select('member_id').where('tenant_id', '=', tenantId).where('member_id', '=', id).forUpdate().executeTakeFirst();
    if (row) members.push(id);
  }
  const result = await write();
  for (const id of members) await recomputeStars(trx, tenantId, id, { cause: 'adjustment', entryId: result.id });
  return result;
}

/** A member's star changes, newest first. */
export async function listStarChanges(db: Kysely<DB>, tenantId: string, memberId: string, limit = 1000): Promise<StarChange[]> {
  const rows = await db
    .selectFrom('star_changes')
    .select(CHANGE_COLUMNS)
    .where('tenant_id', '=', tenantId)
    .where('member_id', '=', memberId)
    .orderBy('changed_at', 'desc')
    .orderBy('change_id')
    .limit(limit)
    .execute();
  return rows.map(toStarChange);
}
