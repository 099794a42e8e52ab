import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/auth.js';
import { problemResponses, TimestampSchema } from '../http/schemas.js';
import { contentTypes, journalStream } from './journal.js';

const JournalQuery = z
  .object({
    from: TimestampSchema.optional().describe('Postings recorded at or after this time'),
    to: TimestampSchema.optional().describe('Postings recorded before this time'),
    format: z.enum(['csv', 'jsonl']).default('csv'),
    bom: z.enum(['true', 'false']).default('false').describe('CSV: start with a UTF-8 byte order mark, so that Excel reads Chinese text right'),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['to'] });

const exportText = z.string().describe('See the README, "Journal export", for the records and their columns');

export const exportRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/exports/journal', {
    config: { roles: ['admin', 'auditor'] },
    schema: {
      tags: ['integrity'],
      summary: 'The journal: every posting recorded in [from, to) with its entry and the signed heads of the blocks it spans, streamed',
      querystring: JournalQuery,
      response: {
        200: {
          description: 'CSV (format=csv) or JSON Lines (format=jsonl), verifiable offline with `npm run cli -- verify-export`',
          content: { 'text/csv': { schema: exportText }, 'application/x-ndjson': { schema: exportText } },
        },
        ...problemResponses('validation_failed'),
      },
    },
    handler: async (request, reply) => {
      const { tenantId } = callerOf(request);
      const q = request.query;
      const req = {
        tenantId,
        from: q.from ?? null,
        to: q.to ?? null,
        format: q.format,
        bom: q.bom === 'true',
      };
      const name = `journal-${tenantId}${req.from ? `-from-${req.from.slice(0, 10)}` : ''}${req.to ? `-to-${req.to.slice(0, 10)}` : ''}.${q.format}`;
      return reply
        .header('content-type', contentTypes[q.format])
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('cache-control', 'no-store')
        // A stream is sent as it is read (fastify pipes it, with back-pressure); the response
        // schema above only documents it.
        .send(journalStream(app.database, req) as unknown as string);
    },
  });
};
