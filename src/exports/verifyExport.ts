import fs from 'node:fs';
import readline from 'node:readline';
import { parse } from 'csv-parse';
import { Decimal } from 'decimal.js';
import { leafHash } from '../integrity/canonical.js';
import { chainProblem, headProblem, type KeyInfo } from '../integrity/check.js';
import { merkleRoot } from '../integrity/merkle.js';
import { type BlockRecord, entryFromRecords, type ExportRecord, type PostingRecord, recordFromCsv, recordFromJson } from './format.js';

// verify-export: an exported journal checked with no database, only the file and the tenant's
// published keys. Every block the export spans is re-hashed from the entries in the file (and the
// leaf hashes of the block's entries outside the period, which the block record carries), its
// head hashed, its signature checked with the key valid when it was sealed, and the chain checked
// between consecutive blocks; every entry must balance per unit; the totals are recomputed. The
// file is read as a stream: memory holds one block's entries and the per-account totals.

export interface ExportCheck {
  ok: boolean;
  file: string;
  format: 'csv' | 'jsonl';
  tenantId: string | null;
  entries: number;
  postings: number;
  blocks: number;
  /** Entries in the file that no block covers yet (exported before they were sealed). */
  unsealedEntries: number;
  /** Sum of all amounts per unit (zero in a balanced journal). */
  unitTotals: { unit: string; total: string }[];
  /** Per account and unit: the sum of the file's postings (with --accounts). */
  accountTotals?: { accountId: string; unit: string; total: string }[];
  problems: { check: string; why: string; blockNo?: string; entryId?: string; seq?: string }[];
}

const LIMIT = 100;

async function* records(file: string): AsyncGenerator<{ record: ExportRecord; format: 'csv' | 'jsonl' }> {
  const head = Buffer.alloc(4);
  const fd = fs.openSync(file, 'r');
  const n = fs.readSync(fd, head, 0, 4, 0);
  fs.closeSync(fd);
  let start = 0;
  if (n >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) start = 3;
  const jsonl = head[start] === 0x7b; // '{'
  if (jsonl) {
    const lines = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8', start }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      yield { record: recordFromJson(JSON.parse(line)), format: 'jsonl' };
    }
    return;
  }
  // A quoted empty field is "", an unquoted one null (see format.ts). csv-parse's cast callback
  // would tell them apart but builds an info object per field (most of the time of a large file);
  // instead the raw text of a record is looked at, and only a record with "" in it is split again
  // here to see which of its empty fields were quoted.
  const parser = fs.createReadStream(file).pipe(parse({ bom: true, raw: true, relax_column_count: false }));
  let columns: string[] | null = null;
  for await (const item of parser as AsyncIterable<{ record: string[]; raw: string }>) {
    if (!columns) {
      columns = item.record;
      continue;
    }
    const quoted = item.raw.includes('""') ? quotedFields(item.raw) : null;
    const row: Record<string, string | null> = {};
    for (let i = 0; i < columns.length; i++) {
      const value = item.record[i] ?? '';
      row[columns[i]!] = value === '' && !quoted?.[i] ? null : value;
    }
    yield { record: recordFromCsv(row), format: 'csv' };
  }
}

/** Which fields of one raw CSV record (RFC 4180) were quoted. */
function quotedFields(raw: string): boolean[] {
  const out: boolean[] = [];
  let i = 0;
  for (;;) {
    if (raw[i] === '"') {
      out.push(true);
      i++;
      for (;;) {
        const q = raw.indexOf('"', i);
        if (q < 0) return out;
        if (raw[q + 1] === '"') i = q + 2;
        else {
          i = q + 1;
          break;
        }
      }
    } else {
      out.push(false);
      while (i < raw.length && raw[i] !== ',' && raw[i] !== '\n' && raw[i] !== '\r') i++;
    }
    if (raw[i] !== ',') return out;
    i++;
  }
}

