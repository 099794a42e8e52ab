import crypto from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { Kysely, Transaction } from 'kysely';
import type { Caller } from '../auth/caller.js';
import { fromJsonb } from '../db/json.js';
import type { DB } from '../db/schema.js';
import { createAccount, formatAmount, memberHoursAccount, memberPointsAccount, pointsExpiringOf, toBalance } from '../ledger/index.js';
import { authorizeOrgUnit, orgUnitForWrite } from '../orgunits/orgUnits.js';
import { DomainError } from '../problems.js';
import { idNumberKey } from '../tenants/tenants.js';
import { hashIdNumber, maskIdNumber, maskPhone, normalizeIdNumber, PHONE } from './identity.js';
import { blockCardRow, deactivateRow, findCard, insertCard, insertMember, lockMember, membersForSales, memberHome, type MemberState, readMember } from './repository.js';
import { hoursToNextStar, type StarChange, toStarChange } from './stars.js';

// Members (志愿者 / 群众): registration, cards (一卡通), the member as every view reads it.

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
  /** The next dates on which points lapse (China time, the last day they can be spent), and how many. */
  pointsExpiring: { date: string; points: string }[];
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

/** A member's totals as every change of their hours or points answers them. */
export interface MemberTotals {
  id: string;
  hours: string;
  points: string;
  pointsAvailable: string;
  stars: number;
}

/** The totals of a member in a state (available points worked out by the ledger's toBalance). */
export function memberTotals(memberId: string, state: MemberState): MemberTotals {
  return {
    id: memberId,
    hours: formatAmount(state.hours),
    points: formatAmount(state.points),
    pointsAvailable: toBalance(state.points, state.held).available,
    stars: state.stars,
  };
}

/** The ID number under the tenant's HMAC key: what is stored, and all that may be stored. */
export async function keyedIdNumber(db: Kysely<DB>, tenantId: string, idNumber: string): Promise<string> {
  return hashIdNumber(normalizeIdNumber(idNumber) ?? idNumber, await idNumberKey(db, tenantId));
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
  const inserted = await insertMember(trx, {
    tenant_id: caller.tenantId,
    member_id: memberId,
    name: input.name,
    id_number_hash: idNumberHash,
    id_number_masked: maskIdNumber(idNumber),
    phone: input.phone,
    home_org_unit_id: unit.id,
  });
  if (!inserted) throw new DomainError('member_exists');
  for (const cardNo of input.cards ?? []) await insertCard(trx, caller.tenantId, memberId, cardNo);
  await createAccount(trx, caller.tenantId, { id: memberHoursAccount(memberId), unit: 'HOURS', type: 'member', allowNegative: false, slots: 1 });
  await createAccount(trx, caller.tenantId, { id: memberPointsAccount(memberId), unit: 'POINTS', type: 'member', allowNegative: false, slots: 1 });
  return (await getMember(trx, caller.tenantId, memberId))!;
}

/** A member with balances, cards, stars and the last change of them, read in one query. */
export async function getMember(db: Kysely<DB>, tenantId: string, memberId: string): Promise<Member | null> {
  const row = await readMember(db, tenantId, memberId);
  if (!row) return null;
  const hours = new Decimal(row.hours);
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
    points: toBalance(row.points, row.points_held),
    pointsExpiring: pointsExpiringOf(row.points_expiring),
    stars: row.stars,
    hoursToNextStar: hoursToNextStar(hours, row.thresholds.map((t) => formatAmount(t))),
    lastStarChange: row.last_star_change === null ? null : toStarChange(fromJsonb(row.last_star_change)),
    createdAt: new Date(row.created_at).toISOString(),
    deactivatedAt: row.deactivated_at ? new Date(row.deactivated_at).toISOString() : null,
  };
}

export async function requireMember(db: Kysely<DB>, tenantId: string, memberId: string): Promise<Member> {
  const member = await getMember(db, tenantId, memberId);
  if (!member) throw new DomainError('member_not_found', { memberId });
  return member;
}

