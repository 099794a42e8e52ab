import crypto from 'node:crypto';
import path from 'node:path';
import { type Kysely, sql, type Transaction } from 'kysely';
import { ensureDataDir, readSecretFile, SecretFileExistsError, writeSecretFile } from '../dataDir.js';
import type { DB } from '../db/schema.js';
import { sha256 } from './canonical.js';

// Each tenant's Ed25519 signing keys (table integrity_signing_keys). The private key is stored
// only sealed with AES-256-GCM, under a key derived (HKDF-SHA256, per tenant) from the signing
// secret: SIGNING_KEY_SECRET, or else DATA_DIR/signing-key-secret, which the first start
// generates (256 random bits, mode 0600). A database dump alone therefore signs nothing. The
// public keys are published with their validity; a key is retired once, when the next one takes
// over (rotation), and blocks sealed before keep verifying against it.

export const SIGNING_SECRET_FILE = 'signing-key-secret';
/** Validity times are spelled as the canonical form spells times (UTC, microseconds). */
const UTC_MICROS = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

export class SigningKeyError extends Error {}

/**
 * The signing secret: SIGNING_KEY_SECRET when set, else DATA_DIR/signing-key-secret, generated now
 * when there is none (two processes racing both end up with the one that was written first).
 */
export function resolveSigningSecret(dataDir: string, envSecret: string | null): { secret: string; file: string | null; generated: boolean } {
  if (envSecret) return { secret: envSecret, file: null, generated: false };
  const file = path.join(dataDir, SIGNING_SECRET_FILE);
  let secret = readSecretFile(file)?.trim();
  let generated = false;
  if (!secret) {
    ensureDataDir(dataDir);
    try {
      writeSecretFile(file, `${crypto.randomBytes(32).toString('base64url')}\n`);
      generated = true;
    } catch (err) {
      if (!(err instanceof SecretFileExistsError)) throw err;
    }
    secret = readSecretFile(file)?.trim();
  }
  if (!secret) throw new SigningKeyError(`${file} is empty: delete it to have a new signing secret generated (keys sealed under the old one are then lost)`);
  return { secret, file, generated };
}

export interface PublicKeyInfo {
  keyId: string;
  algorithm: 'Ed25519';
  /** The raw 32-byte Ed25519 public key (RFC 8032), base64. */
  publicKey: string;
  /** The same key as a PEM SubjectPublicKeyInfo, for openssl and most crypto libraries. */
  publicKeyPem: string;
  validFrom: string;
  /** null: the current key. */
  validUntil: string | null;
}

/** The key id of a raw public key: the first 16 hex digits of its SHA-256. */
export function keyIdOf(rawPublicKey: Buffer): string {
  return sha256(rawPublicKey).toString('hex').slice(0, 16);
}

export function publicKeyFromRaw(base64: string): crypto.KeyObject {
  return crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(base64, 'base64').toString('base64url') }, format: 'jwk' });
}

function rawPublicKey(key: crypto.KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(String(jwk.x), 'base64url');
}

/** Seals and opens tenants' private keys with the signing secret; keeps opened keys in memory. */
export class Signer {
  private readonly opened = new Map<string, crypto.KeyObject>();

  constructor(private readonly secret: string) {}

  private keyFor(tenantId: string): Buffer {
    return Buffer.from(crypto.hkdfSync('sha256', Buffer.from(this.secret, 'utf8'), 'civic-points-ledger signing keys v1', tenantId, 32));
  }