export async function verifyExportFile(file: string, keys: readonly KeyInfo[], opts: { accounts?: boolean } = {}): Promise<ExportCheck> {
  const result: ExportCheck = {
    ok: false,
    file,
    format: 'jsonl',
    tenantId: null,
    entries: 0,
    postings: 0,
    blocks: 0,
    unsealedEntries: 0,
    unitTotals: [],
    problems: [],
  };
  const problem = (p: ExportCheck['problems'][number]) => {
    if (result.problems.length < LIMIT) result.problems.push(p);
  };
  const units = new Map<string, Decimal>();
  const accounts = new Map<string, Decimal>();

  // The block being read: its record and the leaf hashes of its entries, by sequence number.
  let block: BlockRecord | null = null;
  let leaves = new Map<string, Buffer>();
  let prevBlock: BlockRecord | null = null;
  let entryRecords: PostingRecord[] = [];
  let lastSeq: bigint | null = null;
  let ended: { entries: string; postings: string } | null = null;

  const closeBlock = () => {
    if (!block) return;
    const h = block.head;
    const where = { blockNo: h.blockNo };
    for (const o of block.omitted) {
      if (leaves.has(o.seq)) problem({ check: 'block_entries', why: `sequence ${o.seq} is both in the file and listed as left out of block ${h.blockNo}`, ...where });
      leaves.set(o.seq, Buffer.from(o.leafHash, 'hex'));
    }
    const gaps = new Set(block.gaps);
    const ordered: Buffer[] = [];
    for (let s = BigInt(h.firstSeq); s <= BigInt(h.lastSeq); s++) {
      const leaf = leaves.get(String(s));
      if (gaps.has(String(s))) {
        if (leaf) problem({ check: 'block_entries', why: `sequence ${s} is a gap of block ${h.blockNo} but the file has an entry for it`, seq: String(s), ...where });
        continue;
      }
      if (!leaf) {
        problem({ check: 'block_entries', why: `the entry with sequence ${s} of block ${h.blockNo} is neither in the file nor listed as left out`, seq: String(s), ...where });
        continue;
      }
      ordered.push(leaf);
    }
    if (ordered.length !== h.entryCount || merkleRoot(ordered).toString('hex') !== h.root) {
      problem({ check: 'block_root', why: `the entries of block ${h.blockNo} in the file do not hash to its signed root: an entry was changed, added or removed`, ...where });
    }
    const signature = headProblem(block, keys);
    if (signature) problem({ check: 'block_signature', why: signature, ...where });
    if (prevBlock && BigInt(h.blockNo) === BigInt(prevBlock.head.blockNo) + 1n) {
      const chain = chainProblem(prevBlock.head, prevBlock.hash, h);
      if (chain) problem({ check: 'block_chain', why: chain, ...where });
    } else if (prevBlock) {
      problem({ check: 'block_chain', why: `block ${h.blockNo} follows block ${prevBlock.head.blockNo} in the file`, ...where });
    } else if (h.blockNo === '1') {
      const chain = chainProblem(null, null, h);
      if (chain) problem({ check: 'block_chain', why: chain, ...where });
    }
    result.blocks++;
    prevBlock = block;
    block = null;
    leaves = new Map();
  };

  const closeEntry = () => {
    if (entryRecords.length === 0) return;
    const first = entryRecords[0]!;
    const entry = entryFromRecords(entryRecords);
    result.entries++;
    const sums = new Map<string, Decimal>();
    for (const p of entry.postings) {
      const amount = new Decimal(p.amount);
      sums.set(p.unit, (sums.get(p.unit) ?? new Decimal(0)).plus(amount));
      units.set(p.unit, (units.get(p.unit) ?? new Decimal(0)).plus(amount));
      if (opts.accounts) {
        const key = `${p.accountId}\u0000${p.unit}`;
        accounts.set(key, (accounts.get(key) ?? new Decimal(0)).plus(amount));
      }
    }
    const where = { entryId: entry.entryId, seq: entry.seq, ...(first.block ? { blockNo: first.block } : {}) };
    if (entry.postings.length < 2) problem({ check: 'entry_postings', why: `entry ${entry.entryId} has ${entry.postings.length} posting(s)`, ...where });
    for (const [unit, sum] of sums) {
      if (!sum.isZero()) problem({ check: 'entry_balanced', why: `the ${unit} postings of entry ${entry.entryId} sum to ${sum.toFixed(2)}`, ...where });
    }
    if (first.block === null) {
      result.unsealedEntries++;
    } else if (!block || block.head.blockNo !== first.block) {
      problem({ check: 'block_entries', why: `entry ${entry.entryId} names block ${first.block}, whose record does not come before it`, ...where });
    } else if (BigInt(entry.seq) < BigInt(block.head.firstSeq) || BigInt(entry.seq) > BigInt(block.head.lastSeq)) {
      problem({ check: 'block_entries', why: `entry ${entry.entryId} (sequence ${entry.seq}) is outside block ${first.block}`, ...where });
    } else {
      leaves.set(entry.seq, leafHash(entry));
    }
    entryRecords = [];
  };

  for await (const { record, format } of records(file)) {
    result.format = format;
    if (ended) {
      problem({ check: 'file', why: 'records after the end record' });
      break;
    }
    switch (record.type) {
      case 'export':
        result.tenantId = record.tenantId;
        break;
      case 'block':
        closeEntry();
        closeBlock();
        if (result.tenantId === null) result.tenantId = record.head.tenantId;
        if (record.head.tenantId !== result.tenantId) problem({ check: 'block_chain', why: 'a block of another tenant', blockNo: record.head.blockNo });
        block = record;
        break;
      case 'posting': {
        if (result.tenantId === null) result.tenantId = record.tenantId;
        if (entryRecords.length > 0 && entryRecords[0]!.seq !== record.seq) closeEntry();
        const seq = BigInt(record.seq);
        if (entryRecords.length === 0 && lastSeq !== null && seq <= lastSeq) {
          problem({ check: 'order', why: `entry ${record.entryId} (sequence ${record.seq}) comes after sequence ${lastSeq}`, entryId: record.entryId, seq: record.seq });
        }
        if (entryRecords.length === 0) lastSeq = seq;
        if (record.tenantId !== result.tenantId) problem({ check: 'entry_tenant', why: `entry ${record.entryId} belongs to another tenant`, entryId: record.entryId });
        if (record.idx !== null) result.postings++;
        entryRecords.push(record);
        break;
      }
      case 'end':
        closeEntry();
        closeBlock();
        ended = { entries: record.entries, postings: record.postings };
        break;
      default:
        problem({ check: 'file', why: `unknown record type ${String((record as { type?: unknown }).type)}` });
    }
  }
  closeEntry();
  closeBlock();
  if (!ended) problem({ check: 'file', why: 'the file has no end record: it was cut off' });
  else if (Number(ended.entries) !== result.entries || Number(ended.postings) !== result.postings) {
    problem({ check: 'file', why: `the end record counts ${ended.entries} entries and ${ended.postings} postings, the file holds ${result.entries} and ${result.postings}` });
  }
  result.unitTotals = [...units].sort(([a], [b]) => a.localeCompare(b)).map(([unit, total]) => ({ unit, total: total.toFixed(2) }));
  if (opts.accounts) {
    result.accountTotals = [...accounts]
      .map(([key, total]) => {
        const [accountId, unit] = key.split('\u0000') as [string, string];
        return { accountId, unit, total: total.toFixed(2) };
      })
      .sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : a.unit.localeCompare(b.unit)));
  }
  result.ok = result.problems.length === 0;
  return result;
}
