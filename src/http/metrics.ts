import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type onResponseHookHandler } from 'fastify';
import type { MetricsConfig } from '../config.js';
import type { Database } from '../db/database.js';
import { enableProcessMetrics, registry, requestDuration, watchConnections } from '../metrics.js';
import { registerErrorHandling } from './errors.js';
import { sendProblem } from './problemDetails.js';

// GET /metrics for Prometheus, and the request histogram it shows (README "Metrics"). Served on
// the service's port behind METRICS_TOKEN, or on a listener of its own (METRICS_PORT, token
// optional there), or not at all (METRICS=off, the default: then nothing here runs, and no
// request pays for timing).

declare module 'fastify' {
  interface FastifyInstance {
    /** Where the metrics listener of its own listens once the app is ready (null: none). */
    metricsAddress: AddressInfo | null;
  }
}

/** Requests that matched no route are counted under this route label (real routes start with /). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Sets metrics up on app: call it before any route is added, so each route gets its own
 * onResponse hook that knows its pattern (reading request.routeOptions would build an object on
 * every request).
 */
export function registerMetrics(app: FastifyInstance, config: MetricsConfig | null, database: Database): void {
  app.decorate('metricsAddress', null);
  if (!config) return;
  enableProcessMetrics();
  if (database.connections) {
    const stop = watchConnections(database.connections.bind(database));
    app.addHook('onClose', async () => stop());
  }

  app.addHook('onRoute', (route) => {
    const own = timer(route.url);
    const existing = route.onResponse;
    // A new array: the HEAD twin of a GET route is built from a shallow copy of these options
    // and passes through here too; pushing onto a shared array would time it twice.
    route.onResponse = existing === undefined ? [own] : [...(Array.isArray(existing) ? existing : [existing]), own];
  });
  // Requests no route matched (the 404 handler), under one label whatever their URL.
  const unmatched = timer(UNMATCHED_ROUTE);
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) unmatched.call(app, request, reply, done);
    else done();
  });

  const scrape = scraper(config.token);
  if (!config.listen) {
    app.get('/metrics', { schema: { hide: true }, logLevel: 'warn' }, scrape);
    return;
  }
  // A listener of its own: only /metrics there, and the service's port does not serve it.
  const { port, host } = config.listen;
  const server = Fastify({ loggerInstance: app.log.child({ listener: 'metrics' }) });
  registerErrorHandling(server);
  server.get('/metrics', { logLevel: 'warn' }, scrape);
  // Started with the app (app.listen runs onReady first), so a port in use stops the start-up
  // with its error rather than leaving a service nobody can watch.
  app.addHook('onReady', async () => {
    await server.listen({ port, host });
    app.metricsAddress = server.server.address() as AddressInfo;
    app.log.info({ host: app.metricsAddress.address, port: app.metricsAddress.port }, 'metrics listening');
  });
  app.addHook('onClose', async () => {
    await server.close();
  });
}

type Child = ReturnType<typeof requestDuration.labels>;

/** The onResponse hook of one route: its histogram children by method and status, made once. */
function timer(route: string): onResponseHookHandler {
  const children = new Map<string, Map<number, Child>>();
  return function (request, reply, done) {
    let byStatus = children.get(request.method);
    if (!byStatus) children.set(request.method, (byStatus = new Map()));
    let child = byStatus.get(reply.statusCode);
    if (!child) byStatus.set(reply.statusCode, (child = requestDuration.labels(request.method, route, String(reply.statusCode))));
    child.observe(reply.elapsedTime / 1000);
    done();
  };
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest();

function scraper(token: string | null) {
  const expected = token === null ? null : sha256(token);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (expected) {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
      // Compared as digests of equal length, in constant time.
      if (given === undefined || !crypto.timingSafeEqual(sha256(given), expected)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        return sendProblem(request, reply, 'metrics_unauthenticated');
      }
    }
    const text = await registry.metrics();
    return reply.header('content-type', registry.contentType).header('cache-control', 'no-store').send(text);
  };
}
