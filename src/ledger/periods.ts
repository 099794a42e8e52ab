import { Decimal } from 'decimal.js';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { formatAmount, type Unit } from './amount.js';
import type { EntryKind } from './post.js';

// Reads of the ledger by the time entries were recorded (recorded_at, the commit-side clock):
// what a member's statement and the trial balance are made of (src/statements). Callers run them
// in one REPEATABLE READ read-only transaction, so every figure of one answer comes from the
// same snapshot.
//
// recorded_at is the writer's clock_timestamp() when its entry row is formed, so a transaction
// that records an entry at or before a time t began at or before t (its xact_start). It may get its
// transaction id only a moment later (the row's default is computed before the row is written,
// and under load a process can be descheduled in between): waiting only for the ids in progress
// once t has passed missed such a writer (seen in CI: an award recorded at t, committed after the
// trial balance as of t was read). settledThrough therefore waits for every transaction that began
// at or before t to end, then for the ids in progress; after it, no entry recorded at or before t
// can still appear, and a period read up to t never changes.

/** The database's clock (the real one: recorded_at is not moved by ledger_clock), to the millisecond. */
export async function recordingClock(db: Kysely<DB>): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`SELECT date_trunc('milliseconds', clock_timestamp()) AS now`.execute(db);
  return new Date(rows[0]!.now);
}

/**
 * Waits (at most waitMs) until every transaction of this database that began at or before `t`
 * has ended and every transaction that was writing when this is called has ended. Called once t
 * has passed (t = the end of a period, an asOf): true when they all have, and from then on every
 * entry recorded at or before t is committed (or gone) and none can still be recorded at or before t.
 */