  seal(tenantId: string, keyId: string, privateKey: crypto.KeyObject): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.keyFor(tenantId), iv);
    // Bound to its row: a sealed key copied to another tenant or key id does not open.
    cipher.setAAD(Buffer.from(`${tenantId}/${keyId}`, 'utf8'));
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    const body = Buffer.concat([cipher.update(der), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  open(tenantId: string, keyId: string, sealed: string): crypto.KeyObject {
    const cacheKey = `${tenantId}/${keyId}`;
    const cached = this.opened.get(cacheKey);
    if (cached) return cached;
    const [version, iv, tag, body] = sealed.split('.');
    try {
      if (version !== 'v1' || !iv || !tag || !body) throw new Error('unknown format');
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.keyFor(tenantId), Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(cacheKey, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const der = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
      const key = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      this.opened.set(cacheKey, key);
      return key;
    } catch {
      throw new SigningKeyError(
        `the signing key ${keyId} of tenant ${tenantId} does not open with this process's signing secret: ` +
          'every process of a deployment needs the same SIGNING_KEY_SECRET (or the same DATA_DIR/signing-key-secret)',
      );
    }
  }
}

export interface SigningKey {
  keyId: string;
  privateKey: crypto.KeyObject;
}

/**
 * Keeps sealers and rotations of one tenant apart (one at a time, across processes). Held to the
 * end of the caller's transaction.
 */
export const SEAL_LOCK_CLASS = 22022;

export async function lockTenant(trx: Transaction<DB>, tenantId: string, wait: boolean): Promise<boolean> {
  if (wait) {
    await sql`SELECT pg_advisory_xact_lock(${SEAL_LOCK_CLASS}, hashtext(${tenantId}))`.execute(trx);
    return true;
  }
  const r = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${SEAL_LOCK_CLASS}, hashtext(${tenantId})) AS ok`.execute(trx);
  return r.rows[0]!.ok;
}

async function insertKey(trx: Transaction<DB>, signer: Signer, tenantId: string, validFrom: string | null): Promise<SigningKey> {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const raw = rawPublicKey(publicKey);
  const keyId = keyIdOf(raw);
  await sql`INSERT INTO integrity_signing_keys (tenant_id, key_id, public_key, private_key_sealed, valid_from)
    VALUES (${tenantId}, ${keyId}, ${raw.toString('base64')}, ${signer.seal(tenantId, keyId, privateKey)},
            coalesce(${validFrom}::timestamptz, clock_timestamp()))`.execute(trx);
  return { keyId, privateKey };
}

/**
 * The tenant's current signing key, made now when it has none. The caller holds the tenant's
 * lock (lockTenant), so two processes never make a first key each.
 */
export async function currentSigningKey(trx: Transaction<DB>, signer: Signer, tenantId: string): Promise<SigningKey> {
  const row = await sql<{ key_id: string; private_key_sealed: string }>`SELECT key_id, private_key_sealed FROM integrity_signing_keys
    WHERE tenant_id = ${tenantId} AND valid_until IS NULL`.execute(trx);
  const current = row.rows[0];
  if (current) return { keyId: current.key_id, privateKey: signer.open(tenantId, current.key_id, current.private_key_sealed) };
  return insertKey(trx, signer, tenantId, null);
}

/**
 * Retires the tenant's current key (valid until now) and makes the next one, valid from the same
 * instant; the first key when it has none. Waits for a sealer of the tenant to finish.
 */
export async function rotateSigningKey(db: Kysely<DB>, signer: Signer, tenantId: string): Promise<{ retired: string | null; current: string }> {
  return db.transaction().execute(async (trx) => {
    await lockTenant(trx, tenantId, true);
    const retired = await sql<{ key_id: string; valid_until: string }>`UPDATE integrity_signing_keys SET valid_until = clock_timestamp()
      WHERE tenant_id = ${tenantId} AND valid_until IS NULL RETURNING key_id, valid_until::text`.execute(trx);
    const old = retired.rows[0];
    const next = await insertKey(trx, signer, tenantId, old?.valid_until ?? null);
    return { retired: old?.key_id ?? null, current: next.keyId };
  });
}

/** The tenant's public keys, oldest first, each with its validity. */
export async function listPublicKeys(db: Kysely<DB>, tenantId: string): Promise<PublicKeyInfo[]> {
  const rows = await sql<{ key_id: string; public_key: string; valid_from: string; valid_until: string | null }>`
    SELECT key_id, public_key,
      to_char(valid_from AT TIME ZONE 'UTC', ${sql.raw(UTC_MICROS)}) AS valid_from,
      to_char(valid_until AT TIME ZONE 'UTC', ${sql.raw(UTC_MICROS)}) AS valid_until
    FROM integrity_signing_keys WHERE tenant_id = ${tenantId} ORDER BY valid_from, key_id`.execute(db);
  return rows.rows.map((r) => ({
    keyId: r.key_id,
    algorithm: 'Ed25519',
    publicKey: r.public_key,
    publicKeyPem: String(publicKeyFromRaw(r.public_key).export({ format: 'pem', type: 'spki' })),
    validFrom: r.valid_from,
    validUntil: r.valid_until,
  }));
}
