import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { createTenant, TENANT_ID, tenantExists } from '../tenants/tenants.js';
import { type DemoProgress, type DemoResult, fillDemo } from './fill.js';

/** The tenant `npm run cli -- demo` fills when none is named; created (with its first admin key) when missing. */
export const DEFAULT_DEMO_TENANT = { id: 'demo', name: '示范县' };

export class DemoCommandError extends Error {}

/**
 * `npm run cli -- demo [--tenant T] [--force]`, directly on the database. Without --tenant it
 * fills tenant "demo", creating it first when there is none (the answer then carries its admin
 * key, shown this once); a named tenant must exist, so a typo never creates a tenant.
 */
export async function demoCommand(
  db: Kysely<DB>,
  opts: { tenant?: string | undefined; force?: boolean | undefined; onProgress?: DemoProgress | undefined },
): Promise<DemoResult & { adminKey?: string }> {
  const tenantId = opts.tenant ?? DEFAULT_DEMO_TENANT.id;
  if (!TENANT_ID.test(tenantId)) throw new DemoCommandError(`not a tenant id: ${tenantId}`);
  let adminKey: string | undefined;
  if (!(await tenantExists(db, tenantId))) {
    if (opts.tenant !== undefined) throw new DemoCommandError(`tenant ${tenantId} does not exist (create it with: npm run cli -- tenant create)`);
    adminKey = (await createTenant(db, DEFAULT_DEMO_TENANT)).adminKey.key;
  }
  const result = await fillDemo(db, tenantId, { force: opts.force, onProgress: opts.onProgress });
  return adminKey ? { ...result, adminKey } : result;
}
