import { DomainError } from '../problems.js';

// A place in the feed: the writing transaction's id, the rank of the row's kind within one
// transaction (src/events/sources.ts) and the row's key within its kind. The feed is ordered by
// the three; a cursor is the place of the last event a consumer has, base64url-encoded so that
// clients treat it as opaque.

export interface Position {
  /** xid8 as decimal text. */
  tx: string;
  rank: number;
  /** Digits, lower-case hex, ':' and '-' only, so that "C" collation orders it as the feed does. */
  key: string;
}

/** Before everything (rows written before migration 0009 have transaction id 0, rank ≥ 1). */
export const START: Position = { tx: '0', rank: 0, key: '' };

const VERSION = 'v1';
const FORM = /^v1\.(0|[1-9][0-9]{0,19})\.([0-9])\.([0-9a-f:-]{0,80})$/;
const XID8_MAX = 2n ** 64n - 1n;

export const KEY_CHARS = /^[0-9a-f:-]{1,80}$/;

export function encodeCursor(p: Position): string {
  return Buffer.from(`${VERSION}.${p.tx}.${p.rank}.${p.key}`, 'utf8').toString('base64url');
}

/** The position a cursor names; `invalid_cursor` (400) for anything this service did not make. */
export function decodeCursor(cursor: string): Position {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw new DomainError('invalid_cursor');
  const m = FORM.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m || BigInt(m[1]!) > XID8_MAX) throw new DomainError('invalid_cursor');
  const position = { tx: m[1]!, rank: Number(m[2]), key: m[3]! };
  // The start is the one place with rank 0; every other place is an event's.
  if ((position.rank === 0) !== (position.key === '')) throw new DomainError('invalid_cursor');
  // Re-encoding gives the same text: one place, one cursor.
  if (encodeCursor(position) !== cursor) throw new DomainError('invalid_cursor');
  return position;
}

export function comparePositions(a: Position, b: Position): number {
  const ta = BigInt(a.tx);
  const tb = BigInt(b.tx);
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a.rank !== b.rank) return a.rank - b.rank;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
