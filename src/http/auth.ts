import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../problems.js';
import { authenticate } from '../auth/apiKeys.js';
import type { Caller, Role } from '../auth/caller.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
  interface FastifyContextConfig {
    /** Roles that may call the route. Routes that say nothing are admin-only. */
    roles?: readonly Role[];
  }
}

/** The caller resolved by the auth hook; only /v1 routes, where the hook always ran, use it. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new DomainError('unauthenticated');
  return request.caller;
}

/**
 * Every route registered in this scope needs `Authorization: Bearer <key>`. The check runs on
 * request, before the body is read: a missing key is 401 and a role without the right is 403
 * whatever the body holds.
 */
export function requireApiKey(app: FastifyInstance): void {
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = match?.[1];
    let caller = token ? app.apiKeys.get(token) : null;
    if (token && !caller) {
      caller = await authenticate(app.db, token);
      if (caller) app.apiKeys.set(token, caller);
    }
    if (!caller) throw new DomainError('unauthenticated');
    const allowed = request.routeOptions.config.roles ?? ['admin'];
    if (!allowed.includes(caller.role)) throw new DomainError('forbidden', { role: caller.role });
    request.caller = caller;
    // The reply's logger too: the line fastify writes when the request completes names the caller.
    request.log = reply.log = request.log.child({ tenantId: caller.tenantId, keyId: caller.keyId });
  });
}
