import { stringify } from 'csv-stringify/sync';
import type { ParticipationReport } from './participation.js';

// The report as CSV, one figure a line (section, key, figure, value): the same figures as the
// JSON, so a spreadsheet or a test can set one against the other line by line.

type Line = [section: string, key: string, figure: string, value: string | number | null];

const FIGURES = ['records', 'hours', 'creditHours', 'manualHours', 'activeVolunteers', 'issued', 'spent', 'refunded', 'expired'] as const;

export function reportCsv(r: ParticipationReport): string {
  const lines: Line[] = [
    ['report', '', 'orgUnitId', r.orgUnit.id],
    ['report', '', 'orgUnitName', r.orgUnit.name],
    ['report', '', 'from', r.period.from],
    ['report', '', 'to', r.period.to],
    ['report', '', 'snapshotBlockNo', r.snapshot?.blockNo ?? null],
    ['report', '', 'snapshotLastSeq', r.snapshot?.lastSeq ?? null],
    ['report', '', 'snapshotHash', r.snapshot?.hash ?? null],
    ['total', '', 'registeredMembers', r.registeredMembers],
    ['total', '', 'activeVolunteers', r.activeVolunteers],
    ['total', '', 'records', r.records],
    ['total', '', 'hours', r.hours],
    ['total', '', 'creditHours', r.creditHours],
    ['total', '', 'manualHours', r.manualHours],
    ['total', '', 'hoursPerActiveVolunteer', r.hoursPerActiveVolunteer],
    ['total', '', 'goalYearlyHours', r.goal.yearlyHours],
    ['total', '', 'goalPeriodHours', r.goal.periodHours],
    ['total', '', 'goalMembersReaching', r.goal.membersReaching],
    ['total', '', 'goalShare', r.goal.share],
    ['total', '', 'participationRate', r.participationRate],
    ['total', '', 'pointsIssued', r.points.issued],
    ['total', '', 'pointsSpent', r.points.spent],
    ['total', '', 'pointsRefunded', r.points.refunded],
    ['total', '', 'pointsExpired', r.points.expired],
    ...r.stars.map((s): Line => ['stars', String(s.stars), 'members', s.members]),
    ...r.topCategories.flatMap((c): Line[] => [['topCategory', c.category, 'hours', c.hours], ['topCategory', c.category, 'records', c.records]]),
    ...r.units.flatMap((u) => FIGURES.filter((f) => f in u).map((f): Line => ['unit', u.id, f, (u as unknown as Record<string, string | number>)[f]!])),
    ...r.rows.flatMap((row) => FIGURES.filter((f) => row[f] !== undefined).map((f): Line => [r.by!, row.key, f, row[f]!])),
  ];
  return stringify([['section', 'key', 'figure', 'value'], ...lines]);
}
