import { type Insertable, type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import { compiledOnce } from '../db/compiled.js';
import { fromJsonb } from '../db/json.js';
import type { DB, MembersTable } from '../db/schema.js';
import { balanceColumnSql, balanceRowSql, formatAmount, memberAccountSql, memberHoursAccount, memberPointsAccount, pointsExpiringSql } from '../ledger/index.js';
import { DomainError } from '../problems.js';
import { starThresholdsSql } from '../tenants/tenants.js';

// The repository of members, member_cards and star_changes: the only code that names them. A
// member's balances and the tenant's star thresholds are read in the same statement as the member
// (one round trip), through the SQL the ledger and tenants modules give for it.

/** What a member has, read under the member's lock: balances, held points and stars. */
export interface MemberState {
  hours: string;
  points: string;
  held: string;
  stars: number;
}

export type StarChangeRow = {
  change_id: string;
  from_stars: number;
  to_stars: number;
  hours: string;
  cause: string;
  record_id: string | null;
  entry_id: string | null;
  changed_at: Date | string;
};

const CHANGE_COLUMNS = ['change_id', 'from_stars', 'to_stars', 'hours', 'cause', 'record_id', 'entry_id', 'changed_at'] as const;

/** Inserts a member; false when the tenant has a member with the same ID number. */
export async function insertMember(trx: Transaction<DB>, values: Insertable<MembersTable>): Promise<boolean> {
  const inserted = await trx
    .insertInto('members')
    .values(values)
    .onConflict((oc) => oc.columns(['tenant_id', 'id_number_hash']).doNothing())
    .returning('member_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function insertCard(trx: Transaction<DB>, tenantId: string, memberId: string, cardNo: string): Promise<void> {
  const row = await trx
    .insertInto('member_cards')
    .values({ tenant_id: tenantId, card_no: cardNo, member_id: memberId })
    .onConflict((oc) => oc.doNothing())
    .returning('card_no')
    .executeTakeFirst();
  if (!row) throw new DomainError('card_exists', { cardNo });
}

export type CardJson = { cardNo: string; createdAt: string; blockedAt: string | null };

/**
 * A member with balances, cards, the tenant's star thresholds and the last change of stars, in
 * one query (one round trip for the member page). The hottest read: built and compiled once.
 */
export const readMember = async (db: Kysely<DB>, tenantId: string, memberId: string) => (await memberRead(db, tenantId, memberId))[0] ?? null;
const memberRead = compiledOnce((db: Kysely<DB>, tenantId: string, memberId: string) => {
  const balance = (account: string, column: 'balance' | 'held') => balanceColumnSql(sql.ref('members.tenant_id'), account, column);
  return db
    .selectFrom('members')
    .selectAll()
    .select([
      balance(memberHoursAccount(memberId), 'balance').as('hours'),
      balance(memberPointsAccount(memberId), 'balance').as('points'),
      balance(memberPointsAccount(memberId), 'held').as('points_held'),
      starThresholdsSql(sql.ref('members.tenant_id')).as('thresholds'),
      pointsExpiringSql(sql.ref('members.tenant_id'), memberPointsAccount(memberId)).as('points_expiring'),
      sql<CardJson[] | string>`(SELECT coalesce(jsonb_agg(jsonb_build_object('cardNo', c.card_no, 'createdAt', c.created_at, 'blockedAt', c.blocked_at)
        ORDER BY c.created_at, c.card_no), '[]') FROM member_cards c WHERE c.tenant_id = members.tenant_id AND c.member_id = members.member_id)`.as('cards'),
      sql<StarChangeRow | string | null>`(SELECT ${starChangeJson('s')}
        FROM star_changes s WHERE s.tenant_id = members.tenant_id AND s.member_id = members.member_id
        ORDER BY s.changed_at DESC, s.change_id LIMIT 1)`.as('last_star_change'),
    ])
    .where('tenant_id', '=', tenantId)
    .where('member_id', '=', memberId);
});

/** A card's row (blocked or not, unless activeOnly). */
export async function findCard(db: Kysely<DB>, tenantId: string, cardNo: string, opts: { activeOnly?: boolean } = {}) {
  let query = db
    .selectFrom('member_cards')
    .select(['member_id', 'card_no', 'blocked_at'])
    .where('tenant_id', '=', tenantId)
    .where('card_no', '=', cardNo);
  if (opts.activeOnly) query = query.where('blocked_at', 'is', null);
  return (await query.executeTakeFirst()) ?? null;
}

/**
 * The members as sales need them, by card or by id, in one query, in the order given: whether
 * each is active, the card's state (null when no card was given, or it is no card of the tenant),
 * and the points available as last committed (a hint for grouping sales: the ledger write checks).
 */
export async function membersForSales(db: Kysely<DB>, tenantId: string, bys: { cardNo?: string | null; memberId?: string | null }[]) {
  const { rows } = await sql<{ member_id: string | null; active: boolean | null; card_no: string | null; blocked: boolean | null; available: string | null }>`
    SELECT m.member_id, m.active, c.card_no, c.blocked_at IS NOT NULL AS blocked,
      ${balanceColumnSql(tenantId, memberAccountSql(sql`m.member_id::text`, 'points'), 'available')}::text AS available
    FROM unnest(${bys.map((b) => b.cardNo ?? null)}::text[], ${bys.map((b) => b.memberId ?? null)}::uuid[]) WITH ORDINALITY AS w(card_no, member_id, n)
    -- A look-up by key per sale (LIMIT keeps each its own subquery): joined, tables without statistics were hashed whole.
    LEFT JOIN LATERAL (SELECT c.* FROM member_cards c WHERE c.tenant_id = ${tenantId} AND c.card_no = w.card_no LIMIT 1) c ON true
    LEFT JOIN LATERAL (SELECT m.* FROM members m WHERE m.tenant_id = ${tenantId} AND m.member_id = coalesce(c.member_id, w.member_id) LIMIT 1) m ON true
    ORDER BY w.n`.execute(db);
  return rows;
}

/** The members that hold these card numbers (blocked or not), by card: one query for many cards. */
export async function membersByCards(db: Kysely<DB>, tenantId: string, cardNos: string[]): Promise<Map<string, string>> {
  if (cardNos.length === 0) return new Map();
  const rows = await db
    .selectFrom('member_cards')
    .select(['card_no', 'member_id'])
    .where('tenant_id', '=', tenantId)
    .where(sql<boolean>`card_no = ANY(${cardNos}::text[])`)
    .execute();
  return new Map(rows.map((r) => [r.card_no, r.member_id]));
}

/**
 * Locks the member's row for the rest of the transaction; every change of a member's hours takes it
 * first (overlap and daily-cap checks, stars: one change at a time). FOR NO KEY UPDATE, as all member
 * locks: a foreign key's key share passes (a sale's receipt deadlocked with an award under FOR UPDATE).
 */
export async function lockMember(trx: Transaction<DB>, tenantId: string, memberId: string): Promise<{ memberId: string; active: boolean; homeOrgUnitId: string }> {
  const row = await trx
    .selectFrom('members')
    .select(['member_id', 'active', 'home_org_unit_id'])
    .where('tenant_id', '=', tenantId)
    .where('member_id', '=', memberId)
    .forNoKeyUpdate()
    .executeTakeFirst();
  if (!row) throw new DomainError('member_not_found', { memberId });
  return { memberId: row.member_id, active: row.active, homeOrgUnitId: row.home_org_unit_id };
}

/**
 * Locks several members, one after another in the order given (callers sort the ids, so two
 * transactions never wait on each other in a cycle), as SQL yielding (member_id, active) per
 * member found: a statement of another module locks its members together with its own reads.
 */
export function lockMembersSql(tenantId: string, memberIds: string[]) {
  return sql<{ member_id: string; active: boolean }>`SELECT m.member_id, m.active FROM unnest(${memberIds}::uuid[]) WITH ORDINALITY AS x(id, n)
    CROSS JOIN LATERAL (SELECT member_id, active FROM members WHERE tenant_id = ${tenantId} AND member_id = x.id FOR NO KEY UPDATE) AS m`;
}

/** lockMembersSql on its own: the ids of the members found, locked. */
export async function lockMembers(trx: Transaction<DB>, tenantId: string, memberIds: string[]): Promise<string[]> {
  if (memberIds.length === 0) return [];
  return (await lockMembersSql(tenantId, memberIds).execute(trx)).rows.map((r) => r.member_id);
}

/** The home org unit of a member, or null when there is no such member. */
export async function memberHome(db: Kysely<DB>, tenantId: string, memberId: string): Promise<string | null> {
  const row = await db
    .selectFrom('members')
    .select('home_org_unit_id')
    .where('tenant_id', '=', tenantId)
    .where('member_id', '=', memberId)
    .executeTakeFirst();
  return row?.home_org_unit_id ?? null;
}

/** Blocks a card of the member; false when the member has no such card. */
export async function blockCardRow(trx: Transaction<DB>, tenantId: string, memberId: string, cardNo: string): Promise<boolean> {
  const row = await trx
    .updateTable('member_cards')
    .set({ blocked_at: sql`coalesce(blocked_at, now())` })
    .where('tenant_id', '=', tenantId)
    .where('member_id', '=', memberId)
    .where('card_no', '=', cardNo)
    .returning('card_no')
    .executeTakeFirst();
  return row !== undefined;
}

export async function deactivateRow(trx: Transaction<DB>, tenantId: string, memberId: string): Promise<void> {
  await trx
    .updateTable('members')
    .set({ active: false, deactivated_at: sql`coalesce(deactivated_at, now())` })
    .where('tenant_id', '=', tenantId)
    .where('member_id', '=', memberId)
    .execute();
}

/**
 * The state of members (`ids`, a uuid[] parameter or expression) as one jsonb object by member
 * id, for a statement of another module that reads it with its own rows: one index lookup each.
 */
export function memberStatesSql(tenantId: string, ids: string[]) {
  return sql<Record<string, MemberState> | string | null>`(SELECT jsonb_object_agg(s.id, jsonb_build_object('hours', hb.balance::text,
      'points', pb.balance::text, 'held', pb.held::text, 'stars', m.stars))
    FROM unnest(${ids}::uuid[]) AS s(id)
    -- LIMIT 1 keeps the planner from turning these into scans of whole tables.
    CROSS JOIN LATERAL (SELECT stars FROM members WHERE tenant_id = ${tenantId} AND member_id = s.id LIMIT 1) AS m
    CROSS JOIN LATERAL ${balanceRowSql(tenantId, memberAccountSql(sql`s.id`, 'hours'))} AS hb
    CROSS JOIN LATERAL ${balanceRowSql(tenantId, memberAccountSql(sql`s.id`, 'points'))} AS pb)`;
}

/** Members' states now (after the caller locked them), and the tenant's star thresholds. */
export async function memberStates(
  db: Kysely<DB>,
  tenantId: string,
  ids: string[],
): Promise<{ members: Map<string, MemberState>; thresholds: string[] }> {
  const { rows } = await sql<{ members: Record<string, MemberState> | string | null; thresholds: string[] }>`
    SELECT ${memberStatesSql(tenantId, ids)} AS members, ${starThresholdsSql(tenantId)} AS thresholds`.execute(db);
  return { members: new Map(Object.entries(fromJsonb(rows[0]!.members ?? {}))), thresholds: rows[0]!.thresholds.map((t) => formatAmount(t)) };
}

/**
 * The star_changes row `alias` as one jsonb value (hours as text, so no amount is ever a
 * JavaScript number), or NULL where the row is missing: for queries that read or write a change
 * together with more.
 */
export function starChangeJson(alias: string) {
  const col = (c: (typeof CHANGE_COLUMNS)[number]) => sql.ref(`${alias}.${c}`);
  return sql<StarChangeRow | string | null>`CASE WHEN ${col('change_id')} IS NULL THEN NULL ELSE jsonb_build_object(
    'change_id', ${col('change_id')}, 'from_stars', ${col('from_stars')}, 'to_stars', ${col('to_stars')}, 'hours', ${col('hours')}::text,
    'cause', ${col('cause')}, 'record_id', ${col('record_id')}, 'entry_id', ${col('entry_id')}, 'changed_at', ${col('changed_at')}) END`;
}

/** A change of stars to record: the member's stars move to `to`. */
export interface NewStarChange {
  memberId: string;
  from: number;
  to: number;
  hours: string;
  cause: string;
  recordId?: string | null;
  entryId?: string | null;
}

/**
 * The CTEs that record the changes of stars in `source` (a CTE of the caller's statement with
 * columns n, member_id, from_stars, to_stars, hours, cause, record_id, entry_id) and set each
 * member's stars to their last change (by n): `stars_recorded` yields the star_changes rows.
 */
export function recordStarChangesSql(tenantId: string, source: string): RawBuilder<unknown> {
  const s = sql.id(source);
  return sql`stars_recorded AS (
      INSERT INTO star_changes (tenant_id, member_id, from_stars, to_stars, hours, cause, record_id, entry_id)
      SELECT ${tenantId}, c.member_id, c.from_stars, c.to_stars, c.hours, c.cause, c.record_id, c.entry_id FROM ${s} c
      RETURNING *
    ),
    stars_last AS (SELECT DISTINCT ON (c.member_id) c.member_id, c.to_stars FROM ${s} c ORDER BY c.member_id, c.n DESC),
    stars_set AS (
      -- Every caller holds these members' locks, so each row stays at the address read here until the commit: taken by
      -- address with no index condition (the tenant IS NOT DISTINCT FROM), a TID scan whatever the statistics (as 0027
      -- for balances; by key, the county was read once). The EXISTS, a one-time filter, skips it when no star changes.
      UPDATE members m SET stars = (SELECT l.to_stars FROM stars_last l WHERE l.member_id = m.member_id)
      WHERE m.ctid = ANY(ARRAY(SELECT (SELECT k.ctid FROM members k WHERE k.tenant_id = ${tenantId} AND k.member_id = l.member_id) FROM stars_last l))
        AND m.tenant_id IS NOT DISTINCT FROM ${tenantId} AND EXISTS (SELECT FROM stars_last)
    )`;
}

/** Records changes of stars (one per member) and sets the members' stars, in one statement; the rows in the order given. */
export async function writeStarChanges(trx: Transaction<DB>, tenantId: string, changes: NewStarChange[]): Promise<StarChangeRow[]> {
  if (changes.length === 0) return [];
  const col = <T>(f: (c: NewStarChange) => T) => changes.map(f);
  const { rows } = await sql<StarChangeRow & { n: number }>`
    WITH changes AS (
      SELECT * FROM unnest(${col((c) => c.memberId)}::uuid[], ${col((c) => c.from)}::integer[], ${col((c) => c.to)}::integer[],
        ${col((c) => c.hours)}::numeric[], ${col((c) => c.cause)}::text[], ${col((c) => c.recordId ?? null)}::uuid[],
        ${col((c) => c.entryId ?? null)}::uuid[]) WITH ORDINALITY AS c(member_id, from_stars, to_stars, hours, cause, record_id, entry_id, n)
    ),
    ${recordStarChangesSql(tenantId, 'changes')}
    SELECT r.*, c.n FROM stars_recorded r JOIN changes c ON c.member_id = r.member_id ORDER BY c.n`.execute(trx);
  return rows;
}

/** Locks every member of the tenant, in id order (the order every write that locks several members uses). */
export async function lockAllMembers(trx: Transaction<DB>, tenantId: string): Promise<void> {
  await sql`SELECT count(*) FROM (SELECT 1 FROM members WHERE tenant_id = ${tenantId} ORDER BY member_id FOR NO KEY UPDATE) AS locked`.execute(trx);
}

/** Every member's stars and hours, read after lockAllMembers. */
export async function allMemberHours(trx: Transaction<DB>, tenantId: string): Promise<{ member_id: string; stars: number; hours: string }[]> {
  const { rows } = await sql<{ member_id: string; stars: number; hours: string }>`
    SELECT m.member_id, m.stars, hb.balance::text AS hours FROM members m
    CROSS JOIN LATERAL ${balanceRowSql(tenantId, memberAccountSql('m.member_id', 'hours'))} AS hb
    WHERE m.tenant_id = ${tenantId} ORDER BY m.member_id`.execute(trx);
  return rows;
}

/** A member's star changes, newest first. */
export async function listStarChanges(db: Kysely<DB>, tenantId: string, memberId: string, limit = 1000): Promise<StarChangeRow[]> {
  return db
    .selectFrom('star_changes')
    .select(CHANGE_COLUMNS)
    .where('tenant_id', '=', tenantId)
    .where('member_id', '=', memberId)
    .orderBy('changed_at', 'desc')
    .orderBy('change_id')
    .limit(limit)
    .execute();
}
