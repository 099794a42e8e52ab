import { z } from 'zod';
import { Roles } from '../auth/caller.js';
import { amountProblem } from '../ledger/index.js';
import { problemDetail, type ProblemCode, problems } from '../problems.js';
import { ProblemSchema } from './problemDetails.js';

// Zod schemas that several route files share; a schema used by one route file stays in it.

// A failing check carries its wire code in params.code; the error handler lifts it to the problem.
export function coded(code: ProblemCode) {
  return { message: problemDetail(code, 'en'), params: { code } };
}

export const AmountSchema = z
  .string()
  .superRefine((value, ctx) => {
    const problem = amountProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', ...coded(problem) });
  })
  .meta({ id: 'Amount', description: 'A positive decimal string with at most two decimals', example: '12.50' });

export const SignedAmountSchema = z
  .string()
  .meta({ id: 'SignedAmount', description: 'A decimal string with two decimals; may be negative', example: '-3.00' });

export const UnitSchema = z.enum(['HOURS', 'POINTS']).meta({ id: 'Unit' });

export const OrgUnitId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and -, at most 40')
  .meta({ id: 'OrgUnitId', example: 'xinhua-station' });

/** A market's id, and a terminal's (the same CHECK in migrations/0011_markets.ts). */
export const MarketId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and -, at most 40')
  .meta({ id: 'MarketId', example: 'xinhua-market' });

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(Roles),
    orgUnitId: z.string().nullable().describe('A station key acts for this org unit and everything under it; null: the whole tenant'),
    marketId: z.string().nullable().describe('A pos key acts for this market only; null: the whole tenant'),
    terminalId: z.string().nullable().describe("The terminal whose own key it is (receipts name it); null for any other key"),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });

export const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().describe('The secret, shown once: only its hash is stored'),
}).meta({ id: 'CreatedApiKey' });

/**
 * RFC 3339 with an offset, and one the database takes as it is: year 1 or later, an offset of at
 * most 15:59 (PostgreSQL refuses year 0 and larger offsets: refused here, they are a 400 with the
 * field named, not a 500 from the query).
 */
export const TimestampSchema = z.iso
  .datetime({ offset: true })
  .refine((v) => {
    const offset = /([+-])(\d\d):(\d\d)$/.exec(v);
    return Number(v.slice(0, 4)) >= 1 && (!offset || Number(offset[2]) <= 15);
  }, 'a time from the year 1 on, with an offset of at most ±15:59')
  .meta({ description: 'RFC 3339 with offset' });

export const IdempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .refine((v) => /^[\x21-\x7e]{1,200}$/.test(v), coded('invalid_idempotency_key'))
    .optional()
    .describe('Makes the write safe to retry: the same key and body return the first result again'),
});

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

/** Problem responses a route may give, grouped by status, each listing its codes. */
export function problemResponses(...codes: ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of ['unauthenticated', 'forbidden', 'service_unavailable', 'internal_error', ...codes] as ProblemCode[]) {
    const status = problems[code].status;
    byStatus.set(status, [...new Set([...(byStatus.get(status) ?? []), code])]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      status,
      {
        description: `Problem; code is one of: ${list.join(', ')}`,
        content: { 'application/problem+json': { schema: ProblemSchema } },
      },
    ]),
  );
}
