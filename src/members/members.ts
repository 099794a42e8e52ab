import crypto from 'node:crypto';
import { Decimal } from 'decimal.js';
import { type Kysely, sql, type Transaction } from 'kysely';
import { fromJsonb } from '../db/json.js';
import type { DB } from '../db/schema.js';
import { createAccount, formatAmount, memberHoursAccount, memberPointsAccount, toBalance } from '../ledger/index.js';
import { findOrgUnit, inScope, orgUnitForWrite } from '../orgunits/orgUnits.js';
import { DomainError } from '../problems.js';
import type { Caller } from '../tenants/tenants.js';
import { hashIdNumber, maskIdNumber, maskPhone, normalizeIdNumber, PHONE } from './identity.js';
import { type ChangeRow, hoursToNextStar, type StarChange, starChangeJson, toStarChange } from './stars.js';

export interface Card {
  cardNo: string;
  blocked: boolean;
  createdAt: string;
  blockedAt: string | null;
}

export interface Member {
  id: string;
  name: string;
  idNumberMasked: string;
  phoneMasked: string;
  homeOrgUnitId: string;
  active: boolean;
  cards: Card[];
  hours: string;
  points: { balance: string; held: string; available: string };
  stars: number;
  hoursToNextStar: string | null;
  lastStarChange: StarChange | null;
  createdAt: string;
  deactivatedAt: string | null;
}

export interface NewMember {
  name: string;
  idNumber: string;
  phone: string;
  homeOrgUnitId: string;
  cards?: string[] | undefined;
}

/** The ID number under the tenant's HMAC key: what is stored, and all that may be stored. */
export async function keyedIdNumber(db: Kysely<DB>, tenantId: string, idNumber: string): Promise<string> {
  const { id_number_key } = await db.selectFrom('tenants').select('id_number_key').where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
  return hashIdNumber(normalizeIdNumber(idNumber) ?? idNumber, id_number_key);
}

/** Registers a member and opens their HOURS and POINTS accounts. */
export async function registerMember(trx: Transaction<DB>, caller: Caller, input: NewMember): Promise<Member> {
  const idNumber = normalizeIdNumber(input.idNumber);
  if (!idNumber) throw new DomainError('invalid_id_number');
  if (!PHONE.test(input.phone)) throw new DomainError('invalid_phone');
  const unit = await orgUnitForWrite(trx, caller, input.homeOrgUnitId);
  if (!unit.effectivelyActive) throw new DomainError('org_unit_inactive', { orgUnitId: unit.id });
  const idNumberHash = await keyedIdNumber(trx, caller.tenantId, idNumber);
  const memberId = crypto.randomUUID();
  const inserted = await trx
    .insertInto('members')
    .values({
      tenant_id: caller.tenantId,
      member_id: memberId,
      name: input.name,
      id_number_hash: idNumberHash,
      id_number_masked: maskIdNumber(idNumber),
      phone: input.phone,
      home_org_unit_id: unit.id,
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'id_number_hash']).doNothing())
    .returning('member_id')
    .executeTakeFirst();
  if (!inserted) throw new DomainError('member_exists');
  for (const cardNo of input.cards ?? []) await insertCard(trx, caller.tenantId, memberId, cardNo);
  await createAccount(trx, caller.tenantId, { id: memberHoursAccount(memberId), unit: 'HOURS', type: 'member', allowNegative: false, slots: 1 });
  await createAccount(trx, caller.tenantId, { id: memberPointsAccount(memberId), unit: 'POINTS', type: 'member', allowNegative: false, slots: 1 });
  return (await getMember(trx, caller.tenantId, memberId))!;
}

async function insertCard(trx: Transaction<DB>, tenantId: string, memberId: string, cardNo: string): Promise<void> {
  const row = await trx
    .insertInto('member_cards')
    .values({ tenant_id: tenantId, card_no: cardNo, member_id: memberId })
    .onConflict((oc) => oc.doNothing())
    .returning('card_no')
    .executeTakeFirst();
  if (!row) throw new DomainError('card_exists', { cardNo });
}

