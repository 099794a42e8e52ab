import crypto from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { type DestinationStream, pino } from 'pino';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { DB } from './db/schema.js';
import { isDatabaseUnavailable } from './db/transaction.js';
import { Recurring } from './background.js';
import { healthRoutes } from './health.js';
import { requireApiKey } from './http/auth.js';
import { KeyCache } from './auth/keyCache.js';
import { clientErrorHandler, handleError, registerErrorHandling } from './http/errors.js';
import { registerMetrics } from './http/metrics.js';
import { finishDocument } from './http/openapi.js';
import { sendProblem } from './http/problemDetails.js';
import { refuseUnstorableText } from './http/text.js';
import { lazyRequestLogger } from './http/requestLog.js';
import { RecordIntake } from './hours/intake.js';
import { SaleIntake } from './markets/saleGroups.js';
// Route modules in this order: the OpenAPI document lists schemas in the order their modules load.
import { orgUnitRoutes } from './orgunits/routes.js';
import { hoursRoutes } from './hours/routes.js';
import { rulesRoutes } from './rules/routes.js';
import { demoRoutes } from './demo/routes.js';
import { eventRoutes } from './events/routes.js';
import { sequenceTenants } from './events/sequencer.js';
import { exportRoutes } from './exports/routes.js';
import { foldAllSealed } from './reports/participation.js';
import { reportRoutes as participationRoutes } from './reports/routes.js';
import { integrityRoutes } from './integrity/routes.js';
import { Signer } from './integrity/keys.js';
import { sealLags, sealTenants } from './integrity/seal.js';
import { watchSealLag } from './metrics.js';
import { holdRoutes } from './admin/holdRoutes.js';
import { ledgerRoutes } from './admin/ledgerRoutes.js';
import { expireLots } from './ledger/index.js';
import { memberRoutes } from './members/routes.js';
import { marketsRoutes } from './markets/routes.js';
import { statementRoutes } from './statements/routes.js';
import { expireBaskets } from './markets/baskets.js';
import { operatorRoutes } from './admin/operatorRoutes.js';
import { tenantRoutes } from './admin/routes.js';
import { certificateRoutes } from './certificates/routes.js';
import { publicCertificateRoutes } from './certificates/publicRoutes.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    database: Database;
    db: Kysely<DB>;
    apiKeys: KeyCache;
    records: RecordIntake;
    sales: SaleIntake;
    /** Signs block heads and certificates; null: no signing secret at hand in this process. */
    signer: Signer | null;
  }
}

export interface AppOptions {
  config: Config;
  database: Database;
  /** Tests pass false (or a level) to keep their output readable. */
  logger?: boolean | { level: string };
  /** Where log lines go (stdout when left out); tests read them to prove what is never logged. */
  logStream?: DestinationStream;
}

export const API_VERSION = '0.1.0';

