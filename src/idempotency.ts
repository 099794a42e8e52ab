import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { inTransaction } from './db/transaction.js';
import type { DB } from './db/schema.js';
import { DomainError, type ProblemCode } from './problems.js';

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
     * Checked before a stored answer is given again, for answers that only some callers may see
     * (it throws when this caller may not). A first run checks the same inside `work`.
     */
    authorizeReplay?: (trx: Transaction<DB>) => Promise<void>;
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
      if (!(await claim(trx, 0, {}))) {
        await request.authorizeReplay?.(trx);
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
      const outcome = await work(trx);
      await trx
        .updateTable('idempotency_keys')
        .set({ status_code: outcome.statusCode, response: JSON.stringify(outcome.body) })
        .where('tenant_id', '=', tenantId)
        .where('idempotency_key', '=', key)
        .execute();
      return { ...outcome, replayed: false };
    });
  } catch (err) {
    // A 400 says the request itself is malformed: the same body always gets it again, so it is not
    // stored, and a corrected body may reuse the key. A 403 depends on who is calling, not on the
    // ledger: another caller may send the same request. Refusals that depend on the ledger's state
    // (404, 409, 422) are stored.
    if (!(err instanceof DomainError) || err.replayed || err.status === 400 || err.status === 403 || err.code === 'idempotency_conflict') {
      throw err;
    }
    const refusal = { problem: { code: err.code, params: err.params } };
    const row = await inTransaction(db, async (trx) => {
      if (await claim(trx, err.status, refusal)) return null;
      await request.authorizeReplay?.(trx);
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

function replay(row: StoredRow, hash: string): WriteResult {
  if (row.request_hash !== hash) throw new DomainError('idempotency_conflict');
  const response = (typeof row.response === 'string' ? JSON.parse(row.response) : row.response) as
    | { problem?: { code: ProblemCode; params: Record<string, unknown> } }
    | undefined;
  if (row.status_code >= 400 && response?.problem) {
    const refusal = new DomainError(response.problem.code, response.problem.params);
    refusal.replayed = true;
    throw refusal;
  }
  return { statusCode: row.status_code, body: response, replayed: true };
}
