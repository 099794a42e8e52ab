import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import { fromJsonb } from '../db/json.js';
import type { DB } from '../db/schema.js';
import { DomainError } from '../problems.js';
import { formatAmount } from './amount.js';

// Lots (积分批次) and the tenant's expiry policy, read and set. The lots themselves move only in
// the database, beside the write path (migrations/0012_lots.ts): every credit of a member's
// points opens one, every debit takes from them earliest expiry first, a refund puts points back
// where they came from. Dates are China time; a lot's expiresOn is the last day it can be spent.

export const ExpiryPolicyKinds = ['none', 'yearEnd', 'monthsAfter'] as const;
export type ExpiryPolicyKind = (typeof ExpiryPolicyKinds)[number];

/** How long points credited under it last. Versioned: a new version never re-dates open lots. */
export interface ExpiryPolicy {
  /** 0: the tenant never set one (points never expire). */
  version: number;
  policy: ExpiryPolicyKind;
  /** yearEnd: months of grace after 31 December; monthsAfter: months after the day earned; none: 0. */
  months: number;
  effectiveFrom: string | null;
  createdAt: string | null;
  createdBy: string | null;
}

export type NewExpiryPolicy = { policy: ExpiryPolicyKind; months?: number | undefined; effectiveFrom?: string | undefined };

type PolicyRow = { version: number; policy: ExpiryPolicyKind; months: number; effective_from: Date; created_at: Date; created_by: string | null };

const toPolicy = (r: PolicyRow): ExpiryPolicy => ({
  version: r.version,
  policy: r.policy,
  months: r.months,
  effectiveFrom: new Date(r.effective_from).toISOString(),
  createdAt: new Date(r.created_at).toISOString(),
  createdBy: r.created_by,
});

const NEVER: ExpiryPolicy = { version: 0, policy: 'none', months: 0, effectiveFrom: null, createdAt: null, createdBy: null };

/** Every version of the tenant's expiry policy, newest first. */
export async function listExpiryPolicies(db: Kysely<DB>, tenantId: string): Promise<ExpiryPolicy[]> {
  const { rows } = await sql<PolicyRow>`SELECT version, policy, months, effective_from, created_at, created_by
    FROM ledger_expiry_policies WHERE tenant_id = ${tenantId} ORDER BY version DESC`.execute(db);
  return rows.map(toPolicy);
}

/** The version in force now (by the ledger's clock): the newest whose effectiveFrom has come. */
export async function getExpiryPolicy(db: Kysely<DB>, tenantId: string): Promise<ExpiryPolicy> {
  const { rows } = await sql<PolicyRow>`SELECT version, policy, months, effective_from, created_at, created_by
    FROM ledger_expiry_policies WHERE tenant_id = ${tenantId} AND effective_from <= ledger_clock() ORDER BY version DESC LIMIT 1`.execute(db);
  return rows[0] ? toPolicy(rows[0]) : NEVER;
}

/**
 * A new version of the policy, in force from effectiveFrom (now by the ledger's clock when left
 * out; never in the past) for points credited from then on. The caller holds the tenant's
 * settings lock, so two changes get two versions. The same policy as the newest, from now, is no
 * new version.
 */
export async function setExpiryPolicy(trx: Transaction<DB>, tenantId: string, input: NewExpiryPolicy, actor: string): Promise<ExpiryPolicy> {
  const months = input.months ?? 0;
  if (input.policy === 'none' && months !== 0) throw new DomainError('validation_failed', { detail: 'policy none takes no months' });
  if (input.policy === 'monthsAfter' && months < 1) throw new DomainError('validation_failed', { detail: 'policy monthsAfter needs months of at least 1' });
  const now = await ledgerNow(trx);
  const from = input.effectiveFrom ? new Date(input.effectiveFrom) : now;
  if (from.getTime() < now.getTime()) throw new DomainError('rule_effective_in_past');
  const newest = (await listExpiryPolicies(trx, tenantId))[0] ?? NEVER;
  if (!input.effectiveFrom && newest.policy === input.policy && newest.months === months) return newest;
  const { rows } = await sql<PolicyRow>`INSERT INTO ledger_expiry_policies (tenant_id, version, policy, months, effective_from, created_by)
    VALUES (${tenantId}, ${newest.version + 1}, ${input.policy}, ${months}, ${from.toISOString()}::timestamptz, ${actor})
    RETURNING version, policy, months, effective_from, created_at, created_by`.execute(trx);
  return toPolicy(rows[0]!);
}

/** The ledger's clock: the database's, plus the offset an operator may set for a drill (ledger_clock). */
export async function ledgerNow(db: Kysely<DB>): Promise<Date> {
  return new Date((await sql<{ now: Date }>`SELECT ledger_clock() AS now`.execute(db)).rows[0]!.now);
}

