// The CLI as an operator uses it (src/cli.ts, run as a process): --help on every command, the
// documented exit codes, JSON on stdout and messages on stderr, progress only on a terminal, and
// tenant and key commands that go through the running service when it holds the embedded folder,
// without a secret in any message.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { INTEGRITY_CHECKS } from '../src/integrity/verify.js';
import { engines } from './helpers/harness.js';
import { migratedDataDir } from './helpers/pgliteTemplate.js';
import { api, assertNoSecret, type CliResult, childEnv, cli, npmStart, ROOT, type Service, stop, tempDir } from './helpers/process.js';

// Several real processes per test, each a first start of the embedded engine on a busy machine.
t.setTimeout(900_000);

const COMMANDS = [['migrate'], ['tenant', 'create'], ['tenant', 'list'], ['key', 'create'], ['verify'], ['openapi']];

t.test('--help on every command, help, and the exit codes 0 and 2', async (t) => {
  const env = { DATA_DIR: path.join(tempDir(t), 'data') };
  const general = await cli(t, ['help'], env);
  t.equal(general.code, 0, '`help` exits 0');
  for (const words of COMMANDS) t.match(general.stdout, `  ${words.join(' ')}`, `help lists ${words.join(' ')}`);
  t.match(general.stdout, /exit codes:\n\s+0 .*\n\s+1 .*[\s\S]*\n\s+2 +usage/, 'and documents the exit codes');
  t.same((await cli(t, ['--help'], env)).stdout, general.stdout, '--help alone is the same');

  const helps = await Promise.all(COMMANDS.map((words) => cli(t, [...words, '--help'], env)));
  for (const [i, res] of helps.entries()) {
    const name = COMMANDS[i]!.join(' ');
    t.equal(res.code, 0, `${name} --help exits 0`);
    t.match(res.stdout, `usage: npm run cli -- ${name}`, `${name} --help shows its usage on stdout`);
    t.match(res.stdout, /exit codes:/, `${name} --help documents the exit codes`);
    t.equal(res.stderr, '', 'nothing on stderr');
  }
  t.same((await cli(t, ['help', 'key', 'create'], env)).stdout, helps[3]!.stdout, '`help key create` is `key create --help`');
  t.notOk(fs.existsSync(env.DATA_DIR), '--help opens no database');

  const usage: [string[], RegExp][] = [
    [['tenant', 'create', '--id', 'x1', '--name', 'n', '--colour', 'red'], /Unknown option '--colour'/],
    [['key', 'create', '--tenant', 'county', '--role', 'king', '--name', 'k'], /--role is one of admin, station, pos, auditor/],
    [['tenant', 'create', '--id', 'Bad_Id', '--name', 'n'], /a tenant id is 2-40 characters/],
    [['verify', 'extra'], /Unexpected argument 'extra'|unexpected/i],
    [['help', 'frobnicate'], /unknown command: frobnicate/],
  ];
  const results = await Promise.all(usage.map(([args]) => cli(t, args, env)));
  for (const [i, res] of results.entries()) {
    const [args, message] = usage[i]!;
    t.equal(res.code, 2, `${args.join(' ')}: exit 2`);
    t.match(res.stderr, message, 'says what is wrong');
    t.equal(res.stdout, '', 'nothing on stdout');
  }
});

