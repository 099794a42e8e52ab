import fs from 'node:fs';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import { SecretFileExistsError, ensureDataDir, writeSecretFile } from '../dataDir.js';
import type { DB } from '../db/schema.js';
import { anyTenant, insertTenant } from './tenants.js';

// The first start on an empty database creates a tenant and hands its admin key to the operator
// in a file, so a new install is usable without stopping the service to run the CLI.

/** Any number will do as long as nothing else of this database takes the same advisory lock. */
const BOOTSTRAP_LOCK = 7_304_211_021;

export interface Bootstrapped {
  tenantId: string;
  keyFile: string;
}

/**
 * Creates `tenant` when the database has no tenant at all, and writes its admin key to
 * DATA_DIR/admin-key.<tenant> (or admin-key.<tenant>.<keyId> when an earlier file has that name:
 * a secret is never overwritten). Returns null when a tenant exists. Services starting together
 * on one Postgres database queue on a transaction-level advisory lock: one creates the tenant, the
 * others find it. The key file is written before the commit and removed if the commit fails, so a
 * tenant never exists with a key nobody has.
 */
export async function bootstrapTenant(
  db: Kysely<DB>,
  tenant: { id: string; name: string },
  dataDir: string,
): Promise<Bootstrapped | null> {
  let written: string | null = null;
  try {
    return await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK}::bigint)`.execute(trx);
      if (await anyTenant(trx)) return null;
      const created = await insertTenant(trx, tenant);
      ensureDataDir(dataDir);
      const content = `${created.adminKey.key}\n`;
      const plain = path.join(dataDir, `admin-key.${tenant.id}`);
      try {
        writeSecretFile(plain, content);
        written = plain;
      } catch (err) {
        if (!(err instanceof SecretFileExistsError)) throw err;
        const unique = `${plain}.${created.adminKey.id}`;
        writeSecretFile(unique, content);
        written = unique;
      }
      return { tenantId: created.tenantId, keyFile: written };
    });
  } catch (err) {
    if (written) fs.rmSync(written, { force: true });
    throw err;
  }
}