const dateOf = (d: Date | string): string | null => {
  const s = typeof d === 'string' ? d : d.toISOString().slice(0, 10);
  return s === 'infinity' ? null : s.slice(0, 10);
};

export interface PointsExpiring {
  date: string;
  points: string;
}

/**
 * What a points account will lose and when (the next `dates` dates with points still in lots), as
 * a subquery a caller embeds in its own statement: a member's read is one round trip. Its value
 * (a JSON array, or its text on some drivers) goes through pointsExpiringOf.
 */
export function pointsExpiringSql(tenantId: string | RawBuilder<unknown>, accountId: string, dates = 5): RawBuilder<PointsExpiring[] | string> {
  return sql`(SELECT coalesce(jsonb_agg(jsonb_build_object('date', d.date, 'points', d.points) ORDER BY d.date), '[]')
    FROM (SELECT expires_on::text AS date, sum(remaining)::text AS points FROM ledger_lots
      WHERE tenant_id = ${tenantId} AND account_id = ${accountId} AND remaining > 0 AND expires_on < 'infinity'
      GROUP BY expires_on ORDER BY expires_on LIMIT ${dates}) d)`;
}

export function pointsExpiringOf(value: PointsExpiring[] | string): PointsExpiring[] {
  return fromJsonb(value).map((x) => ({ date: x.date, points: formatAmount(x.points) }));
}

export const LotMoveKinds = ['opening', 'credit', 'debit', 'return', 'expiry', 'reserve', 'release', 'capture'] as const;

export interface LotMove {
  kind: (typeof LotMoveKinds)[number];
  /** Change of the lot's points (signed). */
  amount: string;
  /** Change of the points a hold reserves in it (signed). */
  held: string;
  entryId: string | null;
  holdId: string | null;
  /** A return: the entry whose debit it gives back. */
  sourceEntryId: string | null;
  at: string;
}

export interface Lot {
  id: string;
  /** The last day (China time) its points can be spent; null: never expires. */
  expiresOn: string | null;
  policyVersion: number | null;
  openedBy: string | null;
  openedAt: string;
  amount: string;
  remaining: string;
  held: string;
  history: LotMove[];
}

type LotRow = {
  lot_id: string;
  expires_on: string;
  policy_version: number | null;
  opened_by: string | null;
  opened_at: Date;
  amount: string;
  remaining: string;
  held: string;
  moves: { kind: LotMove['kind']; amount: string; held: string; entry_id: string | null; hold_id: string | null; source_entry_id: string | null; at: string }[] | string;
};

/**
 * An account's lots, oldest first, each with its whole history; keyset-paged by lot id. open:
 * only the lots with points left.
 */
export async function listLots(
  db: Kysely<DB>,
  tenantId: string,
  accountId: string,
  page: { after?: string | undefined; limit: number; open?: boolean | undefined },
): Promise<{ items: Lot[]; next: string | null }> {
  const { rows } = await sql<LotRow>`SELECT l.lot_id::text, l.expires_on::text, l.policy_version, l.opened_by::text, l.opened_at,
      l.amount::text, l.remaining::text, l.held::text,
      (SELECT json_agg(json_build_object('kind', m.kind, 'amount', m.amount::text, 'held', m.held::text, 'entry_id', m.entry_id,
                'hold_id', m.hold_id, 'source_entry_id', m.source_entry_id, 'at', m.at) ORDER BY m.move_id)
       FROM ledger_lot_moves m WHERE m.tenant_id = l.tenant_id AND m.lot_id = l.lot_id) AS moves
    FROM ledger_lots l
    WHERE l.tenant_id = ${tenantId} AND l.account_id = ${accountId}
      AND (${page.after ?? null}::bigint IS NULL OR l.lot_id > ${page.after ?? null}::bigint)
      AND (${page.open ?? false}::boolean = false OR l.remaining > 0)
    ORDER BY l.lot_id LIMIT ${page.limit + 1}`.execute(db);
  const items = rows.slice(0, page.limit).map((r): Lot => {
    const moves = typeof r.moves === 'string' ? (JSON.parse(r.moves) as Exclude<LotRow['moves'], string>) : (r.moves ?? []);
    return {
      id: r.lot_id,
      expiresOn: dateOf(r.expires_on),
      policyVersion: r.policy_version,
      openedBy: r.opened_by,
      openedAt: new Date(r.opened_at).toISOString(),
      amount: formatAmount(r.amount),
      remaining: formatAmount(r.remaining),
      held: formatAmount(r.held),
      history: moves.map((m) => ({
        kind: m.kind,
        amount: formatAmount(m.amount),
        held: formatAmount(m.held),
        entryId: m.entry_id,
        holdId: m.hold_id,
        sourceEntryId: m.source_entry_id,
        at: new Date(m.at).toISOString(),
      })),
    };
  });
  return { items, next: rows.length > page.limit ? items[items.length - 1]!.id : null };
}