/** A member with balances, cards, stars and the last change of them, read in one query. */
export async function getMember(db: Kysely<DB>, tenantId: string, memberId: string): Promise<Member | null> {
  // Reads the member's balance rows in the same query (one round trip for the member page).
  const balance = (account: string, column: 'balance' | 'held') =>
    sql<string>`(SELECT b.${sql.ref(column)} FROM ledger_balances b WHERE b.tenant_id = members.tenant_id AND b.account_id = ${account} AND b.slot = 0)`;
  const row = await db
    .selectFrom('members')
    .selectAll()
    .select([
      balance(memberHoursAccount(memberId), 'balance').as('hours'),
      balance(memberPointsAccount(memberId), 'balance').as('points'),
      balance(memberPointsAccount(memberId), 'held').as('points_held'),
      sql<string[]>`(SELECT t.star_thresholds::text[] FROM tenants t WHERE t.tenant_id = members.tenant_id)`.as('thresholds'),
      sql<CardJson[] | string>`(SELECT coalesce(jsonb_agg(jsonb_build_object('cardNo', c.card_no, 'createdAt', c.created_at, 'blockedAt', c.blocked_at)
        ORDER BY c.created_at, c.card_no), '[]') FROM member_cards c WHERE c.tenant_id = members.tenant_id AND c.member_id = members.member_id)`.as('cards'),
      sql<ChangeRow | string | null>`(SELECT ${starChangeJson('s')}
        FROM star_changes s WHERE s.tenant_id = members.tenant_id AND s.member_id = members.member_id
        ORDER BY s.changed_at DESC, s.change_id LIMIT 1)`.as('last_star_change'),
    ])
    .where('tenant_id', '=', tenantId)
    .where('member_id', '=', memberId)
    .executeTakeFirst();
  if (!row) return null;
  const hours = new Decimal(row.hours);
  const points = new Decimal(row.points);

  return {
    id: row.member_id,
    name: row.name,
    idNumberMasked: row.id_number_masked,
    phoneMasked: maskPhone(row.phone),
    homeOrgUnitId: row.home_org_unit_id,
    active: row.active,
    cards: fromJsonb(row.cards).map((c) => ({
      cardNo: c.cardNo,
      blocked: c.blockedAt !== null,
      createdAt: new Date(c.createdAt).toISOString(),
      blockedAt: c.blockedAt ? new Date(c.blockedAt).toISOString() : null,
    })),
    hours: formatAmount(hours),
    points: toBalance(points, row.points_held),
    stars: row.stars,
    hoursToNextStar: hoursToNextStar(hours, row.thresholds.map((t) => formatAmount(t))),
    lastStarChange: row.last_star_change === null ? null : toStarChange(fromJsonb(row.last_star_change)),
    createdAt: new Date(row.created_at).toISOString(),
    deactivatedAt: row.deactivated_at ? new Date(row.deactivated_at).toISOString() : null,
  };
}

type CardJson = { cardNo: string; createdAt: string; blockedAt: string | null };

export async function requireMember(db: Kysely<DB>, tenantId: string, memberId: string): Promise<Member> {
  const member = await getMember(db, tenantId, memberId);
  if (!member) throw new DomainError('member_not_found', { memberId });
  return member;
}

/** The member an active card belongs to (a blocked card finds nobody). */
export async function memberByCard(db: Kysely<DB>, tenantId: string, cardNo: string): Promise<Member> {
  const card = await db
    .selectFrom('member_cards')
    .select('member_id')
    .where('tenant_id', '=', tenantId)
    .where('card_no', '=', cardNo)
    .where('blocked_at', 'is', null)
    .executeTakeFirst();
  if (!card) throw new DomainError('card_not_found', { cardNo });
  return requireMember(db, tenantId, card.member_id);
}

/** What a supermarket counter sees of the member a card belongs to: nothing that identifies them. */
export interface CounterView {
  memberId: string;
  name: string;
  active: boolean;
  pointsAvailable: string;
  stars: number;
  card: { cardNo: string; status: 'active' | 'blocked' };
}

/**
 * The counter view of a card's member, in one query. A blocked card answers too, with its status,
 * so the counter can tell a card reported lost from a mistyped number.
 */
