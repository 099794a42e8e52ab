import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import type { CanonicalEntry } from './canonical.js';

// Reading entries in their canonical spelling, for sealing, proofs, verification and the export.
// The spelling is made by Postgres itself (to_char, ::text), the same on both engines.

/** An entry's own columns in their canonical spelling, as sealing hashes them and the export writes them. */
export interface EntryColumns {
  entry_id: string;
  seq: string;
  tx_id: string;
  kind: string;
  occurred_at: string;
  recorded_at: string;
  reason: string | null;
  reverses_entry_id: string | null;
  object_type: string | null;
  object_id: string | null;
  rule_version: number | null;
  created_by: string | null;
  metadata: string;
}

/** A time column as the canonical form spells it (UTC, microseconds). */
export const utcMicros = (column: string) => sql<string>`to_char(${sql.ref(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The select list of EntryColumns, for a query over `ledger_entries as e` (sealing, proofs, the export). */
export const entryColumns = () => [
  sql<string>`e.entry_id::text`.as('entry_id'),
  sql<string>`e.seq::text`.as('seq'),
  sql<string>`e.tx_id::text`.as('tx_id'),
  sql<string>`e.kind`.as('kind'),
  utcMicros('e.occurred_at').as('occurred_at'),
  utcMicros('e.recorded_at').as('recorded_at'),
  sql<string | null>`e.reason`.as('reason'),
  sql<string | null>`e.reverses_entry_id::text`.as('reverses_entry_id'),
  sql<string | null>`e.object_type`.as('object_type'),
  sql<string | null>`e.object_id`.as('object_id'),
  sql<number | null>`e.rule_version`.as('rule_version'),
  sql<string | null>`e.created_by`.as('created_by'),
  sql<string>`e.metadata::text`.as('metadata'),
];

/** An entry as sealing, proofs, verification and the export read it: its columns, its postings in index order. */
export interface EntryRow extends EntryColumns {
  /** [idx, accountId, unit, amount, balanceAfter] in index order; null when the entry has none (verify reports it). */
  postings: [number, string, string, string, string | null][] | null;
}

/**
 * The tenant's entries, one row each in sequence order, with their postings aggregated in index
 * order (json_agg of a scan of the postings' primary key): the entry's columns (to_char of its
 * times above all) are spelt, sent and parsed once, not once per posting. Callers add the range.
 */
export function entryRows(db: Kysely<DB>, tenantId: string) {
  return db
    .selectFrom('ledger_entries as e')
    .where('e.tenant_id', '=', tenantId)
    .select([
      ...entryColumns(),
      sql<EntryRow['postings']>`(SELECT json_agg(json_build_array(p.idx, p.account_id, p.unit, p.amount::text, p.balance_after::text) ORDER BY p.idx)
        FROM ledger_postings p WHERE p.tenant_id = e.tenant_id AND p.entry_id = e.entry_id)`.as('postings'),
    ])
    .orderBy('e.seq');
}

/** An entry row of the tenant as its canonical form. */
export function canonicalEntry(tenantId: string, e: EntryRow): CanonicalEntry {
  return {
    v: 1,
    tenantId,
    entryId: e.entry_id,
    seq: e.seq,
    txId: e.tx_id,
    kind: e.kind,
    occurredAt: e.occurred_at,
    recordedAt: e.recorded_at,
    reason: e.reason,
    reversesEntryId: e.reverses_entry_id,
    objectType: e.object_type,
    objectId: e.object_id,
    ruleVersion: e.rule_version === null ? null : Number(e.rule_version),
    createdBy: e.created_by,
    metadata: JSON.parse(e.metadata) as Record<string, unknown>,
    postings: (e.postings ?? []).map(([idx, accountId, unit, amount, balanceAfter]) => ({ idx: Number(idx), accountId, unit, amount, balanceAfter })),
  };
}

/** The canonical entries with start <= seq <= end (sequence order). */
export async function readEntries(db: Kysely<DB>, tenantId: string, start: bigint, end: bigint): Promise<CanonicalEntry[]> {
  const rows = await entryRows(db, tenantId).where('e.seq', '>=', String(start)).where('e.seq', '<=', String(end)).execute();
  return rows.map((r) => canonicalEntry(tenantId, r as EntryRow));
}

/**
 * How long the first committed entry after `afterSeq` (a tenant's last sealed number) has waited
 * to be sealed, in seconds by the database's clock; 0 when every committed entry is sealed. The
 * first by sequence number stands for the oldest: numbers are taken in the writing transaction.
 */
export async function unsealedAge(db: Kysely<DB>, tenantId: string, afterSeq: bigint): Promise<number> {
  const { rows } = await sql<{ age: string }>`SELECT coalesce((SELECT extract(epoch FROM clock_timestamp() - e.recorded_at) FROM ledger_entries e
    WHERE e.tenant_id = ${tenantId} AND e.seq > ${afterSeq.toString()}::bigint ORDER BY e.seq LIMIT 1), 0)::text AS age`.execute(db);
  return Math.max(0, Number(rows[0]!.age));
}
