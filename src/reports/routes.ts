import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/auth.js';
import { OrgUnitId, problemResponses } from '../http/schemas.js';
import { reportCsv } from './csv.js';
import { reportPage } from './page.js';
import { participationReport, ReportBy } from './participation.js';

// Participation reports: admins and auditors read any unit's, a station key its own subtree's.

const Hours = z.string().describe('Hours, a decimal string');
const Points = z.string().describe('Points, a decimal string');
const FiguresShape = {
  records: z.number().int().describe('Counted records: verified, their award entry sealed'),
  hours: Hours.describe('Verified hours of the counted records'),
  creditHours: Hours.describe('Of which signed in and out (source checkin, 信用时长)'),
  manualHours: Hours.describe('Of which entered by staff (source manual)'),
  activeVolunteers: z.number().int().describe('Members with at least one counted record'),
};
const PointsShape = {
  issued: Points.describe('Credited by awards and bonuses from the issuance accounts of the units, net of reversals'),
  spent: Points.describe("Spent at the units' markets (redemptions, captured holds), net of reversals"),
  refunded: Points.describe("Given back by the markets' refunds"),
  expired: Points.describe("Lapsed from the points of the units' members (expiry entries)"),
};

const ReportSchema = z
  .object({
    orgUnit: z.object({ id: OrgUnitId, name: z.string(), kind: z.string(), population: z.number().int().nullable() }),
    period: z.object({
      from: z.string(),
      to: z.string(),
      start: z.string().describe('First instant (China time midnight of from)'),
      end: z.string().describe('First instant after the period'),
      days: z.number().int(),
    }),
    snapshot: z
      .object({ blockNo: z.number().int(), lastSeq: z.string(), hash: z.string(), sealedAt: z.string() })
      .nullable()
      .describe('The last sealed block: ledger figures count entries up to lastSeq, record figures the records whose award entries are in it; null: nothing sealed yet'),
    registeredMembers: z.number().int().describe('Members whose home unit is the unit or under it, registered before the end of the period'),
    ...FiguresShape,
    hoursPerActiveVolunteer: Hours,
    goal: z.object({
      yearlyHours: Hours.describe('The tenant setting yearlyGoalHours'),
      periodHours: Hours.describe('In proportion to the period when shorter than a year'),
      membersReaching: z.number().int().describe("Registered members whose counted hours reach periodHours"),
      share: z.string().describe('membersReaching / registeredMembers, 4 decimals'),
    }),
    participationRate: z.string().nullable().describe("activeVolunteers / the unit's population, 4 decimals; null when its population is not set"),
    points: z.object(PointsShape),
    stars: z.array(z.object({ stars: z.number().int(), members: z.number().int() })).describe("Registered members by their stars now (0–5)"),
    topCategories: z.array(z.object({ category: z.string(), hours: Hours, records: z.number().int() })),
    units: z.array(z.object({ id: OrgUnitId, name: z.string(), ...FiguresShape })).describe('The unit itself (its own records) and each direct child with everything under it'),
    by: z.enum(ReportBy).nullable(),
    rows: z
      .array(z.object({ key: z.string(), ...FiguresShape, ...Object.fromEntries(Object.entries(PointsShape).map(([k, v]) => [k, v.optional()])) }))
      .describe('by=month: every month of the period (points figures too); by=category: every category with records'),
  })
  .meta({ id: 'ParticipationReport' });

export const reportRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/reports/participation', {
    config: { roles: ['admin', 'auditor', 'station'] },
    schema: {
      tags: ['reports'],
      summary: 'Participation report (参与情况报表) of an org unit and everything under it, as of the last sealed block',
      description:
        'Registered members, active volunteers, verified hours (credit hours from check-in apart from hours entered by staff), hours per ' +
        "active volunteer, the share of members reaching the tenant's yearly goal, the participation rate where the unit's population is " +
        'set, points issued, spent, refunded and expired, stars and top categories, broken down by month or category. Period: China-time ' +
        'days from..to, both included. JSON, CSV (one figure a line: section, key, figure, value) or an HTML page with charts (always by month).',
      querystring: z.object({
        orgUnitId: OrgUnitId,
        from: z.iso.date().describe('First day, YYYY-MM-DD, China time'),
        to: z.iso.date().describe('Last day (included)'),
        by: z.enum(ReportBy).optional(),
        format: z.enum(['json', 'csv', 'html']).default('json'),
      }),
      response: {
        200: {
          description: 'The report, as JSON, CSV or an HTML page',
          content: { 'application/json': { schema: ReportSchema }, 'text/csv': { schema: z.string() }, 'text/html': { schema: z.string() } },
        },
        ...problemResponses('validation_failed', 'report_period_invalid', 'org_unit_not_found', 'org_unit_out_of_scope'),
      },
    },
    handler: async (request, reply) => {
      const q = request.query;
      const report = await participationReport(app.db, callerOf(request), { ...q, by: q.format === 'html' ? 'month' : q.by });
      const name = `participation-${report.orgUnit.id}-${q.from}-${q.to}`;
      if (q.format === 'csv') {
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}.csv"`)
          .send(Buffer.from(`\uFEFF${reportCsv(report)}`, 'utf8') as unknown as string);
      }
      if (q.format === 'html') return reply.header('content-type', 'text/html; charset=utf-8').send(reportPage(report) as unknown as string);
      return report;
    },
  });
};
