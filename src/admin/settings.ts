import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { applyThresholds } from '../members/stars.js';
import { type ExpiryPolicy, getExpiryPolicy, type NewExpiryPolicy, setExpiryPolicy } from '../ledger/index.js';
import { getSettings, lockSettings, type Settings, setAutoVerify, setOfflineSaleDays, setYearlyGoalHours } from '../tenants/tenants.js';

/** The tenant's settings with its points expiry policy (kept by the ledger, versioned). */
export async function readSettings(db: Kysely<DB>, tenantId: string): Promise<Settings & { pointsExpiry: ExpiryPolicy }> {
  return { ...(await getSettings(db, tenantId)), pointsExpiry: await getExpiryPolicy(db, tenantId) };
}

/** New star thresholds re-rate every member at once; each member whose stars move gets a history row. */
export async function updateSettings(
  trx: Transaction<DB>,
  tenantId: string,
  changes: {
    autoVerify?: boolean | undefined;
    starThresholds?: string[] | undefined;
    offlineSaleDays?: number | undefined;
    yearlyGoalHours?: string | undefined;
    pointsExpiry?: NewExpiryPolicy | undefined;
  },
  actor: string,
): Promise<Settings & { pointsExpiry: ExpiryPolicy; starsChanged: number }> {
  await lockSettings(trx, tenantId);
  if (changes.autoVerify !== undefined) await setAutoVerify(trx, tenantId, changes.autoVerify);
  if (changes.offlineSaleDays !== undefined) await setOfflineSaleDays(trx, tenantId, changes.offlineSaleDays);
  if (changes.yearlyGoalHours !== undefined) await setYearlyGoalHours(trx, tenantId, changes.yearlyGoalHours);
  // A new policy version dates the points credited from now on; open lots keep their dates.
  if (changes.pointsExpiry !== undefined) await setExpiryPolicy(trx, tenantId, changes.pointsExpiry, actor);
  const starsChanged = changes.starThresholds ? await applyThresholds(trx, tenantId, changes.starThresholds) : 0;
  return { ...(await readSettings(trx, tenantId)), starsChanged };
}
