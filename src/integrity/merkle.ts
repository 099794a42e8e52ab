import { sha256 } from './canonical.js';

// The Merkle tree of RFC 9162 (Certificate Transparency 2.0, §2.1), over leaf hashes that the
// caller made with the 0x00 prefix: MTH of no leaves is SHA-256 of nothing, of one leaf that
// leaf, of n > 1 leaves SHA-256(0x01 || MTH(first k) || MTH(rest)) with k the largest power of
// two below n. Written out here rather than taken from a library: it is short, it is the
// standard a verifier in any language reimplements from the RFC, and the npm Merkle libraries
// (merkletreejs) build other trees by default (no leaf/node prefixes, odd leaves promoted or
// duplicated), whose roots a CT-style verifier would not reproduce.

const NODE_PREFIX = Buffer.from([1]);

function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function merkleRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  return treeHash(leaves, 0, leaves.length);
}

function treeHash(leaves: readonly Buffer[], from: number, to: number): Buffer {
  const n = to - from;
  if (n === 1) return leaves[from]!;
  const k = split(n);
  return sha256(NODE_PREFIX, treeHash(leaves, from, from + k), treeHash(leaves, from + k, to));
}

/** RFC 9162 §2.1.3.1: the inclusion path of leaf `index`, nearest the leaf first. */
export function inclusionPath(leaves: readonly Buffer[], index: number): Buffer[] {
  if (index < 0 || index >= leaves.length) throw new RangeError(`leaf ${index} of ${leaves.length}`);
  const path: Buffer[] = [];
  const walk = (from: number, to: number, m: number) => {
    const n = to - from;
    if (n <= 1) return;
    const k = split(n);
    if (m < k) {
      walk(from, from + k, m);
      path.push(treeHash(leaves, from + k, to));
    } else {
      walk(from + k, to, m - k);
      path.push(treeHash(leaves, from, from + k));
    }
  };
  walk(0, leaves.length, index);
  return path;
}

/** RFC 9162 §2.1.3.2: the root that a leaf and its inclusion path lead to, or null if they cannot. */
export function rootFromPath(leaf: Buffer, index: number, treeSize: number, path: readonly Buffer[]): Buffer | null {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) return null;
  let fn = BigInt(index);
  let sn = BigInt(treeSize - 1);
  let r = leaf;
  for (const p of path) {
    if (sn === 0n) return null;
    if ((fn & 1n) === 1n || fn === sn) {
      r = sha256(NODE_PREFIX, p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = sha256(NODE_PREFIX, r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? r : null;
}
