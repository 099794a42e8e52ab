import { type Kysely, sql, type Transaction } from 'kysely';
import { type ApiKey, createApiKey } from '../auth/apiKeys.js';
import type { DB } from '../db/schema.js';
import { byOperator, recordConfigChange } from '../changes/changes.js';
import { formatAmount, openLedger } from '../ledger/index.js';
import { createDefaultRule } from '../rules/rules.js';

// Tenants (县级中心): the repository of the tenants table, the tenant's settings columns included
// (automatic verification, star thresholds, the key of ID-number hashes). Other modules read those
// through the functions and SQL expressions below, never by naming the table.

export const TENANT_ID = /^[a-z][a-z0-9-]{1,39}$/;

export class TenantExistsError extends Error {}

/** Creates a tenant (county centre), its entry sequence, its first points rule and its first admin key. */
export async function createTenant(
  db: Kysely<DB>,
  input: { id: string; name: string },
): Promise<{ tenantId: string; adminKey: ApiKey & { key: string } }> {
  return db.transaction().execute((trx) => insertTenant(trx, input));
}

/** createTenant inside the caller's transaction (the first start adds its own steps to it). */
export async function insertTenant(
  trx: Transaction<DB>,
  input: { id: string; name: string },
): Promise<{ tenantId: string; adminKey: ApiKey & { key: string } }> {
  if (!TENANT_ID.test(input.id)) {
    throw new Error('a tenant id is 2-40 characters: a lower-case letter, then lower-case letters, digits or "-"');
  }
  const inserted = await trx
    .insertInto('tenants')
    .values({ tenant_id: input.id, name: input.name })
    .onConflict((oc) => oc.doNothing())
    .returning('tenant_id')
    .executeTakeFirst();
  if (!inserted) throw new TenantExistsError(`tenant ${input.id} already exists`);
  await openLedger(trx, input.id);
  await createDefaultRule(trx, input.id);
  const adminKey = await createApiKey(trx, input.id, { name: 'first admin key', role: 'admin' });
  await recordConfigChange(trx, byOperator(input.id), 'tenant.created', { id: input.id, name: input.name, pointsRuleVersion: 1, adminKey });
  return { tenantId: input.id, adminKey };
}

export interface TenantSummary {
  id: string;
  name: string;
  createdAt: string;
}

export async function listTenants(db: Kysely<DB>): Promise<TenantSummary[]> {
  const rows = await db.selectFrom('tenants').select(['tenant_id', 'name', 'created_at']).orderBy('tenant_id').execute();
  return rows.map((r) => ({ id: r.tenant_id, name: r.name, createdAt: new Date(r.created_at).toISOString() }));
}

export async function tenantExists(db: Kysely<DB>, tenantId: string): Promise<boolean> {
  return (await db.selectFrom('tenants').select('tenant_id').where('tenant_id', '=', tenantId).executeTakeFirst()) !== undefined;
}

/** Whether the database holds any tenant at all (a first start creates one when not). */
export async function anyTenant(db: Kysely<DB>): Promise<boolean> {
  return (await db.selectFrom('tenants').select('tenant_id').limit(1).executeTakeFirst()) !== undefined;
}

export async function tenantName(db: Kysely<DB>, tenantId: string): Promise<string> {
  return (await db.selectFrom('tenants').select('name').where('tenant_id', '=', tenantId).executeTakeFirstOrThrow()).name;
}

export interface Settings {
  autoVerify: boolean;
  starThresholds: string[];
  offlineSaleDays: number;
  /** Hours a year each member is asked to give (participation reports: the share reaching it). */
  yearlyGoalHours: string;
}

export async function getSettings(db: Kysely<DB>, tenantId: string): Promise<Settings> {
  const row = await db
    .selectFrom('tenants')
    .select(['auto_verify', 'star_thresholds', 'offline_sale_days', 'yearly_goal_hours'])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow();
  return { autoVerify: row.auto_verify, starThresholds: row.star_thresholds.map((t) => formatAmount(t)), offlineSaleDays: row.offline_sale_days, yearlyGoalHours: formatAmount(row.yearly_goal_hours) };
}

/**
 * Serialises changes of a tenant's settings. NO KEY UPDATE: it leaves alone the KEY SHARE lock that
 * the foreign key of every row a write inserts takes on its tenant. A FOR UPDATE here would make
 * that write, holding its member's row, wait for this transaction, which goes on to lock every
 * member: a deadlock (found by test/faults/deadlock.test.ts, case A).
 */
export async function lockSettings(trx: Transaction<DB>, tenantId: string): Promise<void> {
  await trx.selectFrom('tenants').select('tenant_id').where('tenant_id', '=', tenantId).forNoKeyUpdate().executeTakeFirstOrThrow();
}

export async function setAutoVerify(trx: Transaction<DB>, tenantId: string, autoVerify: boolean): Promise<void> {
  await trx.updateTable('tenants').set({ auto_verify: autoVerify }).where('tenant_id', '=', tenantId).execute();
}

export async function setOfflineSaleDays(trx: Transaction<DB>, tenantId: string, days: number): Promise<void> {
  await trx.updateTable('tenants').set({ offline_sale_days: days }).where('tenant_id', '=', tenantId).execute();
}

export async function setYearlyGoalHours(trx: Transaction<DB>, tenantId: string, hours: string): Promise<void> {
  await trx.updateTable('tenants').set({ yearly_goal_hours: hours }).where('tenant_id', '=', tenantId).execute();
}

export async function setStarThresholds(trx: Transaction<DB>, tenantId: string, thresholds: string[]): Promise<void> {
  await trx.updateTable('tenants').set({ star_thresholds: thresholds }).where('tenant_id', '=', tenantId).execute();
}

/** The tenant's key for ID-number hashes (hex), which never leaves the service. */
export async function idNumberKey(db: Kysely<DB>, tenantId: string): Promise<string> {
  return (await db.selectFrom('tenants').select('id_number_key').where('tenant_id', '=', tenantId).executeTakeFirstOrThrow()).id_number_key;
}

// For statements of other modules that read a setting together with their own rows (one round
// trip on a hot path): the setting as an SQL expression, so the tenants table is named only here.

/** The tenant's star thresholds (text[] of hours), as an SQL expression. */
export function starThresholdsSql(tenantId: string | ReturnType<typeof sql.ref>) {
  return sql<string[]>`(SELECT t.star_thresholds::text[] FROM tenants t WHERE t.tenant_id = ${tenantId})`;
}

/** Whether the tenant verifies every record on submission, as an SQL expression. */
export function autoVerifySql(tenantId: string | ReturnType<typeof sql.ref>) {
  return sql<boolean>`(SELECT t.auto_verify FROM tenants t WHERE t.tenant_id = ${tenantId})`;
}