// A caller's X-Request-Id is kept when it is a sane token, so logs join up across systems.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, database } = options;
  const level = options.logger === false ? 'silent' : typeof options.logger === 'object' ? options.logger.level : config.logLevel;
  // pino JSON lines; request-scoped lines carry requestId. Keys never reach the logs.
  const root = pino(
    {
      level,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
    options.logStream ?? pino.destination(1),
  );
  const logger: FastifyBaseLogger = root;
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.bodyLimit,
    // Fastify's own 503 while closing is plain JSON; the onRequest hook below answers instead.
    return503OnClosing: false,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    childLoggerFactory: lazyRequestLogger(root),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    },
    // Router-level errors (bad URL encoding, over-long path parameters) skip the error handler and
    // every hook (so the onSend hook below too) unless routed here.
    clientErrorHandler,
    frameworkErrors: (err, request, reply) => {
      reply.header('x-request-id', request.id);
      return handleError(err, request, reply);
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.decorate('config', config);
  app.decorate('database', database);
  app.decorate('db', database.db);
  app.decorate('apiKeys', new KeyCache(config.apiKeyCacheMs));
  app.decorate('records', new RecordIntake(database.db, config.recordGroups, config.groupLockWaitMs));
  app.decorate('sales', new SaleIntake(database.db, config.saleGroups, config.groupLockWaitMs));
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: text/plain bodies are refused with 415 rather than half-parsed.
  app.removeContentTypeParser('text/plain');
  registerErrorHandling(app);
  // Before any route: each route's requests are timed by a hook that knows its pattern.
  registerMetrics(app, config.metrics, database);
  refuseUnstorableText(app);
  // Draining (SIGTERM): a request that still arrives, on a keep-alive connection, is refused with
  // the problem+json every other error has, and its connection closed.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!closing) return;
    reply.header('connection', 'close').header('retry-after', '1');
    return sendProblem(request, reply, 'service_unavailable');
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // Work the service does by itself, every process (each job's own locks make that safe): expired
  // holds released (SKIP LOCKED); lapsed points expired (each account's balance row locked first);
  // committed entries sealed into signed blocks a few seconds behind
  // the writes (one process seals a tenant at a time; none without a signing secret at hand);
  // committed transactions given their place in the event feed, in commit order, a moment after
  // they commit even when nobody reads (one process a tenant at a time).
  const background = (what: string, intervalMs: number, run: () => Promise<unknown>) => {
    const job = new Recurring(what, intervalMs, run, (err) =>
      isDatabaseUnavailable(err) ? app.log.warn({ err }, `${what}: database unavailable`) : app.log.error({ err }, `${what} failed`),
    );
    app.addHook('onReady', async () => job.start());
    app.addHook('preClose', async () => job.stop());
  };
  // Holds past their expiry, then the baskets (爱心超市) whose holds they were.
  background('hold sweep', config.holdSweepMs, () => expireBaskets(database.db));
  // Lapsed points (积分清零): each lot once, however many processes run it.
  // Each look works at most a fifth of the interval (a batch at least), so a backlog at midnight
  // is expired beside the writes, not instead of them.
  background('points expiry', config.expiryMs, () => expireLots(database.db, { budgetMs: config.expiryMs / 5 }));
  const signer = config.signingKeySecret ? new Signer(config.signingKeySecret) : null;
  app.decorate('signer', signer);
  if (signer) background('sealing', config.sealMs, () => sealTenants(database.db, signer));
  // The sealing lag on /metrics, from a process that seals (the others would only guess).
  if (signer && config.sealMs > 0) {
    const unwatch = watchSealLag(() => sealLags(database.db));
    app.addHook('onClose', async () => unwatch());
  }
  // Sealed entries into what participation reports read: the ledger's day totals and the counted
  // records (issue 23). A report reads the entries sealed since too, so a lag costs time, not figures.
  background('report folds', config.sealMs, () => foldAllSealed(database.db));
  background('feed sequencing', config.feedSequenceMs, () => sequenceTenants(database.db));

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Civic points ledger',
        version: API_VERSION,
        // CommonMark (swagger-ui renders it): the header sits in a code span, so `<API key>` shows
        // as written instead of being taken for an HTML tag.
        description:
          'Append-only double-entry ledger for volunteer service hours and love-supermarket (爱心超市) points. ' +
          'Every /v1 call needs the header `Authorization: Bearer <API key>`. Errors are application/problem+json with a stable code.',
        license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
      },
      // Relative: the API is served by the host that serves this document.
      servers: [{ url: '/', description: 'This service' }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer' },
          operatorToken: { type: 'http', scheme: 'bearer', description: 'The operator token (OPERATOR_TOKEN or DATA_DIR/operator-token): /v1/operator only' },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    // operationIds and the repairs that make the document clean OpenAPI 3.0: src/http/openapi.ts.
    transformObject: (document) => finishDocument(jsonSchemaTransformObject(document)),
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(healthRoutes);
  // Public, no key (as /healthz): the check page of a certificate, rate-limited per client address.
  await app.register(publicCertificateRoutes);
  await app.register(
    async (v1) => {
      requireApiKey(v1);
      await v1.register(tenantRoutes);
      await v1.register(ledgerRoutes);
      await v1.register(holdRoutes);
      await v1.register(orgUnitRoutes);
      await v1.register(memberRoutes);
      await v1.register(hoursRoutes);
      await v1.register(rulesRoutes);
      await v1.register(demoRoutes);
      await v1.register(eventRoutes);
      await v1.register(integrityRoutes);
      await v1.register(exportRoutes);
      await v1.register(participationRoutes);
      await v1.register(marketsRoutes);
      await v1.register(statementRoutes);
      await v1.register(certificateRoutes);
    },
    { prefix: '/v1' },
  );
  // Beside /v1, not inside it: the tenant-key hook of /v1 does not apply, the operator token does.
  await app.register(operatorRoutes, { prefix: '/v1/operator' });
  return app;
}
