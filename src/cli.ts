import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { DataDirLockedError, openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import type { DB } from './db/schema.js';
import { expireHolds } from './ledger/holds.js';
import { verifyLedger } from './ledger/verify.js';
import { createTenant, TenantExistsError } from './tenants/tenants.js';

const USAGE = `usage: npm run cli -- <command>

  migrate                                 apply pending migrations
  tenant create --id <id> --name <name>   create a tenant; prints its first admin key (shown once)
  verify [--tenant <id>]                  prove the ledger's invariants; exit 1 when one fails
  holds expire [--tenant <id>]            release every hold past its expiry (safe beside running services)
  openapi [--check]                       write openapi/openapi.json (--check: fail if it differs)

The database is DATABASE_URL, or the embedded one in DATA_DIR (default ./data) when unset.`;

const OPENAPI_FILE = path.resolve(import.meta.dirname, '..', 'openapi', 'openapi.json');

class UsageError extends Error {}

/** The OpenAPI document as the code generates it; needs no database (none is ever queried). */
export async function generateOpenApi(): Promise<string> {
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ max: 1 }) }) });
  const app = await buildApp({ config, database: { db, engine: 'postgres', close: () => db.destroy() }, logger: false });
  await app.ready();
  const document = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  await app.close();
  await db.destroy();
  return document;
}

async function withDatabase<T>(fn: (db: Kysely<DB>) => Promise<T>): Promise<T> {
  const database = await openDatabase(loadConfig().database);
  try {
    await migrateToLatest(database.db);
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { id: { type: 'string' }, name: { type: 'string' }, tenant: { type: 'string' }, check: { type: 'boolean' } },
  });
  const command = positionals.join(' ');
  switch (command) {
    case 'migrate': {
      const applied = await withDatabase(async () => []);
      process.stdout.write(`migrations applied${applied.length ? `: ${applied.join(', ')}` : ''}\n`);
      return 0;
    }
    case 'tenant create': {
      if (!values.id || !values.name) throw new UsageError('tenant create needs --id and --name');
      const { id, name } = values;
      const created = await withDatabase((db) => createTenant(db, { id, name }));
      process.stdout.write(`${JSON.stringify({ tenantId: created.tenantId, adminKey: created.adminKey.key }, null, 2)}\n`);
      process.stderr.write('Keep the admin key now: it is not stored and cannot be shown again.\n');
      return 0;
    }
    case 'verify': {
      const result = await withDatabase((db) => verifyLedger(db, values.tenant ?? null));
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return result.ok ? 0 : 1;
    }
    case 'holds expire': {
      const expired = await withDatabase((db) => expireHolds(db, { tenantId: values.tenant ?? null, actor: 'cli' }));
      process.stdout.write(`${JSON.stringify({ expired })}\n`);
      return 0;
    }
    case 'openapi': {
      const document = await generateOpenApi();
      if (values.check) {
        const committed = fs.existsSync(OPENAPI_FILE) ? fs.readFileSync(OPENAPI_FILE, 'utf8') : '';
        if (committed !== document) {
          process.stderr.write('openapi/openapi.json differs from the code: run `npm run openapi` and commit it\n');
          return 1;
        }
        process.stdout.write('openapi/openapi.json is up to date\n');
        return 0;
      }
      fs.writeFileSync(OPENAPI_FILE, document);
      process.stdout.write(`wrote ${path.relative(process.cwd(), OPENAPI_FILE)}\n`);
      return 0;
    }
    default:
      throw new UsageError(command ? `unknown command: ${command}` : 'no command given');
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) process.stderr.write(`${err.message}\n\n${USAGE}\n`);
    else if (err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof TenantExistsError) {
      process.stderr.write(`${err.message}\n`);
    } else process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
