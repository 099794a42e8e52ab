import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { type Verification, VERIFY_CHECKS, verifyLedger } from '../ledger/verify.js';
import { MARKET_CHECKS, verifyMarkets } from '../markets/verify.js';
import { type BlockHead, leafHash, type SignedHead, splitLeaves } from './canonical.js';
import { chainProblem, headProblem, type KeyInfo } from './check.js';
import { listPublicKeys } from './keys.js';
import { merkleRoot } from './merkle.js';
import { readEntries } from './rows.js';

// GET /v1/integrity and `cli verify`: the ledger's own invariants (src/ledger/verify.ts), the love
// supermarkets' (src/markets/verify.ts: stock, reservations, refunds, receipt numbers, receipts
// against their entries; the ledger knows nothing of markets, so they are gathered here), and then
// the seals: every block of the tenant re-hashed from the entries as they are now, its head's
// hash, its signature with the published key valid when it was sealed, and the chain. A problem
// names the block and, where one entry is at fault, that entry and why.

export interface SealVerification {
  blocks: string;
  /** Entries inside blocks. */
  sealedEntries: string;
  /** Entries after the last block (sealing runs a few seconds behind the writes). */
  unsealedEntries: string;
}

export type IntegrityVerification = Verification & { seals: SealVerification };

const LIMIT = 100;
/** Blocks read per query (each carries up to 32 KiB of leaf hashes). */
const PAGE = 20;

interface BlockRow {
  tenant_id: string;
  block_no: string;
  first_seq: string;
  last_seq: string;
  entry_count: number;
  gaps: string[];
  root: string;
  prev_hash: string;
  hash: string;
  key_id: string;
  signature: string;
  sealed_at: string;
  leaves: Uint8Array;
}

export function signedHeadOf(b: BlockRow): SignedHead {
  const head: BlockHead = {
    v: 1,
    tenantId: b.tenant_id,
    blockNo: b.block_no,
    firstSeq: b.first_seq,
    lastSeq: b.last_seq,
    entryCount: Number(b.entry_count),
    root: b.root,
    prevHash: b.prev_hash,
    keyId: b.key_id,
    sealedAt: b.sealed_at,
  };
  return { head, hash: b.hash, signature: b.signature };
}

/** Block rows of a tenant from block `after` + 1 on, in order. */
export async function readBlocks(
  db: Kysely<DB>,
  tenantId: string,
  after: bigint,
  limit: number,
  upTo?: bigint,
  /** false: heads only (leaves empty), for a chain of heads. */
  withLeaves = true,
): Promise<BlockRow[]> {
  // ORDER BY b.block_no: the number (a bare block_no would order by the text of the same name).
  const r = await sql<BlockRow>`
    SELECT tenant_id, block_no::text, first_seq::text, last_seq::text, entry_count, gaps::text[] AS gaps, root, prev_hash, hash,
      key_id, signature, to_char(sealed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sealed_at,
      CASE WHEN ${withLeaves} THEN leaves ELSE ''::bytea END AS leaves
    FROM integrity_blocks b WHERE tenant_id = ${tenantId} AND block_no > ${String(after)}::bigint
      AND (${upTo === undefined ? null : String(upTo)}::bigint IS NULL OR block_no <= ${upTo === undefined ? null : String(upTo)}::bigint)
    ORDER BY b.block_no LIMIT ${limit}`.execute(db);
  return r.rows;
}

type Problem = Verification['problems'][number];

