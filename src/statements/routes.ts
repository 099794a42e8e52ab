import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/auth.js';
import { problemResponses } from '../http/schemas.js';
import { statementCsv, trialBalanceCsv } from './csv.js';
import { StatementQuery, StatementSchema, TrialBalanceQuery, TrialBalanceSchema } from './schemas.js';
import { memberStatement } from './statement.js';
import { trialBalance } from './trialBalance.js';

// Member statements (对账单) and the trial balance: JSON, or CSV with ?format=csv.

const csvText = z.string().describe('See the README, "Member statements" and "Trial balance", for the columns');

export const statementRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/members/:id/statement', {
    config: { roles: ['admin', 'auditor', 'station'] },
    schema: {
      tags: ['members'],
      summary: "A member's statement (对账单): opening balance, every movement of the period with its cause, closing balance",
      description:
        'The period is by the time the ledger recorded each entry; movements are in ledger order, each with its occurredAt. Keyset-paged: ' +
        'every page has its own opening and closing (opening + movements = closing), and the last page closes at the period\'s closing. ' +
        'A station key reads the members of its own unit and the units under it.',
      params: z.object({ id: z.uuid() }),
      querystring: StatementQuery,
      response: {
        200: {
          description: 'The statement page as JSON, or as CSV (format=csv; the next cursor in the X-Next-Cursor header)',
          content: { 'application/json': { schema: StatementSchema }, 'text/csv': { schema: csvText } },
        },
        ...problemResponses('validation_failed', 'member_not_found', 'org_unit_out_of_scope', 'invalid_cursor', 'statement_period_invalid'),
      },
    },
    handler: async (request, reply) => {
      const q = request.query;
      const statement = await memberStatement(app.db, callerOf(request), request.params.id, q);
      if (q.format === 'json') return statement;
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="statement-${statement.memberId}-${statement.unit.toLowerCase()}.csv"`)
        .header('x-period-opening', statement.opening)
        .header('x-period-closing', statement.closing)
        .header('x-next-cursor', statement.nextCursor ?? '')
        .send(Buffer.from(statementCsv(statement, q.bom === 'true'), 'utf8') as unknown as string);
    },
  });

  app.get('/ledger/trial-balance', {
    config: { roles: ['admin', 'auditor'] },
    schema: {
      tags: ['ledger'],
      summary: 'The trial balance (试算平衡表): every account\'s balance as of a time, per unit summing to zero, from one snapshot',
      querystring: TrialBalanceQuery,
      response: {
        200: {
          description: 'As JSON, or as CSV (format=csv): one row per account, then a total row per unit',
          content: { 'application/json': { schema: TrialBalanceSchema }, 'text/csv': { schema: csvText } },
        },
        ...problemResponses('validation_failed', 'as_of_in_future'),
      },
    },
    handler: async (request, reply) => {
      const q = request.query;
      const tb = await trialBalance(app.db, callerOf(request), q.asOf);
      if (q.format === 'json') return tb;
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="trial-balance-${tb.asOf.slice(0, 19).replace(/:/g, '')}.csv"`)
        .send(Buffer.from(trialBalanceCsv(tb, q.bom === 'true'), 'utf8') as unknown as string);
    },
  });
};
