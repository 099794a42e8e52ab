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
  await trx.selectFrom('tenants').select('tenant_id').where('tenant_id', '=', tenantId).forUpdate().executeTakeFirstOrThrow();
  if (changes.autoVerify !== undefined) {
    await trx.updateTable('tenants').set({ auto_verify: changes.autoVerify }).where('tenant_id', '=', tenantId).execute();
  }
  const starsChanged = changes.starThresholds ? await applyThresholds(trx, tenantId, changes.starThresholds) : 0;
  return { ...(await getSettings(trx, tenantId)), starsChanged };
}
