// One embedded database with every migration applied, dumped once (PGlite's dumpDataDir, an
// uncompressed tar of its data folder) and shared by the test processes: a fresh cluster (initdb
// in WebAssembly) costs about 5 s of CPU on an idle machine and 10 s on a busy one, loading or
// unpacking this copy a fraction of that, and the suite opens hundreds.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import { migrateToLatest } from '../../src/db/migrate.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

let file: Promise<string> | null = null;

/**
 * The dump's path: one file per set of migrations and PGlite version, in the temp folder (written
 * under another name, then renamed: a reader never sees half of one). Whoever opens a copy still
 * runs the migrator on it, which finds nothing to do.
 */
export function migratedPgliteFile(): Promise<string> {
  file ??= (async () => {
    const hash = crypto.createHash('sha256');
    const dir = path.join(ROOT, 'migrations');
    for (const f of fs.readdirSync(dir).sort()) hash.update(f).update(fs.readFileSync(path.join(dir, f)));
    hash.update(fs.readFileSync(path.join(ROOT, 'node_modules/@electric-sql/pglite/package.json')));
    const target = path.join(os.tmpdir(), `ledger-test-pglite-${hash.digest('hex').slice(0, 16)}.tar`);
    if (fs.existsSync(target)) return target;
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGliteDialect } = await import('kysely-pglite-dialect');
    const pglite = await PGlite.create();
    const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
    await migrateToLatest(db);
    const dump = await pglite.dumpDataDir('none');
    await db.destroy();
    const temp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(temp, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(temp, target);
    return target;
  })();
  return file;
}

let blob: Promise<Blob> | null = null;

/**
 * The dump, for PGlite's loadDataDir (an in-memory database that starts as its copy): read once
 * per test process, as each of its databases starts from the same bytes.
 */
export function migratedPglite(): Promise<Blob> {
  blob ??= migratedPgliteFile().then((tar) => new Blob([fs.readFileSync(tar)]));
  return blob;
}

/**
 * Fills `dataDir` (made if missing) with an unpacked copy of the dump: the embedded database a
 * service or CLI process then opens there as if an earlier start had made it, migrated and with
 * no tenant yet. For process tests whose subject is not the first initdb; a real first start stays
 * tested (test/cli.test.ts's migrate, the README's `npm start` in test/process.test.ts, and
 * .ci/run's walkthrough on the embedded engine).
 */
export async function migratedDataDir(dataDir: string): Promise<string> {
  const tar = await migratedPgliteFile();
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // The dump's entries are absolute (/base/…); tar stores them relative to -C.
  const res = spawnSync('tar', ['-xf', tar, '-C', dataDir], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`unpacking ${tar} into ${dataDir}: ${res.stderr || res.error}`);
  return dataDir;
}
