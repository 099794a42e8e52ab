import { type Kysely, sql, type Transaction } from 'kysely';
import { type Caller, inOrgUnitScope, type OrgUnitScope, orgUnitSubtree } from '../auth/caller.js';
import type { DB } from '../db/schema.js';
import { createAccount, issuanceAccount } from '../ledger/index.js';
import { DomainError } from '../problems.js';
import { autoVerifySql } from '../tenants/tenants.js';

// Org units (中心 → 所 → 站 → 点): the repository of org_units and the rules of the hierarchy.

// The tenant's hierarchy: center (中心) → institute (所) → station (站) → point (点).
export const OrgUnitKinds = ['center', 'institute', 'station', 'point'] as const;
export type OrgUnitKind = (typeof OrgUnitKinds)[number];

/** Balance slots of an org unit's issuance accounts: every award debits one, so they are hot. */
export const ISSUANCE_SLOTS = 16;

export interface OrgUnit {
  id: string;
  kind: OrgUnitKind;
  parentId: string | null;
  name: string;
  active: boolean;
  autoVerify: boolean;
  /** Residents of the unit's area, where known: participation reports give a rate against it. */
  population: number | null;
  createdAt: string;
  deactivatedAt: string | null;
}

/** An org unit as a write sees it: its own flags plus what it inherits from its ancestors. */
export interface OrgUnitForWrite extends OrgUnit {
  path: string;
  /** False when the unit or any unit above it is deactivated. */
  effectivelyActive: boolean;
  /** True when the tenant, the unit or any unit above it verifies records automatically. */
  inheritsAutoVerify: boolean;
}

type Row = {
  org_unit_id: string;
  kind: OrgUnitKind;
  parent_id: string | null;
  path: string;
  name: string;
  active: boolean;
  auto_verify: boolean;
  population: number | null;
  created_at: Date;
  deactivated_at: Date | null;
};

const COLUMNS = ['org_unit_id', 'kind', 'parent_id', 'path', 'name', 'active', 'auto_verify', 'population', 'created_at', 'deactivated_at'] as const;

function toOrgUnit(r: Row): OrgUnit {
  return {
    id: r.org_unit_id,
    kind: r.kind,
    parentId: r.parent_id,
    name: r.name,
    active: r.active,
    autoVerify: r.auto_verify,
    population: r.population ?? null,
    createdAt: new Date(r.created_at).toISOString(),
    deactivatedAt: r.deactivated_at ? new Date(r.deactivated_at).toISOString() : null,
  };
}

export async function findOrgUnit(db: Kysely<DB>, tenantId: string, orgUnitId: string): Promise<(OrgUnit & { path: string }) | null> {
  const row = await db
    .selectFrom('org_units')
    .select(COLUMNS)
    .where('tenant_id', '=', tenantId)
    .where('org_unit_id', '=', orgUnitId)
    .executeTakeFirst();
  return row ? { ...toOrgUnit(row), path: row.path } : null;
}

/** The scope of a key that acts for this unit (and the units under it). */
export async function orgUnitScope(db: Kysely<DB>, tenantId: string, orgUnitId: string): Promise<OrgUnitScope> {
  const unit = await findOrgUnit(db, tenantId, orgUnitId);
  if (!unit) throw new DomainError('org_unit_not_found', { orgUnitId });
  return { kind: 'orgUnit', orgUnitId: unit.id, path: unit.path };
}

/**
 * A scoped key may act on a unit found at `path` (it and the units under it): refused as out of
 * scope otherwise, and for a unit that does not exist (null), so a scoped key learns nothing of
 * units outside its subtree.
 */
export function checkInScope(caller: Caller, orgUnitId: string, path: string | null): void {
  if (caller.scope === null) return;
  if (path === null || !inOrgUnitScope(caller.scope, path)) throw new DomainError('org_unit_out_of_scope', { orgUnitId });
}

