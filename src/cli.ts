import fs from 'node:fs';
import path from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { buildApp } from './app.js';
import { withProgress } from './cli/progress.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { lockHolder, readServiceAddress } from './dataDir.js';
import { DataDirLockedError, openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import type { DB } from './db/schema.js';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { countPostings, type JournalRequest, journalChunks } from './exports/journal.js';
import { verifyExportFile } from './exports/verifyExport.js';
import { checkProof, parseKeys, type Proof } from './integrity/check.js';
import { listPublicKeys, resolveSigningSecret, rotateSigningKey, Signer } from './integrity/keys.js';
import { sealTenants } from './integrity/seal.js';
import { INTEGRITY_CHECKS, verifyIntegrity } from './integrity/verify.js';
import { expireHolds } from './ledger/holds.js';
import { DemoCommandError, demoCommand } from './demo/command.js';
import { DomainError } from './problems.js';
import { operatorTokenForClient } from './tenants/operator.js';
import {
  createApiKey,
  createTenant,
  listTenants,
  type Role,
  Roles,
  TENANT_ID,
  TenantExistsError,
  tenantExists,
} from './tenants/tenants.js';

// The operator's command line. Every command is one entry of COMMANDS below: its name, usage,
// help and options, and what it does. The result is JSON on stdout; messages, progress and errors
// go to stderr, so `npm run --silent cli -- … | jq` always reads clean JSON.

const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const EXIT_CODES = `exit codes:
  0  done
  1  failed: verify found a problem, openapi --check found a difference, or the command was refused
     or could not run (bad configuration, tenant exists, data folder in use, database unreachable)
  2  usage: unknown command or option, missing or bad value`;

const ENVIRONMENT = `The database is DATABASE_URL, or the embedded one in DATA_DIR (default ./data) when unset.
While the service holds the embedded DATA_DIR, tenant and key commands go through it (its
address is in DATA_DIR/service.json) with the operator token (OPERATOR_TOKEN, or the file
DATA_DIR/operator-token); the other commands need the service stopped.
Long commands draw progress on stderr when it is a terminal (CLI_PROGRESS=always|never|auto).`;

type Values = Record<string, string | boolean | undefined>;

interface Command {
  /** One or two words: `migrate`, `tenant create`. */
  name: string;
  /** The arguments as the usage shows them. */
  args?: string;
  summary: string;
  /** More lines for `<command> --help`. */
  details?: string;
  options?: NonNullable<ParseArgsConfig['options']>;
  /** Options that must be given. */
  required?: string[];
  /** How many positional arguments the command takes (all required); none when left out. */
  positionals?: number;
  run(values: Values, positionals: string[]): Promise<number>;
}

class UsageError extends Error {}
/** A refusal or failure the user can act on: its message is printed without a stack. */
class CliError extends Error {}

const OPENAPI_FILE = path.resolve(import.meta.dirname, '..', 'openapi', 'openapi.json');

function out(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function say(message: string): void {
  process.stderr.write(`${message}\n`);
}

const COMMANDS: Command[] = [
  {
    name: 'migrate',
    summary: 'apply pending migrations (the service also does on start)',
    details: 'Prints {"applied": [names]}.',
    async run() {
      const applied = await withDatabase({ migrate: false }, (db) => withProgress('migrate', 0, (p) => migrateToLatest(db, p)));
      out({ applied });
      return EXIT.ok;
    },
  },
  {
    name: 'tenant create',
    args: '--id <id> --name <name>',
    summary: 'create a tenant (county centre); prints its first admin key (shown once)',
    details:
      'A tenant id is 2-40 characters: a lower-case letter, then lower-case letters, digits or "-".\n' +
      'Prints {"tenantId", "name", "adminKey"}; only the key\'s hash is stored.',
    options: { id: { type: 'string' }, name: { type: 'string' } },
    required: ['id', 'name'],
    async run(v) {
      const id = tenantIdOption(v.id);
      const name = String(v.name).trim();
      if (!name) throw new UsageError('--name is empty');
      const created = await onDatabaseOrService(
        async (db) => {
          const t = await createTenant(db, { id, name });
          return { tenantId: t.tenantId, name, adminKey: t.adminKey.key };
        },
        async (service) => {
          const t = (await service('POST', '/v1/operator/tenants', { id, name })) as { id: string; name: string; adminKey: { key: string } };
          return { tenantId: t.id, name: t.name, adminKey: t.adminKey.key };
        },
      );
      out(created);
      say('Keep the admin key now: it is not stored and cannot be shown again.');
      return EXIT.ok;
    },
  },
  {
    name: 'tenant list',
    summary: 'list the tenants',
    details: 'Prints {"items": [{"id", "name", "createdAt"}]}.',
    async run() {
      out(
        await onDatabaseOrService(
          async (db) => ({ items: await listTenants(db) }),
          async (service) => service('GET', '/v1/operator/tenants'),
        ),
      );
      return EXIT.ok;
    },
  },
  {
    name: 'key create',
    args: '--tenant <id> --role <role> --name <name> [--org-unit <id>]',
    summary: "create an API key of a tenant; prints it (shown once)",
    details:
      `role: ${Roles.join(', ')}. --org-unit scopes a station key to that org unit and those under it.\n` +
      'Prints the key as POST /v1/api-keys does ({"id", "name", "role", "orgUnitId", …, "key"}), with "tenantId".',
    options: { tenant: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, 'org-unit': { type: 'string' } },
    required: ['tenant', 'role', 'name'],
    async run(v) {
      const tenantId = tenantIdOption(v.tenant);
      const role = String(v.role) as Role;
      if (!Roles.includes(role)) throw new UsageError(`--role is one of ${Roles.join(', ')}`);
      const name = String(v.name).trim();
      if (!name) throw new UsageError('--name is empty');
      const body = { name, role, ...(v['org-unit'] ? { orgUnitId: String(v['org-unit']) } : {}) };
      const key = await onDatabaseOrService(
        (db) =>
          db.transaction().execute(async (trx) => {
            if (!(await tenantExists(trx, tenantId))) throw new CliError(`tenant ${tenantId} does not exist`);
            return createApiKey(trx, tenantId, body);
          }),
        (service) => service('POST', `/v1/operator/tenants/${tenantId}/api-keys`, body),
      );
      out({ tenantId, ...(key as object) });
      say('Keep the key now: it is not stored and cannot be shown again.');
      return EXIT.ok;
    },
  },
  {
    name: 'demo',
    args: '[--tenant <id>] [--force]',
    summary: 'fill a tenant with a demo county (org units, members, records, ratings); running it again adds nothing',
    details:
      'Without --tenant it fills tenant "demo", creating it when missing (its admin key is printed once).\n' +
      'Refused (exit 1) on a tenant that has real data unless --force. Works on the database directly: with the\n' +
      'embedded engine while the service runs, call POST /v1/demo instead. Prints what was created.',
    options: { tenant: { type: 'string' }, force: { type: 'boolean' } },
    async run(v) {
      const tenant = v.tenant === undefined ? undefined : tenantIdOption(v.tenant);
      const result = await withDatabase({ migrate: true }, (db) =>
        withProgress('demo', 0, (p) => {
          let shown = 0;
          const onProgress = (done: number, total: number) => {
            p.setTotal(total);
            p.tick(done - shown);
            shown = done;
          };
          return demoCommand(db, { tenant, force: v.force === true, onProgress });
        }),
      );
      out(result);
      if (result.adminKey) say('Tenant demo was created: keep its admin key now, it cannot be shown again.');
      return EXIT.ok;
    },
  },
  {
    name: 'verify',
    args: '[--tenant <id>]',
    summary: "prove the ledger's invariants and its seals; exit 1 when one fails",
    details:
      'Checks every entry balances, balances equal postings, holds, then every block: re-hashed from the entries,\n' +
      'its signature and the chain. Prints {"ok", "entries", "postings", "accounts", "unitTotals", "seals", "problems"};\n' +
      'ok is false (and the exit code 1) when a check fails; a block problem names the block, the entry and why.',
    options: { tenant: { type: 'string' } },
    async run(v) {
      const tenant = v.tenant === undefined ? null : tenantIdOption(v.tenant);
      const result = await withDatabase({ migrate: true }, (db) =>
        withProgress('verify', INTEGRITY_CHECKS, (p) =>
          verifyIntegrity(
            db,
            tenant,
            (check) => p.tick(1, check),
            (blocks) => p.setTotal(INTEGRITY_CHECKS + blocks),
          ),
        ),
      );
      out(result);
      if (!result.ok) {
        const first = result.problems[0]!;
        say(`verify: ${result.problems.length} problem(s) found; the first: ${first.check} ${JSON.stringify(first.detail)}`);
      }
      return result.ok ? EXIT.ok : EXIT.failed;
    },
  },
  {
    name: 'seal',
    args: '[--tenant <id>] [--wait <seconds>]',
    summary: 'seal committed entries into signed blocks now (the service also does, every SEAL_MS)',
    details:
      'Safe beside running services: one process seals a tenant at a time, each entry goes into one block.\n' +
      'Entries after a number whose transaction is still open wait for it: --wait (default 10) says how long.\n' +
      'Needs the signing secret: SIGNING_KEY_SECRET or DATA_DIR/signing-key-secret (made when missing).\n' +
      'Prints {"tenants": [{"tenantId", "blocks", "entries", "gaps", "sealedThrough", "pending", "busy"}]}.',
    options: { tenant: { type: 'string' }, wait: { type: 'string' } },
    async run(v) {
      const tenantId = v.tenant === undefined ? null : tenantIdOption(v.tenant);
      const wait = v.wait === undefined ? 10 : Number(v.wait);
      if (!Number.isFinite(wait) || wait < 0 || wait > 3600) throw new UsageError('--wait is a number of seconds, 0 to 3600');
      const signer = signerFromConfig();
      const tenants = await withDatabase({ migrate: true }, (db) =>
        withProgress('seal', 0, (p) => sealTenants(db, signer, { tenantId, waitMs: wait * 1000, onBlock: (t, n) => p.tick(n, t) })),
      );
      out({ tenants });
      return EXIT.ok;
    },
  },
  {
    name: 'keys list',
    args: '--tenant <id>',
    summary: "print a tenant's public signing keys (the keys file of verify-export and verify-proof)",
    details: 'Prints what GET /v1/integrity/keys answers: {"tenantId", "items": [{"keyId", "publicKey", "validFrom", "validUntil", …}]}.',
    options: { tenant: { type: 'string' } },
    required: ['tenant'],
    async run(v) {
      const tenantId = tenantIdOption(v.tenant);
      out({ tenantId, items: await withDatabase({ migrate: true }, (db) => listPublicKeys(db, tenantId)) });
      return EXIT.ok;
    },
  },
  {
    name: 'keys rotate',
    args: '--tenant <id>',
    summary: "retire a tenant's signing key and start a new one (blocks sealed before keep verifying)",
    details: 'The retired key stays published, valid until now. Prints {"tenantId", "retired", "current"} (key ids).',
    options: { tenant: { type: 'string' } },
    required: ['tenant'],
    async run(v) {
      const tenantId = tenantIdOption(v.tenant);
      const signer = signerFromConfig();
      const rotated = await withDatabase({ migrate: true }, async (db) => {
        if (!(await tenantExists(db, tenantId))) throw new CliError(`tenant ${tenantId} does not exist`);
        return rotateSigningKey(db, signer, tenantId);
      });
      out({ tenantId, ...rotated });
      return EXIT.ok;
    },
  },
  {
    name: 'export',
    args: '--tenant <id> --out <file> [--format csv|jsonl] [--from <time>] [--to <time>] [--bom]',
    summary: "write a tenant's journal to a file (as GET /v1/exports/journal), with a progress bar",
    details:
      'Every posting recorded in [--from, --to) (RFC 3339 times) with its entry and the signed heads of the blocks\n' +
      'it spans. --format is taken from the file name (.csv, .jsonl) unless given; --bom starts a CSV with a UTF-8\n' +
      'byte order mark (Excel). Prints {"file", "format", "postings", "bytes"}. Check it with verify-export.',
    options: { tenant: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, bom: { type: 'boolean' } },
    required: ['tenant', 'out'],
    async run(v) {
      const tenantId = tenantIdOption(v.tenant);
      const file = String(v.out);
      const format = String(v.format ?? (file.endsWith('.jsonl') || file.endsWith('.ndjson') ? 'jsonl' : 'csv'));
      if (format !== 'csv' && format !== 'jsonl') throw new UsageError('--format is csv or jsonl');
      const time = (name: string, value: unknown) => {
        if (value === undefined) return null;
        const text = String(value);
        if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(text) || Number.isNaN(Date.parse(text))) {
          throw new UsageError(`--${name} is an RFC 3339 time with an offset, e.g. 2026-01-01T00:00:00+08:00`);
        }
        return text;
      };
      const req: JournalRequest = { tenantId, from: time('from', v.from), to: time('to', v.to), format, bom: v.bom === true };
      if (req.from && req.to && Date.parse(req.from) >= Date.parse(req.to)) throw new UsageError('--from must be before --to');
      let postings = 0;
      await withDatabase({ migrate: true }, async (db) => {
        if (!(await tenantExists(db, tenantId))) throw new CliError(`tenant ${tenantId} does not exist`);
        const database = { db, engine: loadConfig().database.engine, close: async () => {} };
        await withProgress('export', await countPostings(db, req), (p) =>
          pipeline(
            Readable.from(
              journalChunks(database, req, (n) => {
                postings += n;
                p.tick(n);
              }),
              { objectMode: false },
            ),
            fs.createWriteStream(file),
          ),
        );
      });
      out({ file, format, postings, bytes: fs.statSync(file).size });
      return EXIT.ok;
    },
  },
  {
    name: 'verify-export',
    args: '<file> --keys <file> [--accounts]',
    summary: 'check an exported journal offline (no database): blocks re-hashed, signatures, chain, totals',
    details:
      '--keys: the JSON of GET /v1/integrity/keys (or `keys list`). Prints {"ok", "entries", "postings", "blocks",\n' +
      '"unsealedEntries", "unitTotals", "problems"} and, with --accounts, "accountTotals" (the sum per account).\n' +
      'Exit 1 when a check fails; the first problem names the block or entry and why.',
    positionals: 1,
    options: { keys: { type: 'string' }, accounts: { type: 'boolean' } },
    required: ['keys'],
    async run(v, positionals) {
      const result = await verifyExportFile(readableFile(positionals[0]), readKeysFile(String(v.keys)), { accounts: v.accounts === true });
      out(result);
      if (!result.ok) say(`verify-export: ${result.problems.length} problem(s); the first: ${result.problems[0]!.why}`);
      return result.ok ? EXIT.ok : EXIT.failed;
    },
  },
  {
    name: 'verify-proof',
    args: '<file> --keys <file>',
    summary: "check an entry's inclusion proof offline (GET /v1/entries/{id}/proof) against the published keys",
    details: 'Prints {"ok", "entryId", "seq", "blockNo", "head", "problems"}; exit 1 when the proof does not hold.',
    positionals: 1,
    options: { keys: { type: 'string' } },
    required: ['keys'],
    async run(v, positionals) {
      const file = readableFile(positionals[0]);
      let proof: Proof;
      try {
        proof = JSON.parse(fs.readFileSync(file, 'utf8')) as Proof;
      } catch (err) {
        throw new CliError(`${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
      }
      const result = checkProof(proof, readKeysFile(String(v.keys)));
      out(result);
      if (!result.ok) say(`verify-proof: ${result.problems[0]!.why}`);
      return result.ok ? EXIT.ok : EXIT.failed;
    },
  },
  {
    name: 'holds expire',
    args: '[--tenant <id>]',
    summary: 'release every hold past its expiry (safe beside running services: each hold expires once)',
    details: 'The service does this on its own every HOLD_SWEEP_MS. Prints {"expired": n}.',
    options: { tenant: { type: 'string' } },
    async run(v) {
      const tenantId = v.tenant === undefined ? null : tenantIdOption(v.tenant);
      const expired = await withDatabase({ migrate: true }, (db) => expireHolds(db, { tenantId, actor: 'cli' }));
      out({ expired });
      return EXIT.ok;
    },
  },
  {
    name: 'openapi',
    args: '[--check]',
    summary: 'write openapi/openapi.json (--check: exit 1 if it differs from the code)',
    details: 'Needs no database. Prints {"file", "status"}: "written", "up to date" or "differs".',
    options: { check: { type: 'boolean' } },
    async run(v) {
      const document = await generateOpenApi();
      const file = path.relative(process.cwd(), OPENAPI_FILE);
      if (v.check) {
        const committed = fs.existsSync(OPENAPI_FILE) ? fs.readFileSync(OPENAPI_FILE, 'utf8') : '';
        if (committed !== document) {
          out({ file, status: 'differs' });
          say('openapi/openapi.json differs from the code: run `npm run openapi` and commit it');
          return EXIT.failed;
        }
        out({ file, status: 'up to date' });
        return EXIT.ok;
      }
      fs.writeFileSync(OPENAPI_FILE, document);
      out({ file, status: 'written' });
      return EXIT.ok;
    },
  },
];

/** A Signer with the signing secret: SIGNING_KEY_SECRET, or DATA_DIR/signing-key-secret (made when missing). */
function signerFromConfig(): Signer {
  const config = loadConfig();
  return new Signer(resolveSigningSecret(config.dataDir, config.signingKeySecret).secret);
}

function readableFile(name: string | undefined): string {
  if (!name || !fs.existsSync(name) || !fs.statSync(name).isFile()) throw new CliError(`no such file: ${name ?? ''}`);
  return name;
}

function readKeysFile(name: string) {
  try {
    return parseKeys(JSON.parse(fs.readFileSync(readableFile(name), 'utf8')));
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function usageLine(c: Command): string {
  return `${c.name}${c.args ? ` ${c.args}` : ''}`;
}

function usage(): string {
  const lines = COMMANDS.map((c) => `  ${usageLine(c)}\n      ${c.summary}`);
  return `usage: npm run cli -- <command> [options]\n\n${lines.join('\n')}\n  help [command]\n      this text, or a command's (also: <command> --help)\n\n${ENVIRONMENT}\n\n${EXIT_CODES}`;
}

function commandHelp(c: Command): string {
  return `usage: npm run cli -- ${usageLine(c)}\n\n${c.summary}\n${c.details ? `${c.details}\n` : ''}\n${ENVIRONMENT}\n\n${EXIT_CODES}`;
}

function tenantIdOption(value: unknown): string {
  const id = String(value);
  if (!TENANT_ID.test(id)) throw new UsageError('a tenant id is 2-40 characters: a lower-case letter, then lower-case letters, digits or "-"');
  return id;
}

/** The command named by the leading words of argv (two words before one), and the rest. */
function findCommand(argv: string[]): { command: Command | undefined; rest: string[]; named: string } {
  const words = argv.slice(0, 2).filter((w) => !w.startsWith('-'));
  for (const n of [2, 1]) {
    if (words.length < n) continue;
    const name = words.slice(0, n).join(' ');
    const command = COMMANDS.find((c) => c.name === name);
    if (command) return { command, rest: argv.slice(n), named: name };
  }
  return { command: undefined, rest: argv.slice(words.length), named: words.join(' ') };
}

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

async function withDatabase<T>(opts: { migrate: boolean }, fn: (db: Kysely<DB>) => Promise<T>): Promise<T> {
  const database = await openDatabase(loadConfig().database);
  try {
    if (opts.migrate) await migrateToLatest(database.db);
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

type ServiceCall = (method: string, url: string, body?: unknown) => Promise<unknown>;

/**
 * Runs `direct` on the database; when the embedded data folder is held by the running service
 * (which only one process may open), runs `viaService` against that service instead, with the
 * operator token. With DATABASE_URL the database is always opened directly.
 */
async function onDatabaseOrService<T>(direct: (db: Kysely<DB>) => Promise<T>, viaService: (call: ServiceCall) => Promise<T>): Promise<T> {
  const config = loadConfig();
  try {
    return await withDatabase({ migrate: true }, direct);
  } catch (err) {
    if (!(err instanceof DataDirLockedError) || config.database.engine !== 'pglite') throw err;
    const call = serviceClient(config, err);
    return viaService(call);
  }
}

function serviceClient(config: Config, locked: DataDirLockedError): ServiceCall {
  const address = readServiceAddress(config.dataDir);
  const holder = lockHolder(config.dataDir);
  if (!address || address.pid !== holder) {
    throw new CliError(`${locked.message}\n(no running service of this folder to go through: DATA_DIR/service.json is missing or not that process's)`);
  }
  const token = operatorTokenForClient(config.dataDir);
  if (!token) throw new CliError('the service holds the data folder and no operator token is at hand: set OPERATOR_TOKEN to the service\'s');
  say(`the service (pid ${address.pid}) holds the data folder: going through it at ${address.url}`);
  return async (method, url, body) => {
    let res: Response;
    try {
      res = await fetch(`${address.url}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          // The CLI speaks English; the service's problem details follow Accept-Language.
          'accept-language': 'en',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new CliError(`could not reach the service at ${address.url}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: reported below
    }
    if (res.ok) return parsed;
    const problem = (parsed ?? {}) as { code?: string; detail?: string };
    const hint = problem.code === 'operator_unauthenticated' ? ' (set OPERATOR_TOKEN to the service\'s operator token)' : '';
    throw new CliError(`the service refused: ${res.status} ${problem.code ?? ''} ${problem.detail ?? text}${hint}`.replace(/ {2,}/g, ' '));
  };
}

async function run(argv: string[]): Promise<number> {
  if (argv.length === 0) throw new UsageError('no command given');
  if (argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    const { command, named } = findCommand(argv.slice(1));
    if (!command && named) throw new UsageError(`unknown command: ${named}`);
    process.stdout.write(`${command ? commandHelp(command) : usage()}\n`);
    return EXIT.ok;
  }
  const { command, rest, named } = findCommand(argv);
  if (!command) throw new UsageError(named ? `unknown command: ${named}` : `no command given`);
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      allowPositionals: (command.positionals ?? 0) > 0,
      strict: true,
      options: { ...(command.options ?? {}), help: { type: 'boolean', short: 'h' } },
    }) as { values: Values; positionals: string[] });
  } catch (err) {
    throw new UsageError(`${command.name}: ${err instanceof Error ? err.message : String(err)}`, { cause: command });
  }
  if (values.help) {
    process.stdout.write(`${commandHelp(command)}\n`);
    return EXIT.ok;
  }
  const missing = (command.required ?? []).filter((o) => values[o] === undefined || values[o] === '');
  if (missing.length) {
    throw new UsageError(`${command.name} needs ${missing.map((o) => `--${o}`).join(' and ')}`, { cause: command });
  }
  if (positionals.length !== (command.positionals ?? 0) && !values.help) {
    throw new UsageError(`${command.name} takes ${command.positionals ?? 0} argument(s), got ${positionals.length}`, { cause: command });
  }
  return command.run(values, positionals);
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      const command = err.cause as Command | undefined;
      say(`${err.message}\n\n${command ? commandHelp(command) : usage()}`);
      process.exit(EXIT.usage);
    }
    if (err instanceof CliError || err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof TenantExistsError || err instanceof DemoCommandError || err instanceof DomainError) {
      say(err.message);
    } else say(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(EXIT.failed);
  },
);