export async function settledThrough(db: Kysely<DB>, t: string, waitMs = 5000): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  // Transactions begun by t, on this database, other than this session's (a reader's too: it has
  // no id to tell it from a writer before its first write). Each statement here is its own
  // transaction, so the activity view is read afresh every time.
  for (;;) {
    const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM pg_stat_activity a
      WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.xact_start <= ${t}::timestamptz`.execute(db);
    if (rows[0]!.n === '0') break;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  // The writers in progress now: only a transaction that writes has an id (readers have none).
  // Ids are the whole server's: those of sessions known to be on another database are left out
  // (a session of another role shows no id and is waited for, to be safe).
  let pending = (
    await sql<{ xid: string }>`SELECT x::text AS xid FROM pg_snapshot_xip(pg_current_snapshot()) AS x
      WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.backend_xid = x::xid AND a.datname IS DISTINCT FROM current_database())`.execute(db)
  ).rows.map((r) => r.xid);
  while (pending.length > 0) {
    // Still running as a new snapshot sees it (not the commit log's status: a transaction is marked
    // committed there a moment before snapshots stop counting it as running).
    const { rows } = await sql<{ xid: string }>`SELECT x AS xid FROM unnest(${pending}::text[]) AS x
      WHERE NOT pg_visible_in_snapshot(x::xid8, pg_current_snapshot())`.execute(db);
    pending = rows.map((r) => r.xid);
    if (pending.length === 0) break;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

/** A position in an account's postings: (seq, idx), the ledger's own order. */
export interface PostingPosition {
  seq: string;
  idx: number;
}

/** The period [from, to) of one account by recorded time, and a page position inside it. */
export interface AccountPeriodQuery {
  accountId: string;
  /** Inclusive; null: since the ledger began. RFC 3339 text, passed to the database as it is (microseconds kept). */
  from: string | null;
  /** Exclusive. */
  to: string;
  /** The last movement of the previous page; null for the first page. */
  after: PostingPosition | null;
}

export interface AccountPeriodSums {
  unit: Unit;
  /** The balance of the postings recorded before from. */
  opening: string;
  /** The period's movements up to and including `after` (signed sum). */
  beforePage: string;
  /** The whole period's movements, signed, and split into credits (positive) and debits (negative, as a negative number). */
  movement: string;
  credits: string;
  debits: string;
  movements: number;
}

const START = '-infinity';
const position = (after: PostingPosition | null) => (after ? [after.seq, after.idx] as const : ['0', -1] as const);

/** The sums of an account over a period, in one pass over its postings; null when there is no such account. */
export async function accountPeriodSums(db: Kysely<DB>, tenantId: string, q: AccountPeriodQuery): Promise<AccountPeriodSums | null> {
  const [seq, idx] = position(q.after);
  const from = q.from ?? START;
  const { rows } = await sql<{ unit: Unit | null; opening: string; before: string; credits: string; debits: string; n: string }>`SELECT
      (SELECT a.unit FROM ledger_accounts a WHERE a.tenant_id = ${tenantId} AND a.account_id = ${q.accountId}) AS unit,
      coalesce(sum(p.amount) FILTER (WHERE e.recorded_at < ${from}::timestamptz), 0)::text AS opening,
      coalesce(sum(p.amount) FILTER (WHERE e.recorded_at >= ${from}::timestamptz
        AND (p.seq, p.idx) <= (${seq}::bigint, ${idx}::smallint)), 0)::text AS before,
      coalesce(sum(p.amount) FILTER (WHERE e.recorded_at >= ${from}::timestamptz AND p.amount > 0), 0)::text AS credits,
      coalesce(sum(p.amount) FILTER (WHERE e.recorded_at >= ${from}::timestamptz AND p.amount < 0), 0)::text AS debits,
      count(*) FILTER (WHERE e.recorded_at >= ${from}::timestamptz)::text AS n
    FROM ledger_postings p JOIN ledger_entries e ON e.tenant_id = p.tenant_id AND e.entry_id = p.entry_id
    WHERE p.tenant_id = ${tenantId} AND p.account_id = ${q.accountId} AND e.recorded_at < ${q.to}::timestamptz`.execute(db);
  const r = rows[0]!;
  if (r.unit === null) return null;
  return {
    unit: r.unit,
    opening: formatAmount(r.opening),
    beforePage: formatAmount(r.before),
    movement: formatAmount(new Decimal(r.credits).plus(r.debits)),
    credits: formatAmount(r.credits),
    debits: formatAmount(r.debits),
    movements: Number(r.n),
  };
}

/** One posting of the account in the period, with its entry. */
export interface PeriodPosting {
  seq: string;
  idx: number;
  entryId: string;
  kind: EntryKind;
  /** Signed: a credit positive, a debit negative. */
  amount: string;
  occurredAt: string;
  recordedAt: string;
  reason: string | null;
  reversesEntryId: string | null;
  /** The kind of the entry a reversal reverses (an award, a rating bonus, …). */
  reversesKind: EntryKind | null;
  objectType: string | null;
  objectId: string | null;
  metadata: Record<string, unknown>;
}

/** The account's postings in the period after `after`, in ledger order (seq, idx), at most limit + 1 (the extra tells a next page). */
export async function accountPeriodPostings(db: Kysely<DB>, tenantId: string, q: AccountPeriodQuery, limit: number): Promise<PeriodPosting[]> {
  const [seq, idx] = position(q.after);
  const { rows } = await sql<{
    seq: string; idx: number; entry_id: string; kind: EntryKind; amount: string; occurred_at: Date; recorded_at: Date; reason: string | null;
    reverses_entry_id: string | null; reverses_kind: EntryKind | null; object_type: string | null; object_id: string | null; metadata: unknown;
  }>`SELECT p.seq::text AS seq, p.idx, p.entry_id, e.kind, p.amount::text AS amount, e.occurred_at, e.recorded_at, e.reason,
      e.reverses_entry_id, r.kind AS reverses_kind, e.object_type, e.object_id, e.metadata
    FROM ledger_postings p
    JOIN ledger_entries e ON e.tenant_id = p.tenant_id AND e.entry_id = p.entry_id
    LEFT JOIN ledger_entries r ON r.tenant_id = e.tenant_id AND r.entry_id = e.reverses_entry_id
    WHERE p.tenant_id = ${tenantId} AND p.account_id = ${q.accountId}
      AND e.recorded_at >= ${q.from ?? START}::timestamptz AND e.recorded_at < ${q.to}::timestamptz
      AND (p.seq, p.idx) > (${seq}::bigint, ${idx}::smallint)
    ORDER BY p.seq, p.idx
    LIMIT ${limit + 1}`.execute(db);
  return rows.map((r) => ({
    seq: r.seq,
    idx: r.idx,
    entryId: r.entry_id,
    kind: r.kind,
    amount: formatAmount(r.amount),
    occurredAt: new Date(r.occurred_at).toISOString(),
    recordedAt: new Date(r.recorded_at).toISOString(),
    reason: r.reason,
    reversesEntryId: r.reverses_entry_id,
    reversesKind: r.reverses_kind,
    objectType: r.object_type,
    objectId: r.object_id,
    metadata: (typeof r.metadata === 'string' ? JSON.parse(r.metadata) : (r.metadata ?? {})) as Record<string, unknown>,
  }));
}