/** The member an active card belongs to (a blocked card finds nobody). */
export async function memberByCard(db: Kysely<DB>, tenantId: string, cardNo: string): Promise<Member> {
  const card = await findCard(db, tenantId, cardNo, { activeOnly: true });
  if (!card) throw new DomainError('card_not_found', { cardNo });
  return requireMember(db, tenantId, card.member_id);
}

/**
 * The member a sale is for, by card (a blocked card is refused: card_blocked) or by id; refused
 * when the member is deactivated. One query.
 */
export async function memberForCounter(db: Kysely<DB>, tenantId: string, by: { cardNo?: string | null; memberId?: string | null }): Promise<{ memberId: string; cardNo: string | null }> {
  const found = counterMember((await membersForSales(db, tenantId, [by]))[0]!, by);
  if (found instanceof DomainError) throw found;
  return { memberId: found.memberId, cardNo: found.cardNo };
}

/** memberForCounter for many sales in one query: each its member (with the points available as last committed), or its refusal. */
export async function membersForCounter(db: Kysely<DB>, tenantId: string, bys: { cardNo?: string | null; memberId?: string | null }[]) {
  const rows = await membersForSales(db, tenantId, bys);
  return rows.map((row, i) => counterMember(row, bys[i]!));
}

function counterMember(
  row: { member_id: string | null; active: boolean | null; card_no: string | null; blocked: boolean | null; available: string | null },
  by: { cardNo?: string | null; memberId?: string | null },
): { memberId: string; cardNo: string | null; available: string } | DomainError {
  if (by.cardNo) {
    if (row.card_no === null) return new DomainError('card_not_found', { cardNo: by.cardNo });
    if (row.blocked) return new DomainError('card_blocked', { cardNo: by.cardNo });
  }
  if (row.member_id === null) return new DomainError('member_not_found', { memberId: by.memberId });
  if (!row.active) return new DomainError('member_inactive', { memberId: row.member_id });
  return { memberId: row.member_id, cardNo: row.card_no, available: row.available ?? '0' };
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
 * The counter view of a card's member. A blocked card answers too, with its status, so the
 * counter can tell a card reported lost from a mistyped number.
 */
export async function counterView(db: Kysely<DB>, tenantId: string, cardNo: string): Promise<CounterView> {
  const card = await findCard(db, tenantId, cardNo);
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

/** A write on a member by a scoped key needs the member's home unit in its scope. */
async function memberForWrite(trx: Transaction<DB>, caller: Caller, memberId: string) {
  const member = await lockMember(trx, caller.tenantId, memberId);
  await authorizeOrgUnit(trx, caller, member.homeOrgUnitId);
  return member;
}

/**
 * Whether the caller may write on the member (it exists; a scoped key needs its home unit in
 * scope), without locking it: checked before an Idempotency-Key is looked at (writeOnce).
 */
export async function authorizeMemberWrite(db: Kysely<DB>, caller: Caller, memberId: string): Promise<void> {
  const home = await memberHome(db, caller.tenantId, memberId);
  if (home === null) throw new DomainError('member_not_found', { memberId });
  await authorizeOrgUnit(db, caller, home);
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
  if (!(await blockCardRow(trx, caller.tenantId, memberId, cardNo))) throw new DomainError('card_not_found', { cardNo });
  return (await getMember(trx, caller.tenantId, memberId))!;
}

/** A deactivated member keeps their accounts and history but takes no new records or cards. */
export async function deactivateMember(trx: Transaction<DB>, caller: Caller, memberId: string): Promise<Member> {
  await memberForWrite(trx, caller, memberId);
  await deactivateRow(trx, caller.tenantId, memberId);
  return (await getMember(trx, caller.tenantId, memberId))!;
}

export { lockMember, type MemberState, membersByCards, memberStates } from './repository.js';