/** checkInScope for a unit by id (one read, skipped for a key of the whole tenant). */
export async function authorizeOrgUnit(db: Kysely<DB>, caller: Caller, orgUnitId: string): Promise<void> {
  if (caller.scope === null) return;
  checkInScope(caller, orgUnitId, (await findOrgUnit(db, caller.tenantId, orgUnitId))?.path ?? null);
}

export async function createOrgUnit(
  trx: Transaction<DB>,
  tenantId: string,
  input: { id: string; kind: OrgUnitKind; parentId?: string | null; name: string; autoVerify?: boolean; population?: number | null | undefined },
): Promise<OrgUnit> {
  const parentId = input.parentId ?? null;
  const parent = parentId === null ? null : await withInheritance(trx, tenantId, parentId);
  if (parentId !== null && !parent) throw new DomainError('org_unit_not_found', { orgUnitId: parentId });
  // A center is the root; every other unit sits strictly below its parent's level, and only under
  // a parent that takes new work (it and every unit above it active).
  const placed =
    input.kind === 'center'
      ? parent === null
      : parent !== null && OrgUnitKinds.indexOf(parent.kind) < OrgUnitKinds.indexOf(input.kind) && parent.effectivelyActive;
  if (!placed) throw new DomainError('invalid_parent', { kind: input.kind, parentKind: parent?.kind ?? null });
  const path = `${parent?.path ?? '/'}${input.id}/`;
  const row = await trx
    .insertInto('org_units')
    .values({
      tenant_id: tenantId,
      org_unit_id: input.id,
      kind: input.kind,
      parent_id: parentId,
      path,
      name: input.name,
      auto_verify: input.autoVerify ?? false,
      population: input.population ?? null,
    })
    .onConflict((oc) => oc.doNothing())
    .returning(COLUMNS)
    .executeTakeFirst();
  if (!row) throw new DomainError('org_unit_exists', { orgUnitId: input.id });
  // Each unit issues hours and points from its own accounts, so awards at different units never
  // touch the same row; the slots spread one unit's concurrent awards over several rows.
  for (const [unit, account] of [['HOURS', 'hours'], ['POINTS', 'points']] as const) {
    await createAccount(trx, tenantId, {
      id: issuanceAccount(input.id, account),
      unit,
      type: 'issuance',
      allowNegative: true,
      slots: ISSUANCE_SLOTS,
      name: `${input.name} ${account} issuance`,
    });
  }
  return toOrgUnit(row);
}

/**
 * The ids of the units at and under `path`, as a subquery: a statement of another module that
 * filters its rows by an org-unit subtree uses it with IN.
 */
export function unitsUnderSql(tenantId: string, path: string) {
  return sql<string>`(SELECT u.org_unit_id FROM org_units u WHERE u.tenant_id = ${tenantId} AND u.path LIKE ${`${path}%`})`;
}

/** The units a caller may see: all of the tenant, or the scoped key's unit and what is under it. */
export async function listOrgUnits(db: Kysely<DB>, caller: Caller): Promise<OrgUnit[]> {
  const subtree = orgUnitSubtree(caller);
  let query = db.selectFrom('org_units').select(COLUMNS).where('tenant_id', '=', caller.tenantId);
  if (subtree !== null) query = query.where('path', 'like', `${subtree}%`);
  const rows = await query.orderBy('path').execute();
  return rows.map(toOrgUnit);
}

export async function getOrgUnit(db: Kysely<DB>, caller: Caller, orgUnitId: string): Promise<OrgUnit> {
  const unit = await findOrgUnit(db, caller.tenantId, orgUnitId);
  if (!unit) throw new DomainError('org_unit_not_found', { orgUnitId });
  if (!inOrgUnitScope(caller.scope, unit.path)) throw new DomainError('org_unit_out_of_scope', { orgUnitId });
  return toPublic(unit);
}

function toPublic(unit: OrgUnit & { path: string }): OrgUnit {
  const { path: _path, ...rest } = unit;
  return rest;
}

