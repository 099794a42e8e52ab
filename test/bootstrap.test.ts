// A new install as an operator meets it, with real processes: the first `npm start` on an empty
// database creates a tenant and writes its admin key to a private file of DATA_DIR; a second start
// creates nothing; two services starting together on one Postgres database create one tenant; the
// CLI creates tenants and keys while the service holds the embedded folder; no secret ever reaches
// a log line or a message. (The CLI going through the service: test/cli.test.ts.)
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { createTestDatabase, type Engine, engines } from './helpers/harness.js';
import { migratedDataDir } from './helpers/pgliteTemplate.js';
import { api, assertNoSecret, cli, npmStart, stop, tempDir } from './helpers/process.js';

// Several real service starts, each a first start of its database, on a busy machine.
t.setTimeout(900_000);

function mode(file: string): number {
  return fs.statSync(file).mode & 0o777;
}

/** The admin key files of a data folder. */
function keyFiles(dataDir: string): string[] {
  return fs.existsSync(dataDir) ? fs.readdirSync(dataDir).filter((f) => f.startsWith('admin-key.')).sort() : [];
}

function engineEnv(engine: Engine, url: string | null, dataDir: string): Record<string, string> {
  return engine === 'postgres' ? { DATABASE_URL: url!, DATA_DIR: dataDir } : { DATA_DIR: dataDir };
}

for (const engine of engines) {
  t.test(`${engine}: the first start creates a tenant and hands its key over in a 0600 file`, async (t) => {
    const dir = tempDir(t);
    // Embedded: a migrated folder with no tenant (the service's first start as far as tenants go;
    // the first initdb is test/process.test.ts's).
    const dataDir = engine === 'pglite' ? await migratedDataDir(path.join(dir, 'data')) : path.join(dir, 'data');
    const url = engine === 'postgres' ? await createTestDatabase(t) : null;
    const env = { ...engineEnv(engine, url, dataDir), BOOTSTRAP_TENANT_ID: 'first-county', BOOTSTRAP_TENANT_NAME: '首县' };
    const logs: string[] = [];
    const secrets: string[] = [];

    const first = await npmStart(t, env);
    const files = keyFiles(dataDir);
    t.same(files, ['admin-key.first-county'], 'one admin key file, named after the tenant');
    const keyFile = path.join(dataDir, files[0]!);
    t.equal(mode(keyFile), 0o600, 'the key file is readable by the service user only (0600)');
    const adminKey = fs.readFileSync(keyFile, 'utf8').trim();
    t.match(adminKey, /^vk_first-county\.[0-9a-f]{16}\./, 'it holds an admin key of the tenant');
    secrets.push(adminKey);
    const tokenFile = path.join(dataDir, 'operator-token');
    t.equal(mode(tokenFile), 0o600, 'the generated operator token file is 0600');
    const operatorToken = fs.readFileSync(tokenFile, 'utf8').trim();
    secrets.push(operatorToken);
    t.match(first.stdout(), keyFile, "the log names the key file's path");

    const me = await api(first.base, 'GET', '/v1/tenant', { key: adminKey });
    t.match(me, { status: 200, body: { id: 'first-county', name: '首县', role: 'admin' } }, 'the key works at once');
    const tenants = await api(first.base, 'GET', '/v1/operator/tenants', { key: operatorToken });
    t.match(tenants, { status: 200, body: { items: [{ id: 'first-county' }] } }, 'the operator token works');
    t.equal(tenants.body.items.length, 1, 'one tenant');
    t.equal((await api(first.base, 'GET', '/v1/operator/tenants', { key: adminKey })).status, 401, 'a tenant key is no operator token');

    // Through the API, while the service runs (either engine).
    const made = await api(first.base, 'POST', '/v1/operator/tenants', { key: operatorToken, body: { id: 'api-county', name: '接口县' } });
    t.equal(made.status, 201, 'the operator creates another tenant through the API');
    secrets.push(made.body.adminKey.key);
    t.equal((await api(first.base, 'GET', '/v1/tenant', { key: made.body.adminKey.key })).status, 200, "and its admin key works");
    const key = await api(first.base, 'POST', '/v1/operator/tenants/first-county/api-keys', { key: operatorToken, body: { name: 'POS 1', role: 'pos' } });
    t.match(key, { status: 201, body: { role: 'pos', key: /^vk_first-county\./ } }, 'and a key of the first tenant');
    secrets.push(key.body.key);
    t.same(await stop(first), { code: 0, signal: null }, 'SIGTERM: exit 0');
    logs.push(first.stdout(), first.stderr());

    const second = await npmStart(t, env);
    t.same(keyFiles(dataDir), files, 'a second start writes no key file');
    t.equal(fs.readFileSync(keyFile, 'utf8').trim(), adminKey, 'and leaves the first one as it was');
    t.equal(fs.readFileSync(tokenFile, 'utf8').trim(), operatorToken, 'the operator token is kept');
    const after = await api(second.base, 'GET', '/v1/operator/tenants', { key: operatorToken });
    t.same(after.body.items.map((i: { id: string }) => i.id), ['api-county', 'first-county'], 'no tenant was added by the second start');
    t.notMatch(second.stdout(), /first start/, 'nor does it say it created one');
    t.same(await stop(second), { code: 0, signal: null }, 'SIGTERM: exit 0');
    logs.push(second.stdout(), second.stderr());

    for (const [i, text] of logs.entries()) assertNoSecret(t, text, secrets, `service output ${i + 1}`);
  });
}