if (engines.includes('pglite')) {
  t.test('migrate and verify: JSON on stdout; progress on a terminal only', async (t) => {
    const dataDir = path.join(tempDir(t), 'data');
    const migrate = await cli(t, ['migrate'], { DATA_DIR: dataDir });
    t.equal(migrate.code, 0, 'migrate exits 0');
    const applied = JSON.parse(migrate.stdout).applied as string[];
    t.ok(applied.length >= 1 && applied[0] === '0001_ledger_core', 'and prints the migrations it applied as JSON');
    t.equal(migrate.stderr, '', 'piped: no progress on stderr');
    t.same(JSON.parse((await cli(t, ['migrate'], { DATA_DIR: dataDir })).stdout), { applied: [] }, 'again: nothing to apply');

    const piped = await cli(t, ['verify'], { DATA_DIR: dataDir });
    t.equal(piped.code, 0, 'verify exits 0');
    t.match(JSON.parse(piped.stdout), { ok: true, problems: [] }, 'prints the result as JSON');
    t.equal(piped.stderr, '', 'piped: nothing on stderr');

    // On a terminal (a pseudo-terminal from script(1), where it exists) a bar is drawn on stderr.
    const script = spawnSync('script', ['-qec', `${process.execPath} --import tsx src/cli.ts verify >/dev/null`, '/dev/null'], {
      cwd: ROOT,
      env: childEnv({ DATA_DIR: dataDir, TERM: 'xterm' }),
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (script.error) {
      t.comment('script(1) is not available: no pseudo-terminal to test the bar on');
    } else {
      t.equal(script.status, 0, 'verify on a terminal exits 0');
      // The ledger's checks, then the seals (one step more per block, if any).
      t.match(script.stdout, new RegExp(`verify \\[.*\\] ${INTEGRITY_CHECKS}/${INTEGRITY_CHECKS}`), `and draws its progress to ${INTEGRITY_CHECKS}/${INTEGRITY_CHECKS} checks`);
    }
    const forced = await cli(t, ['verify'], { DATA_DIR: dataDir, CLI_PROGRESS: 'always' });
    t.match(forced.stderr, new RegExp(`verify \\[.*\\] \\d+/${INTEGRITY_CHECKS}`), 'CLI_PROGRESS=always draws it when piped too');
    t.match(JSON.parse(forced.stdout), { ok: true }, 'stdout stays the JSON result');
  });

  t.test('embedded: the CLI creates tenants and keys through the service that holds the folder', async (t) => {
    // A migrated folder with no tenant yet: the migrate test above is this file's real initdb.
    const dataDir = await migratedDataDir(path.join(tempDir(t), 'data'));
    const env = { DATA_DIR: dataDir };
    const service: Service = await npmStart(t, env);
    const adminKey = fs.readFileSync(path.join(dataDir, 'admin-key.county'), 'utf8').trim();
    const operatorToken = fs.readFileSync(path.join(dataDir, 'operator-token'), 'utf8').trim();
    const runs: CliResult[] = [];
    const run = async (args: string[], extra: Record<string, string> = {}) => {
      const res = await cli(t, args, { ...env, ...extra });
      runs.push(res);
      return res;
    };

    const created = await run(['tenant', 'create', '--id', 'second', '--name', '第二县']);
    t.equal(created.code, 0, `tenant create exits 0 while the service runs ${created.stderr}`);
    t.match(created.stderr, /going through it at http:\/\/127\.0\.0\.1:/, 'it says it goes through the service');
    const printed = JSON.parse(created.stdout);
    t.match(printed, { tenantId: 'second', name: '第二县', adminKey: /^vk_second\./ }, 'and prints the tenant and key as JSON');
    t.match(await api(service.base, 'GET', '/v1/tenant', { key: printed.adminKey }), { status: 200, body: { id: 'second' } }, 'the key works');

    const key = await run(['key', 'create', '--tenant', 'county', '--role', 'auditor', '--name', '审计']);
    t.equal(key.code, 0, `key create exits 0 ${key.stderr}`);
    const keyPrinted = JSON.parse(key.stdout);
    t.match(keyPrinted, { tenantId: 'county', role: 'auditor', key: /^vk_county\./ }, 'key create prints the key');
    t.match(await api(service.base, 'GET', '/v1/tenant', { key: keyPrinted.key }), { status: 200, body: { role: 'auditor' } }, 'it works');

    const dup = await run(['tenant', 'create', '--id', 'second', '--name', '重复']);
    t.equal(dup.code, 1, 'an existing id exits 1');
    t.match(dup.stderr, /tenant_exists.*second already exists/, 'with the problem');
    t.equal(dup.stdout, '', 'printing nothing');
    const missing = await run(['key', 'create', '--tenant', 'nowhere', '--role', 'pos', '--name', 'x']);
    t.equal(missing.code, 1, 'a key of an unknown tenant exits 1');
    t.match(missing.stderr, /tenant_not_found/, 'with the problem');

    const list = await run(['tenant', 'list']);
    t.same(JSON.parse(list.stdout).items.map((i: { id: string }) => i.id), ['county', 'second'], 'tenant list through the service');

    const verify = await run(['verify']);
    t.equal(verify.code, 1, 'verify still needs the folder: refused with exit 1');
    t.match(verify.stderr, /is in use by process/, 'saying the folder is in use');

    const wrong = await run(['tenant', 'create', '--id', 'third', '--name', '三'], { OPERATOR_TOKEN: 'w'.repeat(40) });
    t.equal(wrong.code, 1, 'a wrong OPERATOR_TOKEN exits 1');
    t.match(wrong.stderr, /operator_unauthenticated.*OPERATOR_TOKEN/, 'and says to set the right one');

    t.same(await stop(service), { code: 0, signal: null }, 'the service stops with exit 0');
    t.notOk(fs.existsSync(path.join(dataDir, 'service.json')), 'and removes its address file');
    const after = await run(['tenant', 'list']);
    t.same(JSON.parse(after.stdout).items.map((i: { id: string }) => i.id), ['county', 'second'], 'stopped: the CLI opens the folder itself; "third" was never created');

    const secrets = [adminKey, operatorToken, printed.adminKey, keyPrinted.key];
    assertNoSecret(t, service.stdout() + service.stderr(), secrets, 'service output');
    for (const r of runs) assertNoSecret(t, r.stderr, secrets, 'CLI messages (stderr)');
    // stdout is the result: the key the command created, never the operator token or another key.
    assertNoSecret(t, created.stdout, [adminKey, operatorToken, keyPrinted.key], 'tenant create stdout');
    assertNoSecret(t, key.stdout, [adminKey, operatorToken, printed.adminKey], 'key create stdout');
    for (const r of [list, after]) assertNoSecret(t, r.stdout, secrets, 'tenant list stdout');
  });
}
