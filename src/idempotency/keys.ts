import crypto from 'node:crypto';
import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import { inTransaction } from '../db/transaction.js';
import type { DB } from '../db/schema.js';
import { fromJsonb } from '../db/json.js';
import { DomainError, type ProblemCode } from '../problems.js';

export interface WriteOutcome {
  statusCode: number;
  body: unknown;
}

export interface WriteResult extends WriteOutcome {
  replayed: boolean;
}

interface StoredRow {
  request_hash: string;
  status_code: number;
  response: unknown;
}

/** SHA-256 over a canonical JSON form (keys sorted), so key order and spacing do not matter. */
export function requestHash(value: unknown): string {
  return crypto.createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

// The key each transaction of idempotentWrite claimed, for a write that stores its own answer.
const claims = new WeakMap<Transaction<DB>, { tenantId: string; key: string; answered: boolean }>();

/**
 * For a write whose last statement stores its answer too (answers holding locks that every
 * writer of a market queues on: the commit then follows that statement at once, with no round
 * trip between): the UPDATE of the key trx claimed, to embed as a CTE, setting the response to
 * the one row `response` selects (none: nothing is stored, and the write must then refuse, which
 * rolls it back). The write must answer exactly that body with that status; idempotentWrite then
 * does not store the answer again. Null when trx claimed no key.
 */
export function answerSql(trx: Transaction<DB>, statusCode: number, response: RawBuilder<unknown>): RawBuilder<unknown> | null {
  const claim = claims.get(trx);
  if (!claim) return null;
  claim.answered = true;
  return sql`UPDATE idempotency_keys k SET status_code = ${statusCode}, response = a.response FROM (${response}) AS a(response)
    WHERE k.tenant_id = ${claim.tenantId} AND k.idempotency_key = ${claim.key}`;
}

/**
 * Runs a write at most once per (tenant, key).
 *
 * The key is claimed by inserting its row inside the write's own transaction: a duplicate that
 * arrives at the same moment waits on that row's unique index until the first commits (then it
 * replays the stored result) or rolls back (then it runs itself). Nothing is ever left "in
 * progress": the claim and the result commit together or not at all.
 *
 * A refusal (DomainError) rolls the write back whole; a refusal that depends on the ledger's state
 * is then stored under the key, so a retry gets the same answer and can never succeed differently
 * later.
 */
export async function idempotentWrite(
  db: Kysely<DB>,
  request: {
    tenantId: string;
    key: string | undefined;
    hash: string;
    /**
     * For keys that name a business object (a service record's externalId): a stored refusal
     * still answers the same request, but a corrected request may take the key over and run.
     */
    correctableRefusals?: boolean;
    /**
     * The caller's scope and role for this request, checked before the key is looked at (it throws
     * when this caller may not act): a caller who may not act learns nothing of a key another
     * caller used, and a stored answer goes only to callers who may see it. `work` may check the
     * same again.
     */
    authorize?: (trx: Transaction<DB>) => Promise<void>;
  },
  work: (trx: Transaction<DB>) => Promise<WriteOutcome>,
): Promise<WriteResult> {
  const { tenantId, key, hash } = request;
  if (key === undefined) return { ...(await inTransaction(db, work)), replayed: false };
  const where = { tenant_id: tenantId, idempotency_key: key };

  const claim = (trx: Transaction<DB>, statusCode: number, response: unknown) =>
    trx
      .insertInto('idempotency_keys')
      .values({ ...where, request_hash: hash, status_code: statusCode, response: JSON.stringify(response) })
      .onConflict((oc) => oc.doNothing())
      .returning('tenant_id')
      .executeTakeFirst();

  const stored = (trx: Transaction<DB>) =>
    trx
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'status_code', 'response'])
      .where('tenant_id', '=', tenantId)
      .where('idempotency_key', '=', key)
      .executeTakeFirstOrThrow();

  try {
    return await inTransaction(db, async (trx) => {
      await request.authorize?.(trx);
      if (!(await claim(trx, 0, {}))) {
        const row = await stored(trx);
        if (!(request.correctableRefusals && row.status_code >= 400 && row.request_hash !== hash)) return replay(row, hash);
        // Take the refused key over; the row lock makes a concurrent taker wait, then replay us.
        const taken = await trx
          .updateTable('idempotency_keys')
          .set({ request_hash: hash, status_code: 0, response: '{}' })
          .where('tenant_id', '=', tenantId)
          .where('idempotency_key', '=', key)
          .where('request_hash', '=', row.request_hash)
          .returning('tenant_id')
          .executeTakeFirst();
        if (!taken) return replay(await stored(trx), hash);
      }
      const claimed = { tenantId, key, answered: false };
      claims.set(trx, claimed);
      const outcome = await work(trx);
      if (claimed.answered) return { ...outcome, replayed: false };
      await trx
        .updateTable('idempotency_keys')
        .set({ status_code: outcome.statusCode, response: JSON.stringify(outcome.body) })
        .where('tenant_id', '=', tenantId)
        .where('idempotency_key', '=', key)
        .execute();
      return { ...outcome, replayed: false };
    });
  } catch (err) {
    if (!storable(err)) throw err;
    const refusal = storedRefusal(err);
    const row = await inTransaction(db, async (trx) => {
      await request.authorize?.(trx);
      if (await claim(trx, err.status, refusal)) return null;
      const existing = await stored(trx);
      if (!(request.correctableRefusals && existing.status_code >= 400 && existing.request_hash !== hash)) return existing;
      // A corrected request was refused too: its refusal now answers the key.
      await trx
        .updateTable('idempotency_keys')
        .set({ request_hash: hash, status_code: err.status, response: JSON.stringify(refusal) })
        .where('tenant_id', '=', tenantId)
        .where('idempotency_key', '=', key)
        .where('request_hash', '=', existing.request_hash)
        .execute();
      return null;
    });
    if (row === null) throw err;
    return replay(row, hash);
  }
}

/**
 * Whether a refusal is stored under its key. A 400 says the request itself is malformed: the same
 * body always gets it again, so it is not stored, and a corrected body may reuse the key. A 403
 * depends on who is calling, not on the ledger: another caller may send the same request.
 * Refusals that depend on the ledger's state (404, 409, 422) are stored, except one that asks the
 * client to retry in a moment (certificate_not_sealed, with Retry-After): the retry must run.
 */
export function storable(err: unknown): err is DomainError {
  return (
    err instanceof DomainError && !err.replayed && err.status !== 400 && err.status !== 403 && err.code !== 'idempotency_conflict' && err.code !== 'certificate_not_sealed'
  );
}

export function storedRefusal(err: DomainError) {
  return { problem: { code: err.code, params: err.params } };
}

export type Settled = { ok: true; result: WriteResult } | { ok: false; error: unknown };

function replay(row: StoredRow, hash: string): WriteResult {
  if (row.request_hash !== hash) throw new DomainError('idempotency_conflict');
  const response = fromJsonb(row.response) as { problem?: { code: ProblemCode; params: Record<string, unknown> } } | undefined;
  if (row.status_code >= 400 && response?.problem) {
    const refusal = new DomainError(response.problem.code, response.problem.params);
    refusal.replayed = true;
    throw refusal;
  }
  return { statusCode: row.status_code, body: response, replayed: true };
}
