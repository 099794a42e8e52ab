import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { openDatabase } from '../src/db/database.js';
import { demoMembers, demoRecords } from '../src/demo/county.js';
import { createOrgUnit } from '../src/orgunits/orgUnits.js';
import { createTestDatabase, engines } from './helpers/harness.js';
import { migratedDataDir } from './helpers/pgliteTemplate.js';

// `npm run cli -- demo` as a process, directly on the database (DATABASE_URL, or the embedded
// one in DATA_DIR): creates tenant demo and prints its key once, fills it; a second run adds
// nothing; verify passes; real data is refused (exit 1) unless --force; an unknown tenant is exit 1.
// (The fill itself is checked in detail through the API in demo.test.ts.)

// Each fill writes a few thousand records through the write path: seconds on an idle machine,
// minutes on one shared with much else (the runner's 300 s per file would cut it short there).
t.setTimeout(900_000);

const ROOT = path.resolve(import.meta.dirname, '..');
const planned = demoRecords(demoMembers());

/** Runs the CLI as a process; resolves with its exit code and output. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const base: NodeJS.ProcessEnv = { ...process.env };
    delete base.DATABASE_URL;
    delete base.DATA_DIR;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env: { ...base, LOG_LEVEL: 'silent', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// The CLI's wiring is the same on both engines (only where the database is differs), and
// demo.test.ts fills Postgres in detail: the whole command runs once, on the engine of the
// newcomer's first try (the embedded one) unless TEST_ENGINES leaves only postgres.
for (const engine of engines.includes('pglite') ? (['pglite'] as const) : engines) {
  t.test(`npm run cli -- demo on ${engine}`, async (t) => {
    const env: Record<string, string> =
      engine === 'postgres'
        ? { DATABASE_URL: await createTestDatabase(t) }
        : { DATA_DIR: await migratedDataDir(fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-demo-'))) };
    if (engine === 'pglite') t.teardown(() => fs.rmSync(env.DATA_DIR!, { recursive: true, force: true }));

    const first = await cli(['demo'], env);
    t.equal(first.code, 0, first.stderr);
    const out = JSON.parse(first.stdout);
    t.match(out, { tenantId: 'demo', adminKey: /^vk_demo\./, created: { members: 200, records: planned.length } }, 'creates tenant demo, prints its key once, fills it');

    const second = await cli(['demo', '--tenant', 'demo'], env);
    t.equal(second.code, 0, second.stderr);
    const again = JSON.parse(second.stdout);
    t.same(again.created, { orgUnits: 0, members: 0, records: 0, ratings: 0, rules: 0 }, 'a second run adds nothing');
    t.notOk('adminKey' in again, 'no key for a tenant that existed');

    const verify = await cli(['verify', '--tenant', 'demo'], env);
    t.equal(verify.code, 0, 'verify passes');

    // Real data in the filled tenant (an org unit of its own, made through the domain function
    // while no CLI runs): refused with exit 1 and the reason; --force passes the check.
    const database = await openDatabase(engine === 'postgres' ? { engine, url: env.DATABASE_URL!, poolSize: 2 } : { engine, dataDir: env.DATA_DIR! });
    await database.db.transaction().execute((trx) => createOrgUnit(trx, 'demo', { id: 'county', kind: 'center', name: '县文明实践中心' }));
    await database.close();
    const refusedRun = await cli(['demo'], env);
    t.equal(refusedRun.code, 1, 'real data: exit 1');
    t.match(refusedRun.stderr, /demo.*not demo data.*force/);
    t.equal(refusedRun.stdout, '', 'nothing on stdout');
    const forced = await cli(['demo', '--force'], env);
    t.equal(forced.code, 0, forced.stderr);
    t.same(JSON.parse(forced.stdout).created, { orgUnits: 0, members: 0, records: 0, ratings: 0, rules: 0 }, '--force passes the check; nothing was missing');

    const unknown = await cli(['demo', '--tenant', 'nosuch'], env);
    t.equal(unknown.code, 1, 'a named tenant that does not exist: exit 1');
    t.match(unknown.stderr, /nosuch does not exist/);
  });
}
