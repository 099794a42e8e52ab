import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// Files of DATA_DIR besides the embedded database. Secrets the service hands to its operator (the
// first admin key, a generated operator token) go into files only the service's user can read,
// never into a log line.

export class SecretFileExistsError extends Error {}

/** Creates DATA_DIR (private to the service's user when it is new). */
export function ensureDataDir(dataDir: string): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
}

/**
 * Writes `content` to `file` with mode 0600, only if no such file exists. The content goes into a
 * private temporary file first, which is then hard-linked to its name: link() fails when the name
 * is taken, so two processes racing never overwrite each other, and a reader never sees a half
 * written file. Throws SecretFileExistsError when the name is taken.
 */
export function writeSecretFile(file: string, content: string): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`);
  // 'wx' with mode 0600: created here, by us, readable by the service's user only (umask can only
  // take rights away).
  fs.writeFileSync(temp, content, { flag: 'wx', mode: 0o600 });
  try {
    fs.linkSync(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new SecretFileExistsError(`${file} exists`);
    throw err;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/** The file's content, or null when there is no such file. */
export function readSecretFile(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

// The running service's address, beside the embedded database's lock file: a CLI that finds the
// folder held by the service reaches the service through it instead of opening the folder.
export const SERVICE_FILE = 'service.json';

export interface ServiceAddress {
  pid: number;
  url: string;
}

export function writeServiceAddress(dataDir: string, address: ServiceAddress): () => void {
  const file = path.join(dataDir, SERVICE_FILE);
  fs.writeFileSync(file, `${JSON.stringify(address)}\n`, { mode: 0o600 });
  return () => {
    try {
      if ((JSON.parse(fs.readFileSync(file, 'utf8')) as ServiceAddress).pid === address.pid) fs.unlinkSync(file);
    } catch {
      // already gone
    }
  };
}

export function readServiceAddress(dataDir: string): ServiceAddress | null {
  const text = readSecretFile(path.join(dataDir, SERVICE_FILE));
  if (text === null) return null;
  try {
    const parsed = JSON.parse(text) as ServiceAddress;
    return Number.isInteger(parsed.pid) && typeof parsed.url === 'string' ? parsed : null;
  } catch {
    return null;
  }
}

/** The pid in the embedded database's lock file, or null. */
export function lockHolder(dataDir: string): number | null {
  const text = readSecretFile(path.join(dataDir, 'ledger.lock'));
  const pid = text === null ? Number.NaN : Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}
