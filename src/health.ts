import { sql } from 'kysely';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pendingMigrations } from './db/migrate.js';
import { sendProblem } from './http/problemDetails.js';
import { problemResponses } from './http/schemas.js';

const READY_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/healthz', {
    schema: {
      tags: ['health'],
      summary: 'The process is up',
      security: [],
      response: { 200: z.object({ status: z.literal('ok') }) },
    },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/readyz', {
    schema: {
      tags: ['health'],
      summary: 'The database answers and every migration is applied',
      security: [],
      response: {
        200: z.object({ status: z.literal('ready'), engine: z.enum(['postgres', 'pglite']) }),
        503: problemResponses()[503]!,
      },
    },
    handler: async (request, reply) => {
      try {
        const pending = await withTimeout(
          (async () => {
            await sql`SELECT 1`.execute(app.db);
            return pendingMigrations(app.db);
          })(),
          READY_TIMEOUT_MS,
        );
        if (pending.length > 0) {
          return sendProblem(request, reply, 'service_unavailable', { pendingMigrations: pending });
        }
        return { status: 'ready' as const, engine: app.database.engine };
      } catch (err) {
        request.log.warn({ err }, 'not ready');
        return sendProblem(request, reply, 'service_unavailable');
      }
    },
  });
};