if (engines.includes('postgres')) {
  t.test('postgres: two services starting together on an empty database create one tenant', async (t) => {
    const dir = tempDir(t);
    const url = await createTestDatabase(t);
    const dirs = [path.join(dir, 'a'), path.join(dir, 'b')];
    const services = await Promise.all(dirs.map((d) => npmStart(t, { DATABASE_URL: url, DATA_DIR: d })));
    const files = dirs.flatMap((d) => keyFiles(d).map((f) => path.join(d, f)));
    t.equal(files.length, 1, 'one key file between the two data folders');
    const token = fs.readFileSync(path.join(dirs[0]!, 'operator-token'), 'utf8').trim();
    const list = await api(services[0]!.base, 'GET', '/v1/operator/tenants', { key: token });
    t.same(list.body.items.map((i: { id: string }) => i.id), ['county'], 'one tenant, the default id');
    const key = fs.readFileSync(files[0]!, 'utf8').trim();
    for (const s of services) t.equal((await api(s.base, 'GET', '/v1/tenant', { key })).status, 200, 'the key works on both');
    for (const s of services) await stop(s);
  });

  t.test('postgres: OPERATOR_TOKEN from the environment; no token file is written', async (t) => {
    const dir = tempDir(t);
    const dataDir = path.join(dir, 'data');
    const url = await createTestDatabase(t);
    const token = `op-env-${'x'.repeat(20)}-${Date.now()}`;
    const service = await npmStart(t, { DATABASE_URL: url, DATA_DIR: dataDir, OPERATOR_TOKEN: token, BOOTSTRAP: 'off' });
    t.notOk(fs.existsSync(path.join(dataDir, 'operator-token')), 'no operator-token file');
    t.same(keyFiles(dataDir), [], 'BOOTSTRAP=off: no tenant, no key file');
    t.match(await api(service.base, 'GET', '/v1/operator/tenants', { key: token }), { status: 200, body: { items: [] } }, 'the token works');
    // With DATABASE_URL the CLI opens the database itself, beside the service.
    const created = await cli(t, ['tenant', 'create', '--id', 'cli-county', '--name', '命令县'], { DATABASE_URL: url, DATA_DIR: dataDir });
    t.equal(created.code, 0, `tenant create exits 0 ${created.stderr}`);
    t.equal((await api(service.base, 'GET', '/v1/tenant', { key: JSON.parse(created.stdout).adminKey })).status, 200, 'its key works');
    await stop(service);
    assertNoSecret(t, service.stdout() + service.stderr(), [token, JSON.parse(created.stdout).adminKey], 'service output');
  });
}

