import { Readable } from 'node:stream';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { leafIndex, splitLeaves } from '../integrity/canonical.js';
import { type EntryRow, entryRows } from '../integrity/rows.js';
import { readBlocks, signedHeadOf } from '../integrity/verify.js';
import { type BlockRecord, type ExportFormat, formatRecords } from './format.js';
import { ByteChunks, entryLines, metadataJson } from './lines.js';

// The journal export (GET /v1/exports/journal, `cli export`): every posting of the tenant recorded
// in [from, to), with its entry, in sequence order, and the signed heads of the blocks it spans.
// Streamed a row per entry: on PostgreSQL from a cursor (pg-cursor through kysely's stream(), one
// statement and so one snapshot), on the embedded engine by keyset pages of seq up to the last number
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

/** The entries recorded in the period, as sealing reads them (rows.ts), with no sort: in the order of their (tenant_id, seq) index. */
const entriesInPeriod = (db: Kysely<DB>, req: JournalRequest) => entryRows(db, req.tenantId).where(inPeriod(req));

/** Entries in the period, in sequence order, a page at a time. */
async function* entryPages(database: Database, req: JournalRequest): AsyncGenerator<EntryRow[]> {
  const db = database.db;
  if (database.engine === 'postgres') {
    // One read-only transaction (one snapshot, as the one statement was) so that JIT can be off
    // for the cursor's query alone: the planner prices a subplan per entry over jit_above_cost,
    // and compiling it took 0.7 s at 100,000 postings (EXPLAIN ANALYZE), more than a plain
    // index scan gains from it.
    const trx = await db.startTransaction().setAccessMode('read only').execute();
    let next: Promise<EntryRow[]> | null = null;
    let rows: AsyncIterator<unknown> | null = null;
    try {
      await sql`SET LOCAL jit = off`.execute(trx);
      // One page read ahead: the database makes the next page while the caller formats and
      // writes this one (read in turn, the two waited for each other and the export took their
      // sum). Two pages at most are held, so memory stays flat.
      const it = entriesInPeriod(trx, req).stream(PAGE)[Symbol.asyncIterator]();
      rows = it;
      const readPage = async (): Promise<EntryRow[]> => {
        const page: EntryRow[] = [];
        while (page.length < PAGE) {
          const r = await it.next();
          if (r.done) break;
          page.push(r.value as EntryRow);
        }
        return page;
      };
      next = readPage();
      for (;;) {
        const page: EntryRow[] = await next;
        next = null;
        if (page.length === 0) return;
        next = readPage();
        yield page;
      }
    } finally {
      // A reader that stops early (a client gone) closes the cursor, after the read in flight.
      if (next) await next.catch(() => []);
      await rows?.return?.();
      await trx.rollback().execute();
    }
  }
  const query = entriesInPeriod(db, req);
  const top = (await sql<{ n: string | null }>`SELECT max(seq)::text AS n FROM ledger_entries WHERE tenant_id = ${req.tenantId}`.execute(db)).rows[0]!.n;
  if (top === null) return;
  let after = '0';
  for (;;) {
    const rows = (await query.where('e.seq', '>', after).where('e.seq', '<=', top).limit(PAGE).execute()) as EntryRow[];
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1]!.seq;
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
 * The export as UTF-8 buffers of about a megabyte. onPostings is told how many postings each page
 * read carried (the CLI's progress bar).
 */
export async function* journalChunks(database: Database, req: JournalRequest, onPostings: (n: number) => void = () => {}): AsyncGenerator<Buffer> {
  const db = database.db;
  const exportedAt = (await sql<{ at: string }>`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at`.execute(db)).rows[0]!.at;
  // The blocks as they stand now: entries after the last of them go out unsealed, even if a
  // block is sealed over them while the export runs (it would arrive after its first entries).
  const sealedThrough = BigInt(
    (await sql<{ n: string }>`SELECT coalesce(max(last_seq), 0)::text AS n FROM integrity_blocks WHERE tenant_id = ${req.tenantId}`.execute(db)).rows[0]!.n,
  );
  // The header (CSV: its header row, and the BOM when asked for) goes out first.
  const out = new ByteChunks();
  out.add(formatRecords(req.format, [{ type: 'export', v: 1, tenantId: req.tenantId, from: req.from, to: req.to, exportedAt }], true, req.bom));
  let block: { no: string; last: bigint } | null = null;
  let entries = 0n;
  let postings = 0n;
  let lastMetadata = '';
  let metadata = '';
  for await (const page of entryPages(database, req)) {
    let n = 0;
    for (const row of page) {
      const seq = BigInt(row.seq);
      entries++;
      if (seq <= sealedThrough && (block === null || seq > block.last)) {
        const b = await blockRecord(db, req, row.seq);
        block = b ? { no: b.head.blockNo, last: BigInt(b.head.lastSeq) } : null;
        if (b) out.add(formatRecords(req.format, [b], false, false));
      } else if (seq > sealedThrough) {
        block = null;
      }
      if (req.format === 'jsonl' && row.metadata !== lastMetadata) {
        lastMetadata = row.metadata;
        metadata = metadataJson(row.metadata);
      }
      n += row.postings?.length ?? 0;
      out.add(entryLines(req.format, req.tenantId, row, block && seq <= block.last ? block.no : null, metadata));
    }
    postings += BigInt(n);
    onPostings(n);
    // A buffer goes out when full (a megabyte, a few pages), so the reader's pace still sets the pace.
    for (const b of out.take()) yield b;
  }
  out.add(formatRecords(req.format, [{ type: 'end', entries: String(entries), postings: String(postings) }], false, false));
  for (const b of out.end()) yield b;
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