export async function counterView(db: Kysely<DB>, tenantId: string, cardNo: string): Promise<CounterView> {
  const card = await db
    .selectFrom('member_cards')
    .select(['member_id', 'card_no', 'blocked_at'])
    .where('tenant_id', '=', tenantId)
    .where('card_no', '=', cardNo)
    .executeTakeFirst();
  if (!card) throw new DomainError('card_not_found', { cardNo });
  // The member as every view reads it (balances, held points), cut down to what a counter needs.
  const member = await requireMember(db, tenantId, card.member_id);
  return {
    memberId: member.id,
    name: member.name,
    active: member.active,
    pointsAvailable: member.points.available,
    stars: member.stars,
    card: { cardNo: card.card_no, status: card.blocked_at === null ? 'active' : 'blocked' },
  };
}

/**
 * Locks the member's row for the rest of the transaction. Every change of a member's hours takes
 * this lock first, so checks across their records (overlap, daily cap) and the star rating see
 * one change at a time.
 */
export async function lockMember(
  trx: Transaction<DB>,
  tenantId: string,
  memberId: string,
): Promise<{ memberId: string; active: boolean; homeOrgUnitId: string }> {
  const row = await trx
    .selectFrom('members')
    .select(['member_id', 'active', 'home_org_unit_id'])
    .where('tenant_id', '=', tenantId)
    .where('member_id', '=', memberId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new DomainError('member_not_found', { memberId });
  return { memberId: row.member_id, active: row.active, homeOrgUnitId: row.home_org_unit_id };
}

/** A write on a member by a scoped key needs the member's home unit in its scope. */
async function memberForWrite(trx: Transaction<DB>, caller: Caller, memberId: string) {
  const member = await lockMember(trx, caller.tenantId, memberId);
  await checkHomeScope(trx, caller, member.homeOrgUnitId);
  return member;
}

async function checkHomeScope(db: Kysely<DB>, caller: Caller, homeOrgUnitId: string): Promise<void> {
  if (!caller.scope) return;
  const home = await findOrgUnit(db, caller.tenantId, homeOrgUnitId);
  if (!home || !inScope(caller.scope, home.path)) throw new DomainError('org_unit_out_of_scope', { orgUnitId: homeOrgUnitId });
}

/**
 * Whether the caller may write on the member (it exists; a scoped key needs its home unit in
 * scope), without locking it: checked before an Idempotency-Key is looked at (writeOnce).
 */
export async function authorizeMemberWrite(db: Kysely<DB>, caller: Caller, memberId: string): Promise<void> {
  const row = await db
    .selectFrom('members')
    .select('home_org_unit_id')
    .where('tenant_id', '=', caller.tenantId)
    .where('member_id', '=', memberId)
    .executeTakeFirst();
  if (!row) throw new DomainError('member_not_found', { memberId });
  await checkHomeScope(db, caller, row.home_org_unit_id);
}

export async function addCard(trx: Transaction<DB>, caller: Caller, memberId: string, cardNo: string): Promise<Member> {
  const member = await memberForWrite(trx, caller, memberId);
  if (!member.active) throw new DomainError('member_inactive');
  await insertCard(trx, caller.tenantId, memberId, cardNo);
  return (await getMember(trx, caller.tenantId, memberId))!;
}

/** A lost card is blocked, never deleted: its number stays taken. */
export async function blockCard(trx: Transaction<DB>, caller: Caller, memberId: string, cardNo: string): Promise<Member> {
  await memberForWrite(trx, caller, memberId);
  const row = await trx
    .updateTable('member_cards')
    .set({ blocked_at: sql`coalesce(blocked_at, now())` })
    .where('tenant_id', '=', caller.tenantId)
    .where('member_id', '=', memberId)
    .where('card_no', '=', cardNo)
    .returning('card_no')
    .executeTakeFirst();
  if (!row) throw new DomainError('card_not_found', { cardNo });
  return (await getMember(trx, caller.tenantId, memberId))!;
}

/** A deactivated member keeps their accounts and history but takes no new records or cards. */
export async function deactivateMember(trx: Transaction<DB>, caller: Caller, memberId: string): Promise<Member> {
  await memberForWrite(trx, caller, memberId);
  await trx
    .updateTable('members')
    .set({ active: false, deactivated_at: sql`coalesce(deactivated_at, now())` })
    .where('tenant_id', '=', caller.tenantId)
    .where('member_id', '=', memberId)
    .execute();
  return (await getMember(trx, caller.tenantId, memberId))!;
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
