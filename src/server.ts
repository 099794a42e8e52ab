import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { DataDirLockedError, openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { writeServiceAddress } from './dataDir.js';
import { resolveSigningSecret } from './integrity/keys.js';
import { bootstrapTenant } from './tenants/bootstrap.js';
import { resolveOperatorToken } from './admin/operator.js';

// Starts the service: validate the environment, open the database, migrate, listen.
// SIGTERM/SIGINT: stop accepting, let in-flight requests finish, close the pool, exit 0.
// On a database with no tenant, the first start creates one and writes its admin key to a file of
// DATA_DIR; log lines name the files, never a secret.

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
    // loadConfig kept only the token's hash; the token itself need not stay in the environment.
    delete process.env.OPERATOR_TOKEN;
    delete process.env.SIGNING_KEY_SECRET;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }

  let database;
  try {
    database = await openDatabase(config.database);
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  await migrateToLatest(database.db);

  // Only the hash is kept: OPERATOR_TOKEN's (hashed by loadConfig) or the generated file's.
  const operator = resolveOperatorToken(config.dataDir, config.operatorTokenHash);
  // The signing secret: SIGNING_KEY_SECRET's, or the file's (generated at the first start).
  const signing = resolveSigningSecret(config.dataDir, config.signingKeySecret);
  config = { ...config, operatorTokenHash: operator.hash, signingKeySecret: signing.secret };
  const bootstrapped = config.bootstrapTenant ? await bootstrapTenant(database.db, config.bootstrapTenant, config.dataDir) : null;

  const app = await buildApp({ config, database });
  if (bootstrapped) {
    app.log.info(
      { tenantId: bootstrapped.tenantId, keyFile: path.resolve(bootstrapped.keyFile) },
      'first start: created tenant %s; its admin key is in %s (readable by this user only; move it somewhere safe)',
      bootstrapped.tenantId,
      path.resolve(bootstrapped.keyFile),
    );
  }
  if (operator.file) {
    app.log.info(
      { operatorTokenFile: path.resolve(operator.file) },
      operator.generated ? 'generated the operator token into %s' : 'operator token read from %s',
      path.resolve(operator.file),
    );
  }
  if (signing.file) {
    app.log.info(
      { signingSecretFile: path.resolve(signing.file) },
      signing.generated ? 'generated the signing secret into %s (keep a copy: without it the signing keys cannot be used)' : 'signing secret read from %s',
      path.resolve(signing.file),
    );
  }
  let forgetAddress = () => {};
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    const deadline = setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    // A keep-alive connection that finishes its last request after close() began would sit idle
    // until its timeout; sweep idle connections so the process can exit as soon as work is done.
    const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
    sweep.unref();
    try {
      await app.close(); // stops listening, waits for in-flight requests
      forgetAddress();
      await database.close();
      app.log.info('stopped');
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'error while shutting down');
      process.exit(1);
    }
  };
  // `on`, not `once`: a second signal while stopping (a supervisor that repeats it, a terminal's
  // second Ctrl-C) must not fall through to the default action and kill the shutdown half-way.
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  const { port } = app.server.address() as AddressInfo;
  if (database.engine === 'pglite') {
    // The CLI reaches the service here while the service holds the folder (see src/cli.ts).
    forgetAddress = writeServiceAddress(config.dataDir, { pid: process.pid, url: `http://${localHost(config.host)}:${port}` });
  }
  app.log.info({ engine: database.engine, port }, 'ready');
}

/** An address of this host that the service listens on, for a client on the same machine. */
function localHost(host: string): string {
  if (host === '0.0.0.0' || host === 'localhost') return '127.0.0.1';
  if (host === '::' || host === '::1') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

main().catch((err: unknown) => {
  process.stderr.write(`failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
