import { Readable } from 'node:stream';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { leafIndex, splitLeaves } from '../integrity/canonical.js';
import { type PostingRow, postingRows } from '../integrity/rows.js';
import { readBlocks, signedHeadOf } from '../integrity/verify.js';
import { type BlockRecord, type ExportFormat, formatRecords, metadataJson, postingCsvLine, postingJsonLine } from './format.js';

// The journal export (GET /v1/exports/journal, `cli export`): every posting of the tenant recorded
// in [from, to), with its entry, in sequence order, and the signed heads of the blocks it spans.
// Streamed: on PostgreSQL from a cursor (pg-cursor through kysely's stream(), one statement and
// so one snapshot), on the embedded engine by keyset pages of (seq, idx) up to the last number
// taken when the export began (its one connection runs one transaction at a time, so no entry
// below that number can commit later). Pages are pulled only as fast as the reader takes them
// (Readable.from pulls the generator), so memory stays flat whatever the size.

export interface JournalRequest {
  tenantId: string;
  /** RFC 3339; recordedAt >= from. */
  from: string | null;
  /** RFC 3339; recordedAt < to. */
  to: string | null;
  format: ExportFormat;
  /** CSV only: start with a UTF-8 BOM (Excel). */
  bom: boolean;
}

const PAGE = 1000;

export const contentTypes: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

function inPeriod(req: JournalRequest) {
  return sql<boolean>`(${req.from}::timestamptz IS NULL OR e.recorded_at >= ${req.from}::timestamptz)
    AND (${req.to}::timestamptz IS NULL OR e.recorded_at < ${req.to}::timestamptz)`;
}

/** Postings in the period, in (seq, idx) order, a page at a time. */
async function* rowPages(database: Database, req: JournalRequest): AsyncGenerator<PostingRow[]> {
  const db = database.db;
  const query = postingRows(db, req.tenantId).where(inPeriod(req));
  if (database.engine === 'postgres') {
    // One page read ahead: the database makes the next page while the caller formats and writes
    // this one (read in turn, the two waited for each other and the export took their sum). Two
    // pages at most are held, so memory stays flat.
    const rows = query.stream(PAGE)[Symbol.asyncIterator]();
    const readPage = async (): Promise<PostingRow[]> => {
      const page: PostingRow[] = [];
      while (page.length < PAGE) {
        const r = await rows.next();
        if (r.done) break;
        page.push(r.value as PostingRow);
      }
      return page;
    };
    let next: Promise<PostingRow[]> | null = readPage();
    try {
      for (;;) {
        const page: PostingRow[] = await next;
        next = null;
        if (page.length === 0) return;
        next = readPage();
        yield page;
      }
    } finally {
      // A reader that stops early (a client gone) closes the cursor, after the read in flight.
      if (next) await next.catch(() => []);
      await rows.return?.();
    }
  }
  const top = (await sql<{ n: string | null }>`SELECT max(seq)::text AS n FROM ledger_entries WHERE tenant_id = ${req.tenantId}`.execute(db)).rows[0]!.n;
  if (top === null) return;
  let after: [string, number] = ['0', -1];
  for (;;) {
    const rows = (await query
      .where(sql<boolean>`(e.seq, coalesce(p.idx, -1)) > (${after[0]}::bigint, ${after[1]}::int)`)
      .where('e.seq', '<=', top)
      .limit(PAGE)
      .execute()) as PostingRow[];
    if (rows.length === 0) return;
    yield rows;
    const last = rows[rows.length - 1]!;
    after = [last.seq, last.idx ?? -1];
  }
}

