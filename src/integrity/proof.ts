import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { DomainError } from '../problems.js';
import { leafHash, leafIndex, splitLeaves } from './canonical.js';
import type { Proof } from './check.js';
import { inclusionPath } from './merkle.js';
import { canonicalEntry, type EntryRow, entryRows } from './rows.js';
import { readBlocks, signedHeadOf } from './verify.js';

/** The most block heads a proof's chain carries. */
export const MAX_CHAIN = 1000;

/**
 * An entry's inclusion proof: its canonical form, its leaf's RFC 9162 path to the root of its
 * block, the signed head of that block and, when asked (chainTo: a later block number, or
 * 'latest'), the signed heads after it up to that block, each naming the hash of the one before.
 */
export async function entryProof(db: Kysely<DB>, tenantId: string, entryId: string, chainTo?: string): Promise<Proof> {
  const [found] = await entryRows(db, tenantId).where('e.entry_id', '=', entryId).execute();
  if (!found) throw new DomainError('entry_not_found', { entryId });
  const entry = canonicalEntry(tenantId, found as EntryRow);
  const seq = BigInt(entry.seq);
  const [row] = (
    await sql<{ block_no: string }>`SELECT block_no::text FROM integrity_blocks WHERE tenant_id = ${tenantId} AND last_seq >= ${entry.seq}::bigint
      ORDER BY last_seq LIMIT 1`.execute(db)
  ).rows;
  const block = row ? (await readBlocks(db, tenantId, BigInt(row.block_no) - 1n, 1))[0] : undefined;
  if (!block || BigInt(block.first_seq) > seq) throw new DomainError('entry_not_sealed', { entryId, seq: entry.seq });
  const signed = signedHeadOf(block);
  const leaves = splitLeaves(block.leaves);
  const index = leafIndex(BigInt(block.first_seq), BigInt(block.last_seq), block.gaps.map(BigInt), seq);
  if (index === null) throw new DomainError('entry_not_sealed', { entryId, seq: entry.seq });

  let chain: Proof['chain'] = [];
  if (chainTo !== undefined) {
    const latest = (await sql<{ n: string }>`SELECT max(block_no)::text AS n FROM integrity_blocks WHERE tenant_id = ${tenantId}`.execute(db)).rows[0]!.n;
    const to = chainTo === 'latest' ? BigInt(latest!) : BigInt(chainTo);
    const from = BigInt(signed.head.blockNo);
    if (to < from || to > BigInt(latest!) || to - from > BigInt(MAX_CHAIN)) {
      throw new DomainError('proof_chain_invalid', { blockNo: signed.head.blockNo, latest, chainTo, max: MAX_CHAIN });
    }
    const heads = to > from ? await readBlocks(db, tenantId, from, Number(to - from), to, false) : [];
    chain = heads.map(signedHeadOf);
  }
  return {
    entry,
    leafHash: leafHash(entry).toString('hex'),
    leafIndex: index,
    treeSize: leaves.length,
    path: inclusionPath(leaves, index).map((b) => b.toString('hex')),
    block: signed,
    chain,
  };
}
