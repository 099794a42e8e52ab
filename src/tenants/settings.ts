import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { formatAmount } from '../ledger/amount.js';
import { applyThresholds } from '../members/stars.js';

export interface Settings {
  autoVerify: boolean;
  starThresholds: string[];
}

export async function getSettings(db: Kysely<DB>, tenantId: string): Promise<Settings> {
  const row = await db
    .selectFrom('tenants')
    .select(['auto_verify', 'star_thresholds'])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow();
  return { autoVerify: row.auto_verify, starThresholds: row.star_thresholds.map((t) => formatAmount(t)) };
}

/** New star thresholds re-rate every member at once; each member whose stars move gets a history row. */
export async function updateSettings(
  trx: Transaction<DB>,
  tenantId: string,
  changes: { autoVerify?: boolean | undefined; starThresholds?: string[] | undefined },
): Promise<Settings & { starsChanged: number }> {
  // NO KEY UPDATE: it still serialises changes of settings, but leaves alone the KEY SHARE lock
  // that the foreign key of every row a write inserts takes on its tenant. A FOR UPDATE here
  // would make that write, holding its member's row, wait for this transaction, which goes on to
  // lock every member: a deadlock (found by test/faults/deadlock.test.ts, case A).
  await trx.selectFrom('tenants').select('tenant_id').where('tenant_id', '=', tenantId).forNoKeyUpdate().executeTakeFirstOrThrow();
  if (changes.autoVerify !== undefined) {
    await trx.updateTable('tenants').set({ auto_verify: changes.autoVerify }).where('tenant_id', '=', tenantId).execute();
  }
  const starsChanged = changes.starThresholds ? await applyThresholds(trx, tenantId, changes.starThresholds) : 0;
  return { ...(await getSettings(trx, tenantId)), starsChanged };
}
