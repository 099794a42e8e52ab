import crypto from 'node:crypto';
import { Decimal } from 'decimal.js';
import { type Kysely, sql, type Transaction } from 'kysely';
import { inTransaction, pgErrorCode } from '../db/transaction.js';
import type { DB } from '../db/schema.js';
import { DomainError } from '../problems.js';
import { formatAmount, type Unit } from './amount.js';
import { type Entry, entryError, toEntry } from './post.js';
import { countEntries, countHold } from '../metrics.js';

// Holds (DESIGN §3, two-phase): an amount of one account reserved until it is captured (all or
// less, the rest released in the same transaction), voided, or expired. The rules live in the
// database functions of migrations/0005_holds.ts, which change `held` through ledger_post_many,
// the one write path: same lock order, same guarded UPDATE as entries. This module calls them
// in the caller's transaction and maps their refusals to wire codes.

export const HoldStatuses = ['open', 'captured', 'voided', 'expired'] as const;
export type HoldStatus = (typeof HoldStatuses)[number];
export const HoldEventKinds = ['created', 'captured', 'voided', 'expired'] as const;
export type HoldEventKind = (typeof HoldEventKinds)[number];

export interface HoldEvent {
  kind: HoldEventKind;
  /** created: the amount held; captured: the amount posted; voided, expired: 0.00. */
  amount: string;
  /** What the change released from held: the whole hold on resolution, 0.00 on creation. */
  released: string;
  entryId: string | null;
  reason: string | null;
  at: string;
  actor: string | null;
}

export interface Hold {
  id: string;
  accountId: string;
  unit: Unit;
  amount: string;
  status: HoldStatus;
  expiresAt: string;
  reference: string | null;
  reason: string | null;
  createdAt: string;
  createdBy: string | null;
  /** The amount the capture posted; null unless captured. */
  capturedAmount: string | null;
  captureEntryId: string | null;
  resolvedAt: string | null;
  events: HoldEvent[];
}

/**
 * The one place where a committed change of a hold is counted (ledger_holds_written_total).
 * Called after the transaction that made the change has committed (routes after their write, the
 * sweeper after each batch), never for a replayed answer. A capture also wrote one `capture`
 * entry inside ledger_hold_resolve, which the entry counter would not see otherwise.
 */
export function holdChanged(kind: HoldEventKind, n = 1): void {
  if (n <= 0) return;
  countHold(kind, n);
  if (kind === 'captured') countEntries('capture', n);
}

export interface NewHold {
  tenantId: string;
  accountId: string;
  unit: Unit;
  amount: Decimal;
  /** Exactly one of expiresAt and ttlSeconds (counted from the database's clock). */
  expiresAt?: Date | null;
  ttlSeconds?: number | null;
  reference?: string | null;
  reason?: string | null;
  actor?: string | null;
}

/** Places a hold: `available` drops at once; refused with insufficient_points when it does not fit. */
export async function createHold(trx: Transaction<DB>, input: NewHold): Promise<Hold> {
  const holdId = crypto.randomUUID();
  let created: { expires_at: Date | string; created_at: Date | string };
  try {
    const { rows } = await sql<{ expires_at: Date | string; created_at: Date | string }>`SELECT expires_at, created_at FROM ledger_hold_create(${input.tenantId}, ${holdId}::uuid, ${input.accountId}, ${input.unit},
      ${input.amount.toFixed()}::numeric, ${input.expiresAt ? input.expiresAt.toISOString() : null}::timestamptz,
      ${input.ttlSeconds ?? null}::integer, ${input.reference ?? null}, ${input.reason ?? null}, ${input.actor ?? null})`.execute(trx);
    created = rows[0]!;
  } catch (err) {
    throw holdError(err, holdId);
  }
  // The new hold is exactly what was asked plus the database's two times: answered without
  // reading it back (what getHold would read, field for field; the tests compare the two).
  return openHold({
    id: holdId, accountId: input.accountId, unit: input.unit, amount: formatAmount(input.amount), expiresAt: new Date(created.expires_at).toISOString(),
    reference: input.reference ?? null, reason: input.reason ?? null, createdAt: new Date(created.created_at).toISOString(), createdBy: input.actor ?? null,
  });
}

/** A hold as it stands while open, its facts in wire form: creation is its only event. */
function openHold(f: Pick<Hold, 'id' | 'accountId' | 'unit' | 'amount' | 'expiresAt' | 'reference' | 'reason' | 'createdAt' | 'createdBy'>): Hold {
  return {
    ...f,
    status: 'open',
    capturedAmount: null,
    captureEntryId: null,
    resolvedAt: null,
    events: [{ kind: 'created', amount: f.amount, released: formatAmount(0), entryId: null, reason: f.reason, at: f.createdAt, actor: f.createdBy }],
  };
}

