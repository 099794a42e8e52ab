import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../db/transaction.js';
import type { Settled } from '../idempotency/keys.js';
import { DomainError, type ProblemCode } from '../problems.js';
import type { Caller, Role } from '../auth/caller.js';
import { callerOf } from './auth.js';
import { type FieldError, problemBody, ProblemSchema } from './problemDetails.js';
import { problemResponses } from './schemas.js';
import { unstorableFields } from './text.js';

// Every batch route of the service is registered here, so every batch keeps one promise: the
// answer is 200 with a result per item whatever happens to one item. An item that is malformed is
// its own 400; an item the domain refuses is its own 4xx; an item that fails unexpectedly (a bug,
// a fault of the database) is its own 500 `internal_error`, logged with its index; an item that
// could not be written because the database was unavailable is its own 503. No item is written
// unless its result says so: the domain's write (idempotentWriteMany) commits an item only with
// its answer, and retrying the batch replays the written items by their keys.

/** Where a batch keeps its items: the edge rule (text.ts) leaves them to the batch. */
const ITEMS = 'items';

export interface BatchRoute<I> {
  url: string;
  roles: readonly Role[];
  tags: string[];
  summary: string;
  description: string;
  /** At most this many items per call. */
  max: number;
  /** Items written per call of `write` (one transaction each, in the domain's hands). */
  chunk: number;
  /** One item, as the single-item route takes it. */
  item: z.ZodType<I>;
  /** The body of an item's success, as the single-item route answers it. */
  result: z.ZodType;
  /** OpenAPI component name of the batch's answer. */
  resultId: string;
  /** The name and reading of the item's own idempotency key, reported with each result. */
  key: { name: string; of: (raw: unknown) => string | null };
  /**
   * Writes valid items of one caller, each at most once by its key: an answer per item, each
   * settled with its outcome or its error. Items refused or failed must have written nothing.
   */
  write: (caller: Caller, inputs: I[]) => Promise<Promise<Settled>[]>;
}

type ItemResult = {
  index: number;
  key: string | null;
  status: number;
  replayed: boolean;
  result: unknown;
  problem: Record<string, unknown> | null;
};

/** Registers a batch route: body `{ items: [...] }`, answer `{ accepted, refused, results }`. */
export function batchRoute<I>(app: FastifyInstance, route: BatchRoute<I>): void {
  const resultSchema = z
    .object({
      accepted: z.number().int().describe('Items written now or earlier (replayed)'),
      refused: z.number().int().describe('Items with a 4xx or 5xx result: none of them was written'),
      results: z.array(
        z.object({
          index: z.number().int(),
          [route.key.name]: z.string().nullable(),
          status: z.number().int().describe('The status the single-item route would answer; 500 and 503 for an item that failed'),
          replayed: z.boolean(),
          result: route.result.nullable(),
          problem: ProblemSchema.nullable(),
        }),
      ),
    })
    .meta({ id: route.resultId });

  app.withTypeProvider<ZodTypeProvider>().post(route.url, {
    config: { roles: route.roles, batchItems: ITEMS },
    schema: {
      tags: route.tags,
      summary: route.summary,
      description: route.description,
      body: z.object({ [ITEMS]: z.array(z.unknown()).min(1).max(route.max) }),
      response: { 200: resultSchema, ...problemResponses('validation_failed') },
    },
    handler: async (request) => {
      const results = await answerBatch(request, request.body[ITEMS] as unknown[], route);
      const answered = results.map(({ key, ...r }) => ({ ...r, [route.key.name]: key }));
      return {
        accepted: results.filter((r) => r.status < 400).length,
        refused: results.filter((r) => r.status >= 400).length,
        results: answered as never,
      };
    },
  });
}

async function answerBatch<I>(request: FastifyRequest, raw: unknown[], route: BatchRoute<I>): Promise<ItemResult[]> {
  const caller = callerOf(request);
  const results: ItemResult[] = new Array(raw.length);
  const refusal = (index: number, key: string | null, status: number, code: ProblemCode, params: Record<string, unknown> = {}, errors?: FieldError[]) => {
    results[index] = { index, key, status, replayed: false, result: null, problem: problemBody(request, code, params, errors) };
  };
  const valid: { index: number; key: string | null; input: I }[] = [];
  raw.forEach((item, index) => {
    const key = route.key.of(item);
    const at = [ITEMS, String(index)];
    // The edge rule of every route (text.ts), for this item alone.
    const unstorable = unstorableFields(item, 'body', at);
    if (unstorable.length > 0) return refusal(index, key, 400, 'validation_failed', {}, unstorable);
    const parsed = route.item.safeParse(item);
    if (parsed.success) return valid.push({ index, key, input: parsed.data });
    const errors: FieldError[] = parsed.error.issues.map((i) => ({
      in: 'body',
      path: [...at, ...i.path.map(String)].join('.'),
      // A coded check (too_many_decimals, …) keeps its own code, as on the single-item route.
      code: String((i as { params?: { code?: string } }).params?.code ?? 'validation_failed'),
      message: i.message,
    }));
    const codes = new Set(errors.map((e) => e.code));
    const code = (codes.size === 1 ? [...codes][0]! : 'validation_failed') as ProblemCode;
    refusal(index, key, 400, code, {}, errors);
  });

  for (let start = 0; start < valid.length; start += route.chunk) {
    const chunk = valid.slice(start, start + route.chunk);
    let settled: Settled[];
    try {
      settled = await Promise.all(await route.write(caller, chunk.map((v) => v.input)));
    } catch (error) {
      // The whole chunk failed before any item of it was committed (the database went away).
      settled = chunk.map(() => ({ ok: false, error }));
    }
    chunk.forEach(({ index, key }, k) => {
      const s = settled[k]!;
      if (s.ok) {
        results[index] = { index, key, status: s.result.statusCode, replayed: s.result.replayed, result: s.result.body, problem: null };
        return;
      }
      const { error } = s;
      if (error instanceof DomainError) {
        results[index] = { index, key, status: error.status, replayed: error.replayed, result: null, problem: problemBody(request, error.code, error.params) };
      } else if (isDatabaseUnavailable(error)) {
        request.log.warn({ err: error, item: index }, 'database unavailable for a batch item');
        refusal(index, key, 503, 'service_unavailable');
      } else {
        // A 5xx is a bug: logged whole, the item's result says nothing of its insides.
        request.log.error({ err: error, item: index }, 'batch item failed');
        refusal(index, key, 500, 'internal_error');
      }
    });
  }
  return results;
}
