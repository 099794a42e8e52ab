import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

// Changes of configuration (who, when, what), for the event feed. Every piece of code that changes
// configuration calls recordConfigChange once, in the transaction that makes the change, so the
// change and its record commit together or not at all. It returns what it was given, so a route
// wraps its call in it without another line:
//
//   body: await recordConfigChange(trx, caller, 'orgUnit.created', await createOrgUnit(trx, …)),
//
// A new kind of configuration (markets, catalogue items, terminals: the supermarket) needs nothing
// here but that one call: its subject type is the action's first word, its id the subject's `id`,
// its org unit the subject's `orgUnitId` (for keys scoped to an org unit, src/events/view.ts).

/** What configuration is about: the first word of an action. */
export const ConfigSubjects = ['tenant', 'settings', 'pointsRule', 'orgUnit', 'apiKey', 'market', 'catalogItem', 'terminal'] as const;
export type ConfigSubject = (typeof ConfigSubjects)[number];

/** `<subject>.<verb>`: orgUnit.created, orgUnit.updated, orgUnit.deactivated, apiKey.revoked, … */
export type ConfigAction = `${ConfigSubject}.${string}`;

/** Who changes configuration: an API key's caller (`keyId`), or the operator (byOperator). */
export interface ConfigActor {
  tenantId: string;
  keyId: string;
}

/** The actor of what the operator does: its token's routes, the CLI on the database, the first start. */
export const OPERATOR = 'operator';
export function byOperator(tenantId: string): ConfigActor {
  return { tenantId, keyId: OPERATOR };
}

// Fields that hold a secret (a new key's `key`, a terminal's credential) are never recorded, at
// any depth: the feed shows that a key was made, never the key.
const SECRET_FIELDS = new Set(['key', 'secret', 'token', 'password']);

function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k, v]) => !SECRET_FIELDS.has(k) && v !== undefined)
      .map(([k, v]) => [k, withoutSecrets(v)]),
  );
}

// Outcomes of a change that are not configuration (members re-rated by new star thresholds).
const NOT_CONFIGURATION: Partial<Record<ConfigSubject, readonly string[]>> = { settings: ['starsChanged'] };

/** The id and org unit a subject names, by its type. */
function subjectOf(type: ConfigSubject, subject: Record<string, unknown>): { id: string | null; orgUnitId: string | null } {
  const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);
  switch (type) {
    case 'settings':
      return { id: null, orgUnitId: null };
    case 'pointsRule':
      return { id: text(subject.version), orgUnitId: null };
    case 'orgUnit':
      return { id: text(subject.id), orgUnitId: text(subject.id) };
    case 'tenant':
      return { id: text(subject.id), orgUnitId: null };
    default:
      return { id: text(subject.id), orgUnitId: text(subject.orgUnitId) };
  }
}

/**
 * Records one change of configuration in the caller's transaction and returns `subject`, the
 * configuration after the change (secrets left out of the record). `changes`: what the request
 * asked to change, where the subject alone does not say it (an update); when it asks for nothing,
 * nothing changed and nothing is recorded.
 */
export async function recordConfigChange<T extends object>(
  trx: Transaction<DB>,
  by: ConfigActor,
  action: ConfigAction,
  subject: T,
  changes?: object | null,
): Promise<T> {
  const asked = changes ? (withoutSecrets(changes) as Record<string, unknown>) : null;
  // An update that asked for nothing changed nothing.
  if (asked !== null && Object.keys(asked).length === 0) return subject;
  const type = action.slice(0, action.indexOf('.')) as ConfigSubject;
  const data = withoutSecrets(subject) as Record<string, unknown>;
  for (const field of NOT_CONFIGURATION[type] ?? []) delete data[field];
  const { id, orgUnitId } = subjectOf(type, subject as Record<string, unknown>);
  await sql`INSERT INTO config_changes (tenant_id, action, subject_type, subject_id, org_unit_id, actor, data, changes)
    VALUES (${by.tenantId}, ${action}, ${type}, ${id}, ${orgUnitId}, ${by.keyId}, ${JSON.stringify(data)}::jsonb,
      ${asked === null ? null : JSON.stringify(asked)}::jsonb)`.execute(trx);
  return subject;
}
