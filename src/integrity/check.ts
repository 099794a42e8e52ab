import crypto from 'node:crypto';
import { type BlockHead, type CanonicalEntry, canonicalBytes, headHash, leafHash, type SignedHead, ZERO_HASH } from './canonical.js';
import { publicKeyFromRaw } from './keys.js';
import { rootFromPath } from './merkle.js';

// Checks that need no database: a signed block head against the published keys, an entry's
// inclusion proof, a chain of heads. The offline verifiers (verify-proof, verify-export) and the
// database's own verification use the same functions.

/** A published key as GET /v1/integrity/keys lists it (only these fields are read). */
export interface KeyInfo {
  keyId: string;
  publicKey: string;
  validFrom: string;
  validUntil: string | null;
}

/** Parsed GET /v1/integrity/keys (or `keys list`) output. */
export function parseKeys(json: unknown): KeyInfo[] {
  const items = (json as { items?: unknown })?.items;
  if (!Array.isArray(items)) throw new Error('a keys file is the JSON of GET /v1/integrity/keys: {"items": [...]}');
  return items.map((k: any) => {
    if (typeof k?.keyId !== 'string' || typeof k?.publicKey !== 'string' || typeof k?.validFrom !== 'string') {
      throw new Error('every key needs keyId, publicKey and validFrom');
    }
    return { keyId: k.keyId, publicKey: k.publicKey, validFrom: k.validFrom, validUntil: typeof k.validUntil === 'string' ? k.validUntil : null };
  });
}

const keyObjects = new Map<string, crypto.KeyObject>();
function keyObject(publicKey: string): crypto.KeyObject {
  let k = keyObjects.get(publicKey);
  if (!k) {
    k = publicKeyFromRaw(publicKey);
    keyObjects.set(publicKey, k);
  }
  return k;
}

/**
 * Why a signed head is not to be trusted, or null when it is: its hash is that of its canonical
 * bytes, the key it names is published, was valid when it was sealed ([validFrom, validUntil);
 * the times share one spelling, so they compare as strings) and made the signature.
 */
export function headProblem(signed: SignedHead, keys: readonly KeyInfo[]): string | null {
  const { head } = signed;
  if (headHash(head) !== signed.hash) return 'the block hash is not the hash of its head';
  const key = keys.find((k) => k.keyId === head.keyId);
  if (!key) return `signed by key ${head.keyId}, which is not among the published keys`;
  if (head.sealedAt < key.validFrom || (key.validUntil !== null && head.sealedAt >= key.validUntil)) {
    return `sealed at ${head.sealedAt}, outside the validity of key ${key.keyId}`;
  }
  let ok = false;
  try {
    ok = crypto.verify(null, canonicalBytes(head), keyObject(key.publicKey), Buffer.from(signed.signature, 'base64'));
  } catch {
    ok = false;
  }
  return ok ? null : `the signature does not verify with key ${key.keyId}`;
}

/** Why `next` does not follow `prev` in one tenant's chain, or null. */
export function chainProblem(prev: BlockHead | null, prevHash: string | null, next: BlockHead): string | null {
  if (prev === null) {
    if (next.blockNo === '1' && (next.prevHash !== ZERO_HASH || next.firstSeq !== '1')) return 'block 1 must start at sequence 1 with a zero previous hash';
    return null;
  }
  if (next.tenantId !== prev.tenantId) return 'a block of another tenant';
  if (BigInt(next.blockNo) !== BigInt(prev.blockNo) + 1n) return `block ${next.blockNo} follows block ${prev.blockNo}`;
  if (BigInt(next.firstSeq) !== BigInt(prev.lastSeq) + 1n) return `block ${next.blockNo} starts at ${next.firstSeq}, not after ${prev.lastSeq}`;
  if (next.prevHash !== prevHash) return `block ${next.blockNo} does not name the hash of block ${prev.blockNo}`;
  return null;
}

export interface Proof {
  entry: CanonicalEntry;
  leafHash: string;
  leafIndex: number;
  treeSize: number;
  path: string[];
  block: SignedHead;
  chain: SignedHead[];
}

export interface ProofCheck {
  ok: boolean;
  entryId: string | null;
  seq: string | null;
  blockNo: string | null;
  /** The last head the proof reaches (the entry's block, or the end of the chain). */
  head: string | null;
  problems: { check: string; why: string; blockNo?: string }[];
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Checks an inclusion proof as GET /v1/entries/{id}/proof answers it, with the published keys only. */
export function checkProof(proof: Proof, keys: readonly KeyInfo[]): ProofCheck {
  const problems: ProofCheck['problems'] = [];
  const head = proof?.block?.head;
  const result = (): ProofCheck => ({
    ok: problems.length === 0,
    entryId: proof?.entry?.entryId ?? null,
    seq: proof?.entry?.seq ?? null,
    blockNo: head?.blockNo ?? null,
    head: (proof?.chain?.length ? proof.chain[proof.chain.length - 1]!.hash : proof?.block?.hash) ?? null,
    problems,
  });
  if (!proof?.entry || !head || !Array.isArray(proof.path) || !proof.path.every((p) => typeof p === 'string' && HEX64.test(p))) {
    problems.push({ check: 'proof_shape', why: 'a proof has entry, leafIndex, treeSize, path (hex hashes) and block' });
    return result();
  }
  const leaf = leafHash(proof.entry);
  if (leaf.toString('hex') !== proof.leafHash) problems.push({ check: 'leaf_hash', why: 'the entry does not hash to the leaf hash given' });
  if (proof.entry.tenantId !== head.tenantId) problems.push({ check: 'tenant', why: 'the entry and the block belong to different tenants' });
  const seq = BigInt(proof.entry.seq);
  if (seq < BigInt(head.firstSeq) || seq > BigInt(head.lastSeq)) problems.push({ check: 'range', why: `sequence ${proof.entry.seq} is outside block ${head.blockNo}` });
  if (proof.treeSize !== head.entryCount) problems.push({ check: 'tree_size', why: 'the tree size is not the block\'s entry count' });
  const root = rootFromPath(leaf, proof.leafIndex, proof.treeSize, proof.path.map((p) => Buffer.from(p, 'hex')));
  if (!root || root.toString('hex') !== head.root) problems.push({ check: 'inclusion', why: `the path does not lead from the entry to the root of block ${head.blockNo}`, blockNo: head.blockNo });
  const signed = headProblem(proof.block, keys);
  if (signed) problems.push({ check: 'block_signature', why: signed, blockNo: head.blockNo });
  let prev: SignedHead = proof.block;
  for (const next of proof.chain ?? []) {
    const broken = chainProblem(prev.head, prev.hash, next.head) ?? headProblem(next, keys);
    if (broken) {
      problems.push({ check: 'chain', why: broken, blockNo: next.head?.blockNo });
      break;
    }
    prev = next;
  }
  return result();
}