export async function updateOrgUnit(
  trx: Transaction<DB>,
  tenantId: string,
  orgUnitId: string,
  changes: { name?: string | undefined; autoVerify?: boolean | undefined; population?: number | null | undefined; active?: false | undefined },
): Promise<OrgUnit> {
  if (changes.name === undefined && changes.autoVerify === undefined && changes.population === undefined && changes.active === undefined) {
    // Nothing to change: answer with the unit as it is.
    const unit = await findOrgUnit(trx, tenantId, orgUnitId);
    if (!unit) throw new DomainError('org_unit_not_found', { orgUnitId });
    return toPublic(unit);
  }
  const row = await trx
    .updateTable('org_units')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.autoVerify !== undefined ? { auto_verify: changes.autoVerify } : {}),
      ...(changes.population !== undefined ? { population: changes.population } : {}),
      // Deactivated, never deleted: records and accounts keep pointing at the unit.
      ...(changes.active === false ? { active: false, deactivated_at: sql`coalesce(deactivated_at, now())` } : {}),
    })
    .where('tenant_id', '=', tenantId)
    .where('org_unit_id', '=', orgUnitId)
    .returning(COLUMNS)
    .executeTakeFirst();
  if (!row) throw new DomainError('org_unit_not_found', { orgUnitId });
  return toOrgUnit(row);
}

/**
 * The org unit a write acts for, checked against the caller's scope, with what it inherits from
 * the units above it (deactivation, automatic verification).
 */
export async function orgUnitForWrite(db: Kysely<DB>, caller: Caller, orgUnitId: string): Promise<OrgUnitForWrite> {
  return checkForWrite(caller, orgUnitId, await withInheritance(db, caller.tenantId, orgUnitId));
}

/** The checks of orgUnitForWrite, for a unit read by a query that did more (see submission). */
export function checkForWrite(caller: Caller, orgUnitId: string, unit: OrgUnitForWrite | null): OrgUnitForWrite {
  if (!unit) throw new DomainError('org_unit_not_found', { orgUnitId });
  if (!inOrgUnitScope(caller.scope, unit.path)) throw new DomainError('org_unit_out_of_scope', { orgUnitId });
  return unit;
}

/** One unit with what it inherits (withInheritanceQuery), or null when there is none. */
async function withInheritance(db: Kysely<DB>, tenantId: string, orgUnitId: string): Promise<OrgUnitForWrite | null> {
  const row = await withInheritanceQuery(db, tenantId, [orgUnitId]).executeTakeFirst();
  return row ? toOrgUnitForWrite(row) : null;
}

export type InheritanceRow = Row & { all_active: boolean; any_auto_verify: boolean };

export function toOrgUnitForWrite(row: InheritanceRow): OrgUnitForWrite {
  return { ...toOrgUnit(row), path: row.path, effectivelyActive: row.all_active, inheritsAutoVerify: row.any_auto_verify };
}

/**
 * Units with what each inherits from the units above it (the paths that prefix its own) and the
 * tenant's setting, as one query. Every record posted asks this, so it is on the hot path.
 */
export function withInheritanceQuery(db: Kysely<DB>, tenantId: string, orgUnitIds: string[]) {
  return db
    .selectFrom('org_units as u')
    .select(COLUMNS.map((c) => `u.${c}` as const))
    .select([
      sql<boolean>`(SELECT bool_and(a.active) FROM org_units a WHERE a.tenant_id = u.tenant_id AND u.path LIKE a.path || '%')`.as('all_active'),
      sql<boolean>`${autoVerifySql(sql.ref('u.tenant_id'))} OR (SELECT bool_or(a.auto_verify) FROM org_units a WHERE a.tenant_id = u.tenant_id AND u.path LIKE a.path || '%')`.as(
        'any_auto_verify',
      ),
    ])
    .where('u.tenant_id', '=', tenantId)
    .where('u.org_unit_id', 'in', orgUnitIds);
}