/** The block record of the block holding `seq`, with the leaf hashes of its entries outside the period. */
async function blockRecord(db: Kysely<DB>, req: JournalRequest, seq: string): Promise<BlockRecord | null> {
  const [found] = (
    await sql<{ block_no: string }>`SELECT block_no::text FROM integrity_blocks WHERE tenant_id = ${req.tenantId} AND last_seq >= ${seq}::bigint
      ORDER BY last_seq LIMIT 1`.execute(db)
  ).rows;
  if (!found) return null;
  const partial = req.from !== null || req.to !== null;
  const [row] = await readBlocks(db, req.tenantId, BigInt(found.block_no) - 1n, 1, undefined, partial);
  if (!row || BigInt(row.first_seq) > BigInt(seq)) return null;
  const signed = signedHeadOf(row);
  const omitted: BlockRecord['omitted'] = [];
  if (partial) {
    const leaves = splitLeaves(row.leaves);
    const gaps = row.gaps.map(BigInt);
    const outside = await sql<{ seq: string }>`SELECT seq::text FROM ledger_entries e WHERE e.tenant_id = ${req.tenantId}
      AND e.seq BETWEEN ${row.first_seq}::bigint AND ${row.last_seq}::bigint AND NOT (${inPeriod(req)}) ORDER BY e.seq`.execute(db);
    for (const o of outside.rows) {
      const i = leafIndex(BigInt(row.first_seq), BigInt(row.last_seq), gaps, BigInt(o.seq));
      // An entry in a gap is verify's to report; the export leaves it to the leaves it has.
      if (i !== null && leaves[i]) omitted.push({ seq: o.seq, leafHash: leaves[i].toString('hex') });
    }
  }
  return { type: 'block', ...signed, gaps: row.gaps.map(String), omitted };
}

/**
 * The export as text chunks (a page of records each). onPostings is told how many postings each
 * chunk carried (the CLI's progress bar).
 */
export async function* journalChunks(database: Database, req: JournalRequest, onPostings: (n: number) => void = () => {}): AsyncGenerator<string> {
  const db = database.db;
  const exportedAt = (await sql<{ at: string }>`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at`.execute(db)).rows[0]!.at;
  // The blocks as they stand now: entries after the last of them go out unsealed, even if a
  // block is sealed over them while the export runs (it would arrive after its first entries).
  const sealedThrough = BigInt(
    (await sql<{ n: string }>`SELECT coalesce(max(last_seq), 0)::text AS n FROM integrity_blocks WHERE tenant_id = ${req.tenantId}`.execute(db)).rows[0]!.n,
  );
  // The header (CSV: its header row, and the BOM when asked for) goes out with the first page.
  let chunk = formatRecords(req.format, [{ type: 'export', v: 1, tenantId: req.tenantId, from: req.from, to: req.to, exportedAt }], true, req.bom);
  let block: { no: string; last: bigint } | null = null;
  let entries = 0n;
  let postings = 0n;
  let lastSeq: string | null = null;
  let lastMetadata = '';
  let metadata = '';
  let inBlock: string | null = null;
  const csv = req.format === 'csv';
  for await (const page of rowPages(database, req)) {
    // One string per page, each line added to it (V8 joins them as a rope, flattened once when written).
    for (const row of page) {
      if (row.seq !== lastSeq) {
        // Per entry, not per posting: its sequence number as a bigint, its block, its metadata.
        const seq = BigInt(row.seq);
        entries++;
        lastSeq = row.seq;
        if (seq <= sealedThrough && (block === null || seq > block.last)) {
          const b = await blockRecord(db, req, row.seq);
          block = b ? { no: b.head.blockNo, last: BigInt(b.head.lastSeq) } : null;
          if (b) chunk += formatRecords(req.format, [b], false, false);
        } else if (seq > sealedThrough) {
          block = null;
        }
        inBlock = block && seq <= block.last ? block.no : null;
        if (!csv && row.metadata !== lastMetadata) {
          lastMetadata = row.metadata;
          metadata = metadataJson(row.metadata);
        }
      }
      if (row.idx !== null) postings++;
      chunk += csv ? postingCsvLine(row, inBlock) : postingJsonLine(row, inBlock, metadata);
    }
    yield chunk;
    onPostings(page.length);
    chunk = '';
  }
  yield chunk + formatRecords(req.format, [{ type: 'end', entries: String(entries), postings: String(postings) }], false, false);
}

/** The export as a byte stream that reads the database only as fast as it is consumed. */
export function journalStream(database: Database, req: JournalRequest): Readable {
  return Readable.from(journalChunks(database, req), { objectMode: false, highWaterMark: 64 * 1024 });
}

/** How many postings the export will carry (for a progress bar). */
export async function countPostings(db: Kysely<DB>, req: JournalRequest): Promise<number> {
  const r = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ledger_entries e JOIN ledger_postings p ON p.tenant_id = e.tenant_id AND p.entry_id = e.entry_id
    WHERE e.tenant_id = ${req.tenantId} AND ${inPeriod(req)}`.execute(db);
  return Number(r.rows[0]!.n);
}