/** Checks the blocks of one tenant; pushes what it finds onto problems (up to LIMIT). */
export async function verifySeals(
  db: Kysely<DB>,
  tenantId: string,
  problems: Problem[],
  onBlock: () => void = () => {},
): Promise<{ blocks: bigint; sealedEntries: bigint; sealedThrough: bigint }> {
  const keys: KeyInfo[] = await listPublicKeys(db, tenantId);
  let prev: SignedHead | null = null;
  let blocks = 0n;
  let sealedEntries = 0n;
  const add = (check: string, detail: Record<string, string>) => {
    if (problems.length < LIMIT) problems.push({ check, detail: { tenantId, ...detail } });
  };
  for (;;) {
    const page = await readBlocks(db, tenantId, prev ? BigInt(prev.head.blockNo) : 0n, PAGE);
    if (page.length === 0) break;
    for (const row of page) {
      const signed = signedHeadOf(row);
      const { head } = signed;
      const blockNo = head.blockNo;
      blocks++;
      sealedEntries += BigInt(head.entryCount);
      onBlock();
      const chain = chainProblem(prev?.head ?? null, prev?.hash ?? null, head);
      if (chain) add('block_chain', { blockNo, why: chain });
      const signature = headProblem(signed, keys);
      if (signature) add('block_signature', { blockNo, why: signature });
      const leaves = splitLeaves(row.leaves);
      if (leaves.length !== head.entryCount || merkleRoot(leaves).toString('hex') !== head.root) {
        add('block_root', { blockNo, why: "the block's stored leaf hashes do not make its signed root" });
      }
      // The entries as they are now against the leaves sealed then, position by position.
      const gaps = new Set(row.gaps.map(String));
      const entries = await readEntries(db, tenantId, BigInt(head.firstSeq), BigInt(head.lastSeq));
      const bySeq = new Map(entries.map((e) => [e.seq, e]));
      let i = 0;
      for (let s = BigInt(head.firstSeq); s <= BigInt(head.lastSeq); s++) {
        const seq = String(s);
        const entry = bySeq.get(seq);
        if (gaps.has(seq)) {
          if (entry) add('block_entry', { blockNo, seq, entryId: entry.entryId, why: `entry ${entry.entryId} has sequence number ${seq}, which block ${blockNo} sealed as a gap` });
          continue;
        }
        const sealedLeaf = leaves[i++];
        if (!entry) {
          add('block_entry', { blockNo, seq, why: `the entry with sequence number ${seq}, sealed in block ${blockNo}, is missing` });
        } else if (!sealedLeaf || !leafHash(entry).equals(sealedLeaf)) {
          add('block_entry', { blockNo, seq, entryId: entry.entryId, why: `entry ${entry.entryId} (sequence ${seq}) differs from what block ${blockNo} sealed: its hash changed` });
        }
      }
      prev = signed;
    }
  }
  return { blocks, sealedEntries, sealedThrough: prev ? BigInt(prev.head.lastSeq) : 0n };
}

/** How many steps verifyIntegrity reports through onCheck before the blocks (then one per block). */
export const INTEGRITY_CHECKS = VERIFY_CHECKS + MARKET_CHECKS + 1;

/** The ledger's invariants, the markets', then the seals of the tenant (of every tenant when null). */
export async function verifyIntegrity(
  db: Kysely<DB>,
  tenantId: string | null,
  onCheck: (check: string) => void = () => {},
  onBlocks: (total: number) => void = () => {},
): Promise<IntegrityVerification> {
  const ledger = await verifyLedger(db, tenantId, onCheck);
  const markets = await verifyMarkets(db, tenantId, onCheck);
  onCheck('seals');
  const tenants = tenantId
    ? [tenantId]
    : (await sql<{ tenant_id: string }>`SELECT tenant_id FROM tenants ORDER BY tenant_id`.execute(db)).rows.map((r) => r.tenant_id);
  const total = await sql<{ n: string }>`SELECT count(*)::text AS n FROM integrity_blocks WHERE (${tenantId}::text IS NULL OR tenant_id = ${tenantId})`.execute(db);
  onBlocks(Number(total.rows[0]!.n));
  const problems = [...ledger.problems, ...markets];
  let blocks = 0n;
  let sealedEntries = 0n;
  let unsealed = 0n;
  for (const t of tenants) {
    const r = await verifySeals(db, t, problems, () => onCheck('block'));
    blocks += r.blocks;
    sealedEntries += r.sealedEntries;
    const after = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ledger_entries WHERE tenant_id = ${t} AND seq > ${String(r.sealedThrough)}::bigint`.execute(db);
    unsealed += BigInt(after.rows[0]!.n);
  }
  return {
    ...ledger,
    ok: problems.length === 0,
    problems,
    seals: { blocks: String(blocks), sealedEntries: String(sealedEntries), unsealedEntries: String(unsealed) },
  };
}
