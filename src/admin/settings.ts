import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { applyThresholds } from '../members/stars.js';
import { getSettings, lockSettings, type Settings, setAutoVerify, setOfflineSaleDays } from '../tenants/tenants.js';

/** New star thresholds re-rate every member at once; each member whose stars move gets a history row. */
export async function updateSettings(
  trx: Transaction<DB>,
  tenantId: string,
  changes: { autoVerify?: boolean | undefined; starThresholds?: string[] | undefined; offlineSaleDays?: number | undefined },
): Promise<Settings & { starsChanged: number }> {
  await lockSettings(trx, tenantId);
  if (changes.autoVerify !== undefined) await setAutoVerify(trx, tenantId, changes.autoVerify);
  if (changes.offlineSaleDays !== undefined) await setOfflineSaleDays(trx, tenantId, changes.offlineSaleDays);
  const starsChanged = changes.starThresholds ? await applyThresholds(trx, tenantId, changes.starThresholds) : 0;
  return { ...(await getSettings(trx, tenantId)), starsChanged };
}
