import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/auth.js';
import { problemResponses } from '../http/schemas.js';
import { fillDemo } from './fill.js';

const Counts = z.object({ orgUnits: z.number().int(), members: z.number().int(), records: z.number().int(), ratings: z.number().int() });

const DemoResultSchema = z
  .object({
    tenantId: z.string(),
    demoKeyId: z.string().describe('The revoked API key the demo acts as: demo records and entries carry its id'),
    created: Counts.extend({ rules: z.number().int() }).describe('What this call wrote (all zero when the county was already there)'),
    county: Counts.describe('The demo county as it stands'),
    market: z.null().describe('The love supermarket: not filled until the supermarket exists'),
  })
  .meta({ id: 'DemoResult' });

export const demoRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/demo', {
    schema: {
      tags: ['demo'],
      summary: "Fill the caller's tenant with a demo county (idempotent; refused on a tenant with real data unless force)",
      description:
        'A centre, two institutes (所), five stations (站), 200 demo members with cards (names marked （演示）, ID numbers under ' +
        'the unassigned region code 99, cards DEMO-…), a points rule and a few thousand verified service records of the past ' +
        'four months with ratings, all written through the ledger write path. Running it again adds nothing. Takes seconds.',
      body: z.object({ force: z.boolean().default(false).describe('Fill even when the tenant holds data that is not demo data') }).nullish(),
      response: { 200: DemoResultSchema, ...problemResponses('validation_failed', 'tenant_has_data') },
    },
    handler: async (request) => fillDemo(app.db, callerOf(request).tenantId, { force: request.body?.force ?? false }),
  });
};
