import { stringify } from 'csv-stringify/sync';
import type { CanonicalEntry, SignedHead } from '../integrity/canonical.js';

// The journal export's records, in JSON Lines and in CSV, written by the export and read back by
// the offline verifier (verify-export): one place knows both directions. An export is
//   an `export` record (JSON Lines only: the CSV has its header row instead),
//   for each block it spans, a `block` record (the signed head, its gaps, and the leaf hashes of
//     the block's entries that the period leaves out, so the block's root can be recomputed),
//     followed by the `posting` records of its entries in the period, in (seq, idx) order,
//   the `posting` records of entries not sealed yet (block empty),
//   an `end` record with the counts, so that a cut-off file is told from a whole one.
// Every value is a string or null (CSV: null is an empty field, a string is always quoted, so an
// empty string "" stays apart from null and the canonical form is rebuilt exactly).

export type ExportFormat = 'csv' | 'jsonl';

export interface ExportHeader {
  type: 'export';
  v: 1;
  tenantId: string;
  from: string | null;
  to: string | null;
  exportedAt: string;
}

export interface BlockRecord extends SignedHead {
  type: 'block';
  gaps: string[];
  /** Entries of the block outside the period: their sequence number and leaf hash (hex). */
  omitted: { seq: string; leafHash: string }[];
}

export interface PostingRecord {
  type: 'posting';
  block: string | null;
  tenantId: string;
  seq: string;
  entryId: string;
  idx: string | null;
  kind: string;
  occurredAt: string;
  recordedAt: string;
  accountId: string | null;
  unit: string | null;
  amount: string | null;
  balanceAfter: string | null;
  objectType: string | null;
  objectId: string | null;
  ruleVersion: string | null;
  reason: string | null;
  reversesEntryId: string | null;
  createdBy: string | null;
  txId: string;
  /** The entry's metadata as JSON text (RFC 8785). */
  metadata: string;
}

export interface EndRecord {
  type: 'end';
  entries: string;
  postings: string;
}

export type ExportRecord = ExportHeader | BlockRecord | PostingRecord | EndRecord;

// The CSV's columns: posting columns first (what a person opening it in Excel reads), then the
// block columns, then the end record's counts.
export const POSTING_COLUMNS = [
  ['block', 'block'], ['tenant_id', 'tenantId'], ['seq', 'seq'], ['entry_id', 'entryId'], ['idx', 'idx'], ['kind', 'kind'],
  ['occurred_at', 'occurredAt'], ['recorded_at', 'recordedAt'], ['account_id', 'accountId'], ['unit', 'unit'], ['amount', 'amount'],
  ['balance_after', 'balanceAfter'], ['object_type', 'objectType'], ['object_id', 'objectId'], ['rule_version', 'ruleVersion'],
  ['reason', 'reason'], ['reverses_entry_id', 'reversesEntryId'], ['created_by', 'createdBy'], ['tx_id', 'txId'], ['metadata', 'metadata'],
] as const;
export const BLOCK_COLUMNS = ['first_seq', 'last_seq', 'entry_count', 'root', 'prev_hash', 'hash', 'key_id', 'signature', 'sealed_at', 'gaps', 'omitted'] as const;
export const CSV_COLUMNS = ['record', ...POSTING_COLUMNS.map(([c]) => c), ...BLOCK_COLUMNS, 'entries', 'postings'];

/** JSON Lines: one record per line; a posting's metadata is written as JSON, not as text. */
export function jsonLine(record: ExportRecord): string {
  if (record.type === 'posting') return `${JSON.stringify({ ...record, metadata: JSON.parse(record.metadata) })}\n`;
  return `${JSON.stringify(record)}\n`;
}