/** What ledger_hold_resolve answers (0018): the hold's facts, and the capture entry's as posted. */
interface ResolvedRow {
  status: 'captured' | 'voided';
  entry_id: string | null;
  resolved_at: Date | string;
  hold_account: string;
  hold_unit: Unit;
  hold_amount: string;
  hold_expires_at: Date | string;
  hold_created_at: Date | string;
  hold_reference: string | null;
  hold_reason: string | null;
  hold_created_by: string | null;
  captured_amount: string;
  // Null for a void, which posts nothing.
  entry_seq: string | null; entry_tx_id: string | null; entry_recorded_at: Date | string | null; entry_balances_after: (string | null)[] | null;
}

/** Resolves a hold in one statement; refusals are mapped to wire codes. */
async function resolve(trx: Transaction<DB>, tenantId: string, holdId: string, action: 'capture' | 'void', capture: Capture | null, opts: { reason?: string | null; actor?: string | null }): Promise<ResolvedRow> {
  try {
    const { rows } = await sql<ResolvedRow>`SELECT * FROM ledger_hold_resolve(${tenantId}, ${holdId}::uuid, ${action},
      ${capture?.amount ? capture.amount.toFixed() : null}::numeric,
      ${capture ? capture.credits.map((c) => c.accountId) : null}::text[],
      ${capture ? capture.credits.map((c) => (c.amount ? c.amount.toFixed() : null)) : null}::numeric[],
      ${opts.reason ?? null}, ${opts.actor ?? null}, NULL::jsonb)`.execute(trx);
    return rows[0]!;
  } catch (err) {
    throw holdError(err, holdId);
  }
}

/**
 * The resolved hold as getHold would read it, built from the function's answer instead of read
 * back: the creation event is the hold's own facts (as createHold answers it), the resolution is
 * what was just written (test/holds.test.ts compares both answers with GET).
 */
function resolvedHold(holdId: string, row: ResolvedRow, opts: { reason?: string | null; actor?: string | null }): Hold {
  const open = openHold({
    id: holdId, accountId: row.hold_account, unit: row.hold_unit, amount: formatAmount(row.hold_amount), expiresAt: new Date(row.hold_expires_at).toISOString(),
    reference: row.hold_reference, reason: row.hold_reason, createdAt: new Date(row.hold_created_at).toISOString(), createdBy: row.hold_created_by,
  });
  const resolvedAt = new Date(row.resolved_at).toISOString();
  const captured = formatAmount(row.captured_amount);
  return {
    ...open,
    status: row.status,
    capturedAmount: row.status === 'captured' ? captured : null,
    captureEntryId: row.entry_id,
    resolvedAt,
    events: [
      ...open.events,
      { kind: row.status, amount: captured, released: open.amount, entryId: row.entry_id, reason: opts.reason ?? null, at: resolvedAt, actor: opts.actor ?? null },
    ],
  };
}

export interface Capture {
  /** Absent: the whole hold. Never more than held. */
  amount?: Decimal | null;
  /** Where the captured amount goes; one account may leave its amount out and take it all. */
  credits: { accountId: string; amount?: Decimal | null }[];
  reason?: string | null;
  actor?: string | null;
}

/** Captures a hold: posts a `capture` entry for the amount and releases the whole hold, at once. */
export async function captureHold(trx: Transaction<DB>, tenantId: string, holdId: string, capture: Capture): Promise<{ hold: Hold; entry: Entry }> {
  const row = await resolve(trx, tenantId, holdId, 'capture', capture, capture);
  const captured = new Decimal(row.captured_amount);
  // The postings as the function posted them: the held account, then the credits in order (one
  // credit without an amount took all of it).
  const postings = [
    { accountId: row.hold_account, unit: row.hold_unit, amount: captured.negated() },
    ...capture.credits.map((c) => ({ accountId: c.accountId, unit: row.hold_unit, amount: c.amount ?? captured })),
  ];
  const resolvedAt = new Date(row.resolved_at);
  const entry = toEntry(
    { tenantId, kind: 'capture', postings, reason: capture.reason ?? null, objectType: 'hold', objectId: holdId, createdBy: capture.actor ?? null },
    resolvedAt,
    { entry_id: row.entry_id!, seq: row.entry_seq!, tx_id: row.entry_tx_id!, recorded_at: row.entry_recorded_at!, balances_after: row.entry_balances_after ?? [] },
  );
  return { hold: resolvedHold(holdId, row, capture), entry };
}

/** Voids a hold: its whole amount is available again; nothing is posted. */
export async function voidHold(trx: Transaction<DB>, tenantId: string, holdId: string, opts: { reason?: string | null; actor?: string | null } = {}): Promise<Hold> {
  return resolvedHold(holdId, await resolve(trx, tenantId, holdId, 'void', null, opts), opts);
}

