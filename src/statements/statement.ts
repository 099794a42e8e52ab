import { Decimal } from 'decimal.js';
import type { Kysely } from 'kysely';
import type { Caller } from '../auth/caller.js';
import type { DB } from '../db/schema.js';
import { recordCauses } from '../hours/causes.js';
import {
  accountPeriodPostings,
  accountPeriodSums,
  formatAmount,
  memberHoursAccount,
  memberPointsAccount,
  type PeriodPosting,
  recordingClock,
  settledThrough,
  type Unit,
} from '../ledger/index.js';
import { receiptCauses } from '../markets/causes.js';
import { authorizeMemberWrite } from '../members/members.js';
import { DomainError } from '../problems.js';
import { causeOf, type Cause } from './causes.js';
import { decodeCursor, encodeCursor, type StatementCursor } from './cursor.js';
import { readSnapshot } from './snapshot.js';

// A member's statement (对账单, DESIGN §2): the opening balance of one of their accounts, every
// movement of a period with its cause, the closing balance. The period is by the time each entry
// was recorded (the ledger's commit-side clock), its movements in ledger order (seq): an entry
// booked late for an earlier service shows in the period it was recorded in, with its occurredAt
// beside it, so a statement of a period that has ended never changes. Pages are keyset-paged on
// (seq, idx); each page has its own opening and closing, and opening + movements = closing on
// every page as over the whole period.

export interface StatementQuery {
  from?: string | undefined;
  to?: string | undefined;
  unit?: Unit | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface Movement {
  seq: string;
  entryId: string;
  kind: PeriodPosting['kind'];
  /** Signed: credits positive, debits negative. */
  amount: string;
  /** The balance after this movement. */
  balance: string;
  occurredAt: string;
  recordedAt: string;
  reason: string | null;
  reversesEntryId: string | null;
  cause: Cause | null;
}

export interface Statement {
  memberId: string;
  unit: Unit;
  accountId: string;
  from: string | null;
  to: string;
  complete: boolean;
  opening: string;
  closing: string;
  credits: string;
  debits: string;
  movements: number;
  page: { opening: string; closing: string; movements: number };
  items: Movement[];
  nextCursor: string | null;
}

/** The period a first page reads: [from, to) where to is the requested end or now, whichever is earlier. */
async function openPeriod(db: Kysely<DB>, memberId: string, q: StatementQuery): Promise<StatementCursor> {
  const from = q.from ?? null;
  const requested = q.to ?? null;
  if (from !== null && requested !== null && Date.parse(from) >= Date.parse(requested)) {
    throw new DomainError('statement_period_invalid', { from, to: requested });
  }
  const now = await recordingClock(db);
  const ended = requested !== null && Date.parse(requested) <= now.getTime();
  // A period that starts in the future is empty, up to its start.
  const to = ended ? requested : from !== null && Date.parse(from) > now.getTime() ? from : now.toISOString();
  // Every entry recorded before `to` is committed before the period is read (else a late commit
  // could still add to it): a period that has ended is complete once its writers have finished.
  const settled = await settledThrough(db, to);
  return { memberId, unit: q.unit ?? 'POINTS', from, requestedTo: requested, to, complete: ended && settled, after: null };
}

/** A later page's period is its cursor's; a query that names a different one is refused. */
function continuePeriod(memberId: string, q: StatementQuery, cursor: string): StatementCursor {
  const c = decodeCursor(cursor);
  const differs =
    c.memberId !== memberId ||
    (q.unit !== undefined && q.unit !== c.unit) ||
    (q.from !== undefined && q.from !== c.from) ||
    (q.to !== undefined && q.to !== c.requestedTo);
  if (differs) throw new DomainError('invalid_cursor');
  return c;
}

export async function memberStatement(db: Kysely<DB>, caller: Caller, memberId: string, q: StatementQuery): Promise<Statement> {
  // Who may read a member's statement: admins and auditors any member's, a station key a member
  // of its own unit or one under it (the check that guards a member's changes).
  await authorizeMemberWrite(db, caller, memberId);
  const period = q.cursor ? continuePeriod(memberId, q, q.cursor) : await openPeriod(db, memberId, q);
  const accountId = period.unit === 'HOURS' ? memberHoursAccount(memberId) : memberPointsAccount(memberId);
  const range = { accountId, from: period.from, to: period.to, after: period.after };

  return readSnapshot(db, async (trx) => {
    const sums = await accountPeriodSums(trx, caller.tenantId, range);
    if (!sums) throw new DomainError('member_not_found', { memberId });
    const rows = await accountPeriodPostings(trx, caller.tenantId, range, q.limit);
    const page = rows.slice(0, q.limit);
    // The causes of the whole page, one query per owning module.
    const records = await recordCauses(trx, caller.tenantId, page.filter((p) => p.objectType === 'service_record').map((p) => p.objectId!));
    const receipts = await receiptCauses(
      trx,
      caller.tenantId,
      page.filter((p) => p.objectType === 'redemption' || p.objectType === 'refund' || p.kind === 'capture').map((p) => p.entryId),
    );

    const opening = new Decimal(sums.opening);
    const pageOpening = opening.plus(sums.beforePage);
    let running = pageOpening;
    const items: Movement[] = page.map((p) => {
      running = running.plus(p.amount);
      return {
        seq: p.seq,
        entryId: p.entryId,
        kind: p.kind,
        amount: p.amount,
        balance: formatAmount(running),
        occurredAt: p.occurredAt,
        recordedAt: p.recordedAt,
        reason: p.reason,
        reversesEntryId: p.reversesEntryId,
        cause: causeOf(p, records, receipts),
      };
    });
    const last = page[page.length - 1];
    const next = rows.length > q.limit && last ? encodeCursor({ ...period, after: { seq: last.seq, idx: last.idx } }) : null;
    return {
      memberId,
      unit: period.unit,
      accountId,
      from: period.from,
      to: period.to,
      complete: period.complete,
      opening: formatAmount(opening),
      closing: formatAmount(opening.plus(sums.movement)),
      credits: sums.credits,
      debits: formatAmount(new Decimal(sums.debits).abs()),
      movements: sums.movements,
      page: { opening: formatAmount(pageOpening), closing: formatAmount(running), movements: items.length },
      items,
      nextCursor: next,
    };
  });
}
