import type { EntryRow } from '../integrity/rows.js';
import { BLOCK_COLUMNS, type ExportFormat } from './format.js';

// The export's hot path: the posting records of one entry written straight to their lines, the
// very bytes jsonLine and csvChunk (format.ts) write for the same records, with no record object
// or array of fields per posting. An entry's columns are spelt once and shared by its postings'
// lines (a posting line is the entry's prefix, the posting's fields, the entry's suffix).
// test/integrity.test.ts reads every line back through format.ts (verify-export) on both engines.

/** A CSV field as csv-stringify writes it with quoted_string: a string quoted, its quotes doubled (RFC 4180 §2.7); null empty. */
const csvField = (s: string | null): string => (s === null ? '' : s.includes('"') ? `"${s.replaceAll('"', '""')}"` : `"${s}"`);
/** A value that cannot hold a quote (numbers, uuids, xid8, times as to_char spells them, the checked kinds and units): quoted as is. */
const csvPlain = (s: string | null): string => (s === null ? '' : `"${s}"`);
/** The block and end columns, empty on a posting row. */
const CSV_TAIL = ','.repeat(BLOCK_COLUMNS.length + 2);
const json = (s: string | null): string => JSON.stringify(s);

/** The entry's metadata as jsonLine writes it (JSON.stringify of the parsed jsonb text); cached by the caller, entries often share it. */
export const metadataJson = (metadata: string): string => JSON.stringify(JSON.parse(metadata));

/**
 * The posting lines of one entry. `metadata` is metadataJson(e.metadata) for JSON Lines (unused
 * for CSV, which carries the jsonb text as it is).
 */
export function entryLines(format: ExportFormat, tenantId: string, e: EntryRow, block: string | null, metadata: string): string {
  const rv = e.rule_version === null ? null : String(e.rule_version);
  let out = '';
  if (format === 'csv') {
    const head = `"posting",${csvPlain(block)},${csvField(tenantId)},${csvPlain(e.seq)},${csvPlain(e.entry_id)},`;
    const mid = `,${csvPlain(e.kind)},${csvPlain(e.occurred_at)},${csvPlain(e.recorded_at)},`;
    const tail =
      `,${csvField(e.object_type)},${csvField(e.object_id)},${csvPlain(rv)},${csvField(e.reason)},${csvPlain(e.reverses_entry_id)},` +
      `${csvField(e.created_by)},${csvPlain(e.tx_id)},${csvField(e.metadata)}${CSV_TAIL}\n`;
    if (e.postings === null) return `${head}${mid},,,${tail}`;
    for (const [idx, account, unit, amount, balance] of e.postings) {
      out += `${head}"${idx}"${mid}${csvField(account)},${csvPlain(unit)},${csvPlain(amount)},${csvPlain(balance)}${tail}`;
    }
    return out;
  }
  // The keys in PostingRecord's order (format.ts), as JSON.stringify of the record writes them.
  const head = `{"type":"posting","block":${json(block)},"tenantId":${json(tenantId)},"seq":${json(e.seq)},"entryId":${json(e.entry_id)},"idx":`;
  const mid = `,"kind":${json(e.kind)},"occurredAt":${json(e.occurred_at)},"recordedAt":${json(e.recorded_at)},"accountId":`;
  const tail =
    `,"objectType":${json(e.object_type)},"objectId":${json(e.object_id)},"ruleVersion":${json(rv)},"reason":${json(e.reason)},` +
    `"reversesEntryId":${json(e.reverses_entry_id)},"createdBy":${json(e.created_by)},"txId":${json(e.tx_id)},"metadata":${metadata}}\n`;
  if (e.postings === null) return `${head}null${mid}null,"unit":null,"amount":null,"balanceAfter":null${tail}`;
  for (const [idx, account, unit, amount, balance] of e.postings) {
    out += `${head}"${idx}"${mid}${json(account)},"unit":${json(unit)},"amount":${json(amount)},"balanceAfter":${json(balance)}${tail}`;
  }
  return out;
}

/**
 * The export's bytes, gathered a line or an entry at a time into buffers of CHUNK bytes, each
 * string encoded as UTF-8 where it lands. Appending to one page-long string and encoding that
 * (as before) first copied the whole joined string flat, then encoded it: measured, the encoding
 * alone took 3.2 s of a 1,000,000-posting JSON Lines export.
 */
export class ByteChunks {
  static readonly CHUNK = 1 << 20;
  private buf = Buffer.allocUnsafe(ByteChunks.CHUNK);
  private off = 0;
  private full: Buffer[] = [];

  add(text: string): void {
    // A UTF-16 code unit takes three bytes of UTF-8 at most.
    if (this.buf.length - this.off < text.length * 3) {
      this.seal();
      if (text.length * 3 > ByteChunks.CHUNK) {
        this.full.push(Buffer.from(text));
        return;
      }
    }
    this.off += this.buf.write(text, this.off);
  }

  /** The buffers filled so far, whole (none while the current one has room). */
  take(): Buffer[] {
    const out = this.full;
    this.full = [];
    return out;
  }

  /** Everything, the part-filled buffer too. */
  end(): Buffer[] {
    this.seal();
    return this.take();
  }

  private seal(): void {
    if (this.off === 0) return;
    this.full.push(this.buf.subarray(0, this.off));
    this.buf = Buffer.allocUnsafe(ByteChunks.CHUNK);
    this.off = 0;
  }
}
