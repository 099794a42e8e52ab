import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { issueApiKey } from './admin/apiKeys.js';
import { Roles, type Role } from './auth/caller.js';
import { withProgress } from './cli/progress.js';
import { INTEGRITY_COMMANDS } from './cli/integrity.js';
import { JOB_COMMANDS } from './cli/jobs.js';
import { CliError, type Command, EXIT, generateOpenApi, onDatabaseOrService, out, say, tenantIdOption, UsageError, type Values, withDatabase } from './cli/runtime.js';
import { ConfigError } from './config.js';
import { DataDirLockedError } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { byOperator, recordConfigChange } from './changes/changes.js';
import { INTEGRITY_CHECKS, verifyIntegrity } from './integrity/verify.js';
import { DemoCommandError, demoCommand } from './demo/command.js';
import { DomainError } from './problems.js';
import { createTenant, listTenants, TenantExistsError, tenantExists } from './tenants/tenants.js';

// The operator's command line. Every command is one entry of COMMANDS below: its name, usage,
// help and options, and what it does. The result is JSON on stdout; messages, progress and errors
// go to stderr, so `npm run --silent cli -- … | jq` always reads clean JSON.

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

const OPENAPI_FILE = path.resolve(import.meta.dirname, '..', 'openapi', 'openapi.json');

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
            return recordConfigChange(trx, byOperator(tenantId), 'apiKey.created', await issueApiKey(trx, tenantId, body));
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
    summary: "prove the ledger's invariants, the markets' and the seals; exit 1 when one fails",
    details:
      'Checks every entry balances, balances equal postings, holds, the love supermarkets (stock and its movements,\n' +
      'reservations, refunds, receipt numbers, receipts against their entries), then every block: re-hashed from the entries,\n' +
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
  ...INTEGRITY_COMMANDS,
  ...JOB_COMMANDS,
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
