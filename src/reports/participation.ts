import { Decimal } from 'decimal.js';
import { type Kysely, sql } from 'kysely';
import type { Caller } from '../auth/caller.js';
import type { DB } from '../db/schema.js';
import { customPlans } from '../db/transaction.js';
import { lastSealedBlock, type SealedHead } from '../integrity/lastBlock.js';
import { foldDayTotals, formatAmount, issuanceAccount, marketAccount, pointsFlows, type PointsFlows } from '../ledger/index.js';
import { checkInScope, findOrgUnit } from '../orgunits/orgUnits.js';
import { DomainError } from '../problems.js';
import { getSettings, listTenants } from '../tenants/tenants.js';
import { countedThrough, foldCountedRecords } from './counted.js';
import { type Bucket, homeMembersSql, recordFigures, unitsAndMarkets } from './figures.js';
import { chinaDay, DAY_MS } from '../chinaTime.js';

// Participation reports (参与情况报表, issue 23 part 4): an org unit and everything under it over a
// period of China-time days, as of the tenant's last sealed block. Ledger figures count the
// entries up to that block; record figures the records whose award entries are in it. Every read
// is in one REPEATABLE READ transaction, so the figures are of one snapshot.

export const ReportBy = ['month', 'category'] as const;
export type ReportBy = (typeof ReportBy)[number];
/** Five years of days (at most 62 months: a member's months are the bits of a bigint in figures.ts). */
export const MAX_DAYS = 1830;
const TOP_CATEGORIES = 5;

export interface ReportQuery {
  orgUnitId: string;
  from: string;
  to: string;
  by?: ReportBy | undefined;
}

export interface Figures {
  records: number;
  hours: string;
  creditHours: string;
  manualHours: string;
  activeVolunteers: number;
}

export type ReportRow = { key: string } & Figures & Partial<Omit<PointsFlows, 'month'>>;

export interface ParticipationReport {
  orgUnit: { id: string; name: string; kind: string; population: number | null };
  period: { from: string; to: string; start: string; end: string; days: number };
  snapshot: { blockNo: number; lastSeq: string; hash: string; sealedAt: string } | null;
  registeredMembers: number;
  activeVolunteers: number;
  records: number;
  hours: string;
  creditHours: string;
  manualHours: string;
  hoursPerActiveVolunteer: string;
  goal: { yearlyHours: string; periodHours: string; membersReaching: number; share: string };
  participationRate: string | null;
  points: Omit<PointsFlows, 'month'>;
  stars: { stars: number; members: number }[];
  topCategories: { category: string; hours: string; records: number }[];
  units: ({ id: string; name: string } & Figures)[];
  by: ReportBy | null;
  rows: ReportRow[];
}

const ratio = (a: Decimal.Value, b: Decimal.Value, places: number) =>
  new Decimal(b).isZero() ? new Decimal(0).toFixed(places) : new Decimal(a).div(b).toDecimalPlaces(places, Decimal.ROUND_HALF_UP).toFixed(places);

const figuresOf = (b: Bucket): Figures => ({
  records: b.records,
  hours: formatAmount(b.hours),
  creditHours: formatAmount(b.checkin),
  manualHours: formatAmount(b.manual),
  activeVolunteers: b.active,
});

/**
 * Folds a tenant's sealed entries into the ledger's day totals and the counted records, which
 * reports read (each fold keeps how far it went: a report adds what was sealed since).
 */
export async function foldSealed(db: Kysely<DB>, tenantId: string): Promise<void> {
  const head = await lastSealedBlock(db, tenantId);
  if (!head) return;
  await foldDayTotals(db, tenantId, head.lastSeq);
  await foldCountedRecords(db, tenantId, head.lastSeq);
}

/** foldSealed for every tenant: the service's job, beside the sealer. */
export async function foldAllSealed(db: Kysely<DB>): Promise<void> {
  for (const t of await listTenants(db)) await foldSealed(db, t.id);
}

/** [start, end) of the China-time days from..to (both included), refused when to is before from. */
export function reportPeriod(from: string, to: string): { start: Date; end: Date; days: number } {
  const { start } = chinaDay(from);
  const { end } = chinaDay(to);
  const days = Math.round((end.getTime() - start.getTime()) / DAY_MS);
  if (Number.isNaN(days) || days < 1 || days > MAX_DAYS) throw new DomainError('report_period_invalid', { from, to, maxDays: MAX_DAYS });
  return { start, end, days };
}

/** Every month (YYYY-MM) the period touches, so a month with nothing in it still has its row. */
function monthsOf(from: string, to: string): string[] {
  const months: string[] = [];
  let [y, m] = [Number(from.slice(0, 4)), Number(from.slice(5, 7))];
  const last = to.slice(0, 7);
  for (;;) {
    const key = `${y}-${String(m).padStart(2, '0')}`;
    months.push(key);
    if (key >= last) return months;
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
  }
}

const ZERO: Bucket = { key: '', records: 0, hours: '0', checkin: '0', manual: '0', active: 0 };
const NO_POINTS = { issued: '0.00', spent: '0.00', refunded: '0.00', expired: '0.00' };

