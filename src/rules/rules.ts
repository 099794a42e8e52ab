import { Decimal } from 'decimal.js';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { fromJsonb } from '../db/json.js';
import { formatAmount, roundAmount } from '../ledger/index.js';
import { DomainError } from '../problems.js';

export const Sources = ['checkin', 'manual'] as const;
export type Source = (typeof Sources)[number];

/** How hours, category and rating turn into points (积分管理办法). Versioned per tenant. */
export interface PointsRule {
  version: number;
  effectiveFrom: string;
  pointsPerHour: string;
  /** Multiplier per category; a category not listed counts 1. */
  categoryMultipliers: Record<string, string>;
  /** Bonus points per rating ("1".."5"); a rating not listed gives none. */
  ratingBonus: Record<string, string>;
  dailyCapHours: string;
  backdatingDays: number;
  /** Sources whose hours earn points; hours from other sources still count for stars. */
  pointSources: Source[];
  createdAt: string;
  createdBy: string | null;
}

export type NewRule = Omit<PointsRule, 'version' | 'effectiveFrom' | 'createdAt' | 'createdBy'> & { effectiveFrom?: string | undefined };

const DEFAULT_RULE = { points_per_hour: '10', daily_cap_hours: '12', backdating_days: 30 };

export type RuleRow = {
  version: number;
  effective_from: Date;
  points_per_hour: string;
  category_multipliers: Record<string, string> | string;
  rating_bonus: Record<string, string> | string;
  daily_cap_hours: string;
  backdating_days: number;
  point_sources: string[];
  created_at: Date;
  created_by: string | null;
};

const COLUMNS = [
  'version', 'effective_from', 'points_per_hour', 'category_multipliers', 'rating_bonus', 'daily_cap_hours',
  'backdating_days', 'point_sources', 'created_at', 'created_by',
] as const;

export function toRule(r: RuleRow): PointsRule {
  return {
    version: r.version,
    effectiveFrom: new Date(r.effective_from).toISOString(),
    pointsPerHour: formatAmount(r.points_per_hour),
    categoryMultipliers: fromJsonb(r.category_multipliers),
    ratingBonus: fromJsonb(r.rating_bonus),
    dailyCapHours: formatAmount(r.daily_cap_hours),
    backdatingDays: r.backdating_days,
    pointSources: r.point_sources as Source[],
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
  };
}

/** Version 1 of every tenant: 10 points an hour, 12 hours a day at most, 30 days to back-date. */
export async function createDefaultRule(trx: Transaction<DB>, tenantId: string): Promise<void> {
  await trx
    .insertInto('points_rules')
    .values({
      tenant_id: tenantId,
      version: 1,
      effective_from: sql<Date>`now()`,
      ...DEFAULT_RULE,
      category_multipliers: '{}',
      rating_bonus: '{}',
      point_sources: ['checkin', 'manual'],
    })
    .execute();
}

/**
 * The rule in force now, as one query: the latest effective one, the newest version on a tie;
 * before the first rule took effect, the first rule applies. "Now" is the database's clock, the
 * one createRule stamps effective_from with: judged by the service's clock, a service running
 * behind the database would miss a rule just added (and one ahead would apply a rule early).
 * Submission embeds it in the query that locks the member, so it is on the hot path.
 */
export function ruleNowQuery(db: Kysely<DB>, tenantId: string) {
  const inForce = sql<boolean>`effective_from <= now()`;
  return db
    .selectFrom('points_rules')
    .select(COLUMNS)
    .where('tenant_id', '=', tenantId)
    .orderBy(inForce, 'desc')
    .orderBy(sql`CASE WHEN ${inForce} THEN effective_from END`, (ob) => ob.desc().nullsLast())
    .orderBy(sql`CASE WHEN ${inForce} THEN version ELSE -version END`, 'desc')
    .limit(1);
}

export async function ruleNow(db: Kysely<DB>, tenantId: string): Promise<PointsRule> {
  return toRule(await ruleNowQuery(db, tenantId).executeTakeFirstOrThrow());
}

export async function ruleByVersion(db: Kysely<DB>, tenantId: string, version: number): Promise<PointsRule> {
  const row = await db
    .selectFrom('points_rules')
    .select(COLUMNS)
    .where('tenant_id', '=', tenantId)
    .where('version', '=', version)
    .executeTakeFirstOrThrow();
  return toRule(row);
}

export async function listRules(db: Kysely<DB>, tenantId: string): Promise<PointsRule[]> {
  const rows = await db.selectFrom('points_rules').select(COLUMNS).where('tenant_id', '=', tenantId).orderBy('version').execute();
  return rows.map(toRule);
}

/**
 * Adds the next version. It takes effect now or later, never earlier: an award already made under
 * an older version stays as it was.
 */
export async function createRule(trx: Transaction<DB>, tenantId: string, input: NewRule, createdBy: string): Promise<PointsRule> {
  // Versions of one tenant are numbered one after another: serialise on the tenant's newest rule
  // (every tenant has version 1 from its start; no foreign key refers to a rule, so no other
  // write ever waits on this lock). The next statement reads the newest version after the wait.
  await trx
    .selectFrom('points_rules')
    .select('version')
    .where('tenant_id', '=', tenantId)
    .orderBy('version', 'desc')
    .limit(1)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const { now } = (await sql<{ now: Date }>`SELECT now() AS now`.execute(trx)).rows[0]!;
  const effectiveFrom = input.effectiveFrom ? new Date(input.effectiveFrom) : new Date(now);
  if (effectiveFrom.getTime() < new Date(now).getTime()) throw new DomainError('rule_effective_in_past');
  const { max } = await trx
    .selectFrom('points_rules')
    .select(sql<number>`coalesce(max(version), 0)`.as('max'))
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow();
  const row = await trx
    .insertInto('points_rules')
    .values({
      tenant_id: tenantId,
      version: Number(max) + 1,
      effective_from: effectiveFrom,
      points_per_hour: input.pointsPerHour,
      category_multipliers: JSON.stringify(input.categoryMultipliers),
      rating_bonus: JSON.stringify(input.ratingBonus),
      daily_cap_hours: input.dailyCapHours,
      backdating_days: input.backdatingDays,
      point_sources: input.pointSources,
      created_by: createdBy,
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return toRule(row);
}

/** What a rule gives for some hours: the points and the arithmetic (a record's award keeps both). */
export interface ComputedAward {
  points: Decimal;
  /** The arithmetic in words, kept with the entry: "2.5 h × 10 × 1.2 = 30.00". */
  explanation: string;
}

const plain = (d: Decimal.Value) => new Decimal(d).toString();

export function computeAward(rule: PointsRule, record: { hours: Decimal.Value; category: string; source: Source }): ComputedAward {
  const hours = new Decimal(record.hours);
  if (!rule.pointSources.includes(record.source)) {
    return {
      points: new Decimal(0),
      explanation: `${plain(hours)} h × 0 = 0.00 (rule v${rule.version}: ${record.source} hours earn no points)`,
    };
  }
  const multiplier = new Decimal(rule.categoryMultipliers[record.category] ?? 1);
  const points = roundAmount(hours.times(rule.pointsPerHour).times(multiplier));
  const factors = [`${plain(hours)} h`, plain(rule.pointsPerHour), ...(multiplier.eq(1) ? [] : [plain(multiplier)])];
  return { points, explanation: `${factors.join(' × ')} = ${formatAmount(points)} (rule v${rule.version})` };
}

export function ratingBonus(rule: PointsRule, stars: number): Decimal {
  return roundAmount(rule.ratingBonus[String(stars)] ?? 0);
}
