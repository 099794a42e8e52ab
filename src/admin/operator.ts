import crypto from 'node:crypto';
import path from 'node:path';
import { sha256Hex } from '../config.js';
import { SecretFileExistsError, ensureDataDir, readSecretFile, writeSecretFile } from '../dataDir.js';

// The operator credential: it creates tenants and their keys through /v1/operator while the
// service runs. It is not a tenant key and no tenant key can do what it does. It comes from
// OPERATOR_TOKEN, or else from DATA_DIR/operator-token, which the first start generates. The
// service keeps only its SHA-256 (like a key's secret, 256 random bits need no slow hash).

export const OPERATOR_TOKEN_FILE = 'operator-token';

export function operatorTokenFile(dataDir: string): string {
  return path.join(dataDir, OPERATOR_TOKEN_FILE);
}

/**
 * The hash the service checks operator calls against: OPERATOR_TOKEN's (`envHash`) when set, else
 * that of the token in DATA_DIR/operator-token, generated now when there is none. `file` is set
 * when the token lives in that file, `generated` when this call wrote it.
 */
export function resolveOperatorToken(
  dataDir: string,
  envHash: string | null,
): { hash: string; file: string | null; generated: boolean } {
  if (envHash) return { hash: envHash, file: null, generated: false };
  const file = operatorTokenFile(dataDir);
  let token = readSecretFile(file)?.trim();
  let generated = false;
  if (!token) {
    ensureDataDir(dataDir);
    try {
      writeSecretFile(file, `op_${crypto.randomBytes(32).toString('base64url')}\n`);
      generated = true;
    } catch (err) {
      // Another process of the deployment wrote it first: use theirs.
      if (!(err instanceof SecretFileExistsError)) throw err;
    }
    token = readSecretFile(file)?.trim();
  }
  if (!token) throw new Error(`${file} is empty: delete it to have a new operator token generated`);
  return { hash: sha256Hex(token), file, generated };
}

/** The operator token a CLI sends to the service: OPERATOR_TOKEN, or the generated file's. */
export function operatorTokenForClient(dataDir: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.OPERATOR_TOKEN) return env.OPERATOR_TOKEN;
  return readSecretFile(operatorTokenFile(dataDir))?.trim() || null;
}

/** Whether `token` is the operator's, in constant time. */
export function isOperatorToken(expectedHash: string | null, token: string | undefined): boolean {
  if (!expectedHash || !token) return false;
  const expected = Buffer.from(expectedHash, 'hex');
  const given = Buffer.from(sha256Hex(token), 'hex');
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}