/** One hold with its history, read in one statement (the events as a JSON array, in order). */
export async function getHold(db: Kysely<DB>, tenantId: string, holdId: string): Promise<Hold | null> {
  type EventRow = { kind: HoldEventKind; amount: string; released: string; entry_id: string | null; reason: string | null; at: string; actor: string | null };
  const hold = await db
    .selectFrom('ledger_holds as h')
    .selectAll('h')
    .select(
      // Amounts as text (a JSON number would lose digits); creation first among events at one instant.
      sql<EventRow[]>`(SELECT json_agg(json_build_object('kind', e.kind, 'amount', e.amount::text, 'released', e.released::text,
          'entry_id', e.entry_id, 'reason', e.reason, 'at', e.at, 'actor', e.actor) ORDER BY e.at, e.kind = 'created' DESC)
        FROM ledger_hold_events e WHERE e.tenant_id = h.tenant_id AND e.hold_id = h.hold_id)`.as('events'),
    )
    .where('h.tenant_id', '=', tenantId)
    .where('h.hold_id', '=', holdId)
    .executeTakeFirst();
  if (!hold) return null;
  const events = hold.events ?? [];
  const resolution = events.find((e) => e.kind !== 'created');
  return {
    id: hold.hold_id,
    accountId: hold.account_id,
    unit: hold.unit,
    amount: formatAmount(hold.amount),
    status: hold.status,
    expiresAt: new Date(hold.expires_at).toISOString(),
    reference: hold.reference,
    reason: hold.reason,
    createdAt: new Date(hold.created_at).toISOString(),
    createdBy: hold.created_by,
    capturedAmount: resolution?.kind === 'captured' ? formatAmount(resolution.amount) : null,
    captureEntryId: resolution?.entry_id ?? null,
    resolvedAt: resolution ? new Date(resolution.at).toISOString() : null,
    events: events.map((e) => ({
      kind: e.kind,
      amount: formatAmount(e.amount),
      released: formatAmount(e.released),
      entryId: e.entry_id,
      reason: e.reason,
      at: new Date(e.at).toISOString(),
      actor: e.actor,
    })),
  };
}

export const SWEEP_BATCH = 500;

/**
 * Releases every open hold past its expiry (of one tenant, or all), in batches of SWEEP_BATCH,
 * each batch its own transaction. Safe to run from several processes at once: each hold expires
 * exactly once (see ledger_holds_expire). Answers how many holds this run expired.
 */
export async function expireHolds(db: Kysely<DB>, opts: { tenantId?: string | null; actor?: string; batch?: number } = {}): Promise<number> {
  const batch = opts.batch ?? SWEEP_BATCH;
  let total = 0;
  for (;;) {
    const expired = await inTransaction(db, async (trx) => {
      const { rows } = await sql<{ hold_id: string }>`SELECT hold_id FROM ledger_holds_expire(${opts.tenantId ?? null}, ${batch}::integer,
        ${opts.actor ?? 'sweeper'})`.execute(trx);
      return rows.length;
    });
    holdChanged('expired', expired);
    total += expired;
    if (expired < batch) return total;
  }
}

// The hold functions raise SQLSTATE LEHxx (migrations/0005_holds.ts); the write path's own
// refusals (insufficient balance, unknown account, unit) are mapped as for entries.
export function holdError(err: unknown, holdId: string): unknown {
  const code = pgErrorCode(err);
  const detail = String((err as { detail?: unknown }).detail ?? '');
  switch (code) {
    case 'LEH04':
      return new DomainError('hold_not_found', { holdId });
    case 'LEH09':
    case 'LEH10': {
      // LEH09: resolved already (status says how); LEH10: still open but past its expiry time.
      const d = JSON.parse(detail) as { status: HoldStatus; expiresAt: string };
      if (code === 'LEH09' && d.status === 'captured') return new DomainError('hold_already_captured', { holdId });
      if (code === 'LEH09' && d.status === 'voided') return new DomainError('hold_already_voided', { holdId });
      return new DomainError('hold_expired', { holdId, expiresAt: new Date(d.expiresAt).toISOString() });
    }
    case 'LEH22': {
      const d = JSON.parse(detail) as { held: unknown; requested: unknown };
      return new DomainError('hold_exceeded', { holdId, held: formatAmount(String(d.held)), requested: formatAmount(String(d.requested)) });
    }
    case 'LEH23':
      return new DomainError('account_not_holdable', { accountId: detail });
    case 'LEH24':
      return new DomainError('hold_expiry_invalid');
    default:
      return entryError(err);
  }
}
