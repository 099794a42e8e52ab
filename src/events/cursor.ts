import { DomainError } from '../problems.js';

// A place in the feed: the position of the writing transaction (src/events/sequencer.ts), the
// rank of the row's kind within one transaction (src/events/sources.ts) and the row's key within
// its kind. The feed is ordered by the three; a cursor is the place of the last event a consumer
// has, base64url-encoded so that clients treat it as opaque.
//
// Cursors of the feed before migration 0010 ('v1') named the transaction's id instead of its
// position. They are still read: the first sequencer step gave every transaction there was then
// its position in transaction id order, the order those cursors followed, and every transaction
// below one such cursor's had ended before the cursor was handed out; so the same transaction's
// position is the same place (decodeCursor gives `legacyTx`, the feed looks the position up).

export interface Position {
  /** The transaction's position in the tenant's feed, as decimal text (0: before the first). */
  position: string;
  rank: number;
  /** Digits, lower-case hex, ':' and '-' only, so that "C" collation orders it as the feed does. */
  key: string;
}

/** A cursor as decoded: a place, or (a cursor of the feed before 0010) a transaction id to look up. */
export type Decoded = (Position & { legacyTx?: undefined }) | { legacyTx: string; rank: number; key: string };

/** Before everything. */
export const START: Position = { position: '0', rank: 0, key: '' };

const FORM = /^v([12])\.(0|[1-9][0-9]{0,19})\.([0-9])\.([0-9a-f:-]{0,80})$/;
const MAX = 2n ** 63n - 1n;
const XID8_MAX = 2n ** 64n - 1n;

export const KEY_CHARS = /^[0-9a-f:-]{1,80}$/;

export function encodeCursor(p: Position): string {
  return Buffer.from(`v2.${p.position}.${p.rank}.${p.key}`, 'utf8').toString('base64url');
}

/** The place a cursor names; `invalid_cursor` (400) for anything this service did not make. */
export function decodeCursor(cursor: string): Decoded {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw new DomainError('invalid_cursor');
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = FORM.exec(text);
  if (!m || BigInt(m[2]!) > (m[1] === '1' ? XID8_MAX : MAX)) throw new DomainError('invalid_cursor');
  const rank = Number(m[3]);
  const key = m[4]!;
  // The start is the one place with rank 0; every other place is an event's.
  if ((rank === 0) !== (key === '') || (rank === 0 && m[2] !== '0') || (rank !== 0 && m[1] === '2' && m[2] === '0')) {
    throw new DomainError('invalid_cursor');
  }
  // Re-encoding gives the same text: one place, one cursor.
  if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) throw new DomainError('invalid_cursor');
  if (m[1] === '1') return rank === 0 ? START : { legacyTx: m[2]!, rank, key };
  return { position: m[2]!, rank, key };
}