function csvRow(record: ExportRecord): (string | null)[] {
  const row: Record<string, string | null> = { record: record.type };
  if (record.type === 'posting') {
    for (const [column, key] of POSTING_COLUMNS) row[column] = record[key];
  } else if (record.type === 'block') {
    const h = record.head;
    Object.assign(row, {
      block: h.blockNo, tenant_id: h.tenantId, first_seq: h.firstSeq, last_seq: h.lastSeq, entry_count: String(h.entryCount), root: h.root,
      prev_hash: h.prevHash, hash: record.hash, key_id: h.keyId, signature: record.signature, sealed_at: h.sealedAt,
      gaps: JSON.stringify(record.gaps), omitted: JSON.stringify(record.omitted),
    });
  } else if (record.type === 'end') {
    Object.assign(row, { entries: record.entries, postings: record.postings });
  }
  return CSV_COLUMNS.map((c) => row[c] ?? null);
}

/** CSV rows (RFC 4180, CRLF-free `\n` lines); with `header`, the header row first and, with `bom`, a UTF-8 BOM before it (Excel then reads Chinese text as UTF-8). */
export function csvChunk(records: ExportRecord[], opts: { header?: boolean; bom?: boolean } = {}): string {
  return stringify(records.filter((r) => r.type !== 'export').map(csvRow), {
    header: opts.header === true,
    columns: CSV_COLUMNS,
    bom: opts.bom === true,
    // Every string quoted, null left empty: "" and null stay apart.
    quoted_string: true,
  });
}

export function formatRecords(format: ExportFormat, records: ExportRecord[], first: boolean, bom: boolean): string {
  if (format === 'jsonl') return records.map(jsonLine).join('');
  return csvChunk(records, { header: first, bom: first && bom });
}

// --- reading back (the offline verifier) ----------------------------------------------------

/** A record from a parsed JSON line. */
export function recordFromJson(value: any): ExportRecord {
  if (value?.type === 'posting') return { ...value, metadata: JSON.stringify(value.metadata ?? null) } as PostingRecord;
  return value as ExportRecord;
}

/** A record from a CSV row (an object keyed by the header; null where the field was empty and unquoted). */
export function recordFromCsv(row: Record<string, string | null>): ExportRecord {
  switch (row.record) {
    case 'posting': {
      const out: Record<string, string | null> = { type: 'posting' };
      for (const [column, key] of POSTING_COLUMNS) out[key] = row[column] ?? null;
      return out as unknown as PostingRecord;
    }
    case 'block':
      return {
        type: 'block',
        head: {
          v: 1,
          tenantId: String(row.tenant_id),
          blockNo: String(row.block),
          firstSeq: String(row.first_seq),
          lastSeq: String(row.last_seq),
          entryCount: Number(row.entry_count),
          root: String(row.root),
          prevHash: String(row.prev_hash),
          keyId: String(row.key_id),
          sealedAt: String(row.sealed_at),
        },
        hash: String(row.hash),
        signature: String(row.signature),
        gaps: JSON.parse(row.gaps ?? '[]') as string[],
        omitted: JSON.parse(row.omitted ?? '[]') as BlockRecord['omitted'],
      };
    case 'end':
      return { type: 'end', entries: String(row.entries), postings: String(row.postings) };
    default:
      throw new Error(`unknown record "${String(row.record)}"`);
  }
}

/** The canonical form of an entry from its posting records (consecutive, one seq). */
export function entryFromRecords(records: PostingRecord[]): CanonicalEntry {
  const e = records[0]!;
  return {
    v: 1,
    tenantId: e.tenantId,
    entryId: e.entryId,
    seq: e.seq,
    txId: e.txId,
    kind: e.kind,
    occurredAt: e.occurredAt,
    recordedAt: e.recordedAt,
    reason: e.reason,
    reversesEntryId: e.reversesEntryId,
    objectType: e.objectType,
    objectId: e.objectId,
    ruleVersion: e.ruleVersion === null ? null : Number(e.ruleVersion),
    createdBy: e.createdBy,
    metadata: JSON.parse(e.metadata) as Record<string, unknown>,
    postings: records
      .filter((r) => r.idx !== null)
      .map((r) => ({ idx: Number(r.idx), accountId: String(r.accountId), unit: String(r.unit), amount: String(r.amount), balanceAfter: r.balanceAfter })),
  };
}
