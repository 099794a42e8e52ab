import type { PostingPosition, Unit } from '../ledger/index.js';
import { DomainError } from '../problems.js';
import { TimestampSchema } from '../http/schemas.js';

// A statement's cursor carries its period as the first page resolved it (the end it read up to
// included), so every later page reads the same period and the last page closes at the period's
// closing however long the client takes. Opaque to clients: base64url of JSON.

export interface StatementCursor {
  memberId: string;
  unit: Unit;
  from: string | null;
  /** The end the client asked for (null: none), to tell a query that names another period. */
  requestedTo: string | null;
  /** The end read up to (exclusive): the requested end, or the moment the first page was read. */
  to: string;
  complete: boolean;
  after: PostingPosition | null;
}

export function encodeCursor(c: StatementCursor): string {
  const after = c.after ? [c.after.seq, c.after.idx] : null;
  return Buffer.from(JSON.stringify([c.memberId, c.unit, c.from, c.requestedTo, c.to, c.complete, after])).toString('base64url');
}

// Times as the query takes them: a cursor's times go to the database as they are.
const isTime = (v: unknown) => typeof v === 'string' && v.length <= 40 && TimestampSchema.safeParse(v).success;

export function decodeCursor(cursor: string): StatementCursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 7) {
      const [memberId, unit, from, requestedTo, to, complete, after] = v as unknown[];
      const position = Array.isArray(after) && after.length === 2 && /^\d{1,18}$/.test(String(after[0])) && Number.isInteger(after[1])
        && (after[1] as number) >= 0 && (after[1] as number) < 32768;
      if (
        typeof memberId === 'string' && (unit === 'POINTS' || unit === 'HOURS') && (from === null || isTime(from)) &&
        (requestedTo === null || isTime(requestedTo)) && isTime(to) && typeof complete === 'boolean' && position
      ) {
        const [seq, idx] = after as [string, number];
        return { memberId, unit, from: from as string | null, requestedTo: requestedTo as string | null, to: to as string, complete, after: { seq: String(seq), idx } };
      }
    }
  } catch {
    // fall through: not ours
  }
  throw new DomainError('invalid_cursor');
}