export async function participationReport(db: Kysely<DB>, caller: Caller, q: ReportQuery): Promise<ParticipationReport> {
  const period = reportPeriod(q.from, q.to);
  // A read, in one snapshot: what the service's job has folded (foldSealed, a few seconds behind
  // the sealer), and the entries sealed since, read from the ledger.
  return db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
    const unit = await findOrgUnit(trx, caller.tenantId, q.orgUnitId);
    checkInScope(caller, q.orgUnitId, unit?.path ?? null);
    if (!unit) throw new DomainError('org_unit_not_found', { orgUnitId: q.orgUnitId });
    const head: SealedHead | null = await lastSealedBlock(trx, caller.tenantId);
    const lastSeq = head?.lastSeq ?? '0';
    const settings = await getSettings(trx, caller.tenantId);
    const yearly = new Decimal(settings.yearlyGoalHours);
    // The yearly goal, in proportion for a period shorter than a year.
    const goalHours = formatAmount(yearly.times(Math.min(1, period.days / 365)));
    const subtree = { tenantId: caller.tenantId, orgUnitId: unit.id, path: unit.path };
    // The passes hash a row per member (and per member and unit): in memory, not in batches on disk.
    // And planned for this call's own values (customPlans): a generic plan of these large statements
    // cannot see how few entries lie past the fold and the sealed head, nor which units are asked
    // for (read from the records themselves, the generic plan took 5–6 s where the plan for the
    // values took 3).
    await sql`SELECT set_config('work_mem', '256MB', true), ${customPlans}`.execute(trx);
    const months = monthsOf(q.from, q.to);
    const monthZero = Number(q.from.slice(0, 4)) * 12 + Number(q.from.slice(5, 7)) - 1;
    const { units, markets } = await unitsAndMarkets(trx, subtree);
    // A fold commits after the block it reaches, so in this snapshot it never goes past the last block.
    const counted = { through: await countedThrough(trx, caller.tenantId), lastSeq, unitIds: units.map((u) => u.id) };
    const days = { fromDay: q.from, toDay: q.to, end: period.end };
    const rec = await recordFigures(trx, subtree, days, counted, goalHours, { monthZero, months: months.length, byCategory: q.by === 'category' });
    const flows = await pointsFlows(trx, caller.tenantId, {
      lastSeq,
      from: period.start,
      to: period.end,
      fromDay: q.from,
      toDay: q.to,
      issuance: units.map((u) => issuanceAccount(u.id, 'points')),
      markets: markets.map(marketAccount),
      memberIds: homeMembersSql(subtree),
      byMonth: q.by === 'month',
    });
    const points = flows.reduce(
      (sum, f) => ({
        issued: formatAmount(new Decimal(sum.issued).plus(f.issued)),
        spent: formatAmount(new Decimal(sum.spent).plus(f.spent)),
        refunded: formatAmount(new Decimal(sum.refunded).plus(f.refunded)),
        expired: formatAmount(new Decimal(sum.expired).plus(f.expired)),
      }),
      NO_POINTS,
    );
    const total = figuresOf(rec.total);
    const children = units.filter((u) => u.id === unit.id || u.parentId === unit.id);
    const byUnit = new Map(rec.units.map((b) => [b.key, b]));
    let rows: ReportRow[] = [];
    if (q.by === 'month') {
      const byMonth = new Map(rec.months.map((b) => [b.key, b]));
      const pointsByMonth = new Map(flows.map((f) => [f.month, f]));
      rows = months.map((key) => {
        const { month: _m, ...p } = pointsByMonth.get(key) ?? { month: key, ...NO_POINTS };
        return { key, ...figuresOf(byMonth.get(key) ?? ZERO), ...p };
      });
    } else if (q.by === 'category') {
      rows = rec.categories.map((b) => ({ key: b.key, ...figuresOf(b) }));
    }
    return {
      orgUnit: { id: unit.id, name: unit.name, kind: unit.kind, population: unit.population },
      period: { from: q.from, to: q.to, start: period.start.toISOString(), end: period.end.toISOString(), days: period.days },
      snapshot: head,
      registeredMembers: rec.registered,
      ...total,
      hoursPerActiveVolunteer: ratio(total.hours, total.activeVolunteers, 2),
      goal: { yearlyHours: formatAmount(yearly), periodHours: goalHours, membersReaching: rec.reachingGoal, share: ratio(rec.reachingGoal, rec.registered, 4) },
      participationRate: unit.population ? ratio(total.activeVolunteers, unit.population, 4) : null,
      points,
      stars: [0, 1, 2, 3, 4, 5].map((s) => ({ stars: s, members: rec.stars.find((x) => x.stars === s)?.members ?? 0 })),
      topCategories: [...rec.categories]
        .sort((a, b) => new Decimal(b.hours).cmp(a.hours) || a.key.localeCompare(b.key))
        .slice(0, TOP_CATEGORIES)
        .map((b) => ({ category: b.key, hours: formatAmount(b.hours), records: b.records })),
      units: children.map((c) => ({ id: c.id, name: c.name, ...figuresOf(byUnit.get(c.id) ?? ZERO) })),
      by: q.by ?? null,
      rows,
    };
  });
}
