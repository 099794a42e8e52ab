import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Transaction } from 'kysely';
import { scopeKey } from '../auth/caller.js';
import type { DB } from '../db/schema.js';
import { idempotentWrite, requestHash, type WriteOutcome } from '../idempotency/keys.js';
import { callerOf } from './auth.js';

/**
 * Runs a route's write once per Idempotency-Key (when the caller sent one) in one transaction.
 * The request hash covers method, route, path parameters and body, so reusing a key for any
 * other request is a 409.
 */
export async function writeOnce<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  work: (trx: Transaction<DB>) => Promise<WriteOutcome & { body: T }>,
  opts: {
    /** The body as hashed, where the plain body holds a secret that must not be stored even hashed. */
    hashedBody?: () => Promise<unknown>;
    /**
     * The caller's scope (and any right beyond its role) for this request, checked before the
     * Idempotency-Key is looked at: a key used by another caller is never the answer to a caller
     * who may not act here. Every route open to a scoped key passes it; the role itself was checked
     * on request (auth.ts).
     */
    authorize?: (trx: Transaction<DB>) => Promise<void>;
  } = {},
): Promise<T> {
  const caller = callerOf(request);
  const { key, hash } = await idempotencyOf(request, opts.hashedBody);
  const result = await idempotentWrite(request.server.db, { tenantId: caller.tenantId, key, hash, ...(opts.authorize ? { authorize: opts.authorize } : {}) }, work);
  if (result.replayed) reply.header('idempotent-replayed', 'true');
  reply.code(result.statusCode);
  return result.body as T; // a replay returns the body stored by the first run of this same route
}

/**
 * The request's Idempotency-Key (if sent) and the hash its answer is stored under: method, route,
 * path parameters, the caller's scope and the body (or what `hashedBody` gives in its place).
 */
export async function idempotencyOf(request: FastifyRequest, hashedBody?: () => Promise<unknown>): Promise<{ key: string | undefined; hash: string }> {
  const header = request.headers['idempotency-key'];
  const key = typeof header === 'string' ? header : undefined;
  if (key === undefined) return { key, hash: '' };
  const hash = requestHash({
    method: request.method,
    route: request.routeOptions.url,
    // Callers of different scopes never share an answer: for them the key is a conflict.
    scope: scopeKey(callerOf(request).scope),
    params: request.params ?? null,
    body: (hashedBody ? await hashedBody() : request.body) ?? null,
  });
  return { key, hash };
}
