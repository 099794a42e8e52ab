import crypto from 'node:crypto';
import canonicalize from 'canonicalize';

// The canonical form of an entry and of a block head: what is hashed and signed. It is specified
// in the README ("Integrity: the canonical form") so that anyone can write a verifier; keep the
// two in step. JSON Canonicalization Scheme (RFC 8785) serialises both, so a verifier in any
// language with a JCS library gets the same bytes: keys sorted, no whitespace, strings and
// numbers in one spelling.
//
//  - amounts are strings with exactly two decimals ("-30.00"), as Postgres prints numeric(20,2);
//  - times are UTC with microseconds ("2026-12-04T08:30:00.123456Z"), as stored (timestamptz);
//  - sequence numbers, block numbers and transaction ids are decimal strings (they outgrow 2^53);
//  - a missing value is null, never left out.

export const FORMAT_VERSION = 1;
export const ZERO_HASH = '0'.repeat(64);

export interface CanonicalPosting {
  idx: number;
  accountId: string;
  unit: string;
  amount: string;
  balanceAfter: string | null;
}

export interface CanonicalEntry {
  v: 1;
  tenantId: string;
  entryId: string;
  seq: string;
  txId: string;
  kind: string;
  occurredAt: string;
  recordedAt: string;
  reason: string | null;
  reversesEntryId: string | null;
  objectType: string | null;
  objectId: string | null;
  ruleVersion: number | null;
  createdBy: string | null;
  /** The entry's metadata object ({} when none). */
  metadata: Record<string, unknown>;
  postings: CanonicalPosting[];
}

export interface BlockHead {
  v: 1;
  tenantId: string;
  blockNo: string;
  firstSeq: string;
  lastSeq: string;
  entryCount: number;
  /** RFC 9162 Merkle tree hash over the entries' leaf hashes, in sequence order (hex). */
  root: string;
  /** hash of the previous block's head; 64 zeros for block 1. */
  prevHash: string;
  keyId: string;
  sealedAt: string;
}

/** A block head with what makes it checkable: its hash and the tenant key's signature of it. */
export interface SignedHead {
  head: BlockHead;
  /** SHA-256 of the head's canonical bytes (hex): what the next block names as prevHash. */
  hash: string;
  /** Ed25519 signature of the head's canonical bytes (base64). */
  signature: string;
}

/** The canonical text of any value: RFC 8785 JSON. */
function canonicalText(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value has no canonical JSON form');
  return text;
}

/** The canonical bytes of any value: RFC 8785 JSON, UTF-8. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalText(value), 'utf8');
}

// crypto.hash, one call with no Hash object: sealing hashes every entry and every node of its
// block's tree, and the object's set-up cost more than the hashing of such short inputs.
export function sha256(...parts: Uint8Array[]): Buffer {
  return crypto.hash('sha256', parts.length === 1 ? parts[0]! : Buffer.concat(parts), 'buffer');
}

/** RFC 9162 leaf hash of an entry: SHA-256(0x00 || canonical bytes). */
export function leafHash(entry: CanonicalEntry): Buffer {
  // The 0x00 prefix as the text's first character: UTF-8 writes U+0000 as the one byte 0x00.
  return crypto.hash('sha256', `\0${canonicalText(entry)}`, 'buffer');
}

/** The head's hash (hex): SHA-256 of its canonical bytes. */
export function headHash(head: BlockHead): string {
  return sha256(canonicalBytes(head)).toString('hex');
}

/** The positions of a block's entries: seq → leaf index (the range less its gaps, in order). */
export function leafIndex(firstSeq: bigint, lastSeq: bigint, gaps: readonly bigint[], seq: bigint): number | null {
  if (seq < firstSeq || seq > lastSeq) return null;
  let below = 0;
  for (const g of gaps) {
    if (g === seq) return null;
    if (g < seq) below++;
  }
  return Number(seq - firstSeq) - below;
}

/** A bytea column as a Buffer (pg gives a Buffer, PGlite a Uint8Array). */
export function toBuffer(value: Uint8Array | Buffer): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** A block's leaves column split into its 32-byte leaf hashes. */
export function splitLeaves(leaves: Uint8Array): Buffer[] {
  const buf = toBuffer(leaves);
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += 32) out.push(buf.subarray(i, i + 32));
  return out;
}
