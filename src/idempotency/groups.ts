import { type Kysely, sql, type Transaction } from 'kysely';
import { inTransaction, isDatabaseUnavailable } from '../db/transaction.js';
import type { DB } from '../db/schema.js';
import { idempotentWrite, type Settled, storable, storedRefusal, type WriteOutcome } from './keys.js';
import { DomainError } from '../problems.js';

// Many idempotent writes of one tenant in one transaction (grouped service-record posts, grouped
// sales at a market's counter), each answered as idempotentWrite would answer it alone.

/**
 * What `work` of idempotentWriteMany answers for a request it did not write (and wrote nothing
 * for): its key is released in the shared transaction, and it goes alone afterwards.
 */
export const GO_ALONE = Symbol('go alone');

export interface KeyedRequest {
  key: string;
  hash: string;
  correctableRefusals?: boolean;
  /** As in idempotentWrite; the shared transaction claims only fresh keys and `work` checks the caller. */
  authorize?: (trx: Transaction<DB>) => Promise<void>;
}

/**
 * Many writes of one tenant, each at most once per key, in one transaction: the keys are claimed
 * by one statement (in key order, so two such transactions never wait on each other in a cycle),
 * `work` runs the claimed ones and answers each with its outcome or its refusal (refused ones must
 * have written nothing), and every answer is stored under its key by one more statement, so the
 * claims, the writes and the answers commit together or not at all, as in idempotentWrite.
 *
 * A key that was claimed already (a retry, a duplicate in the list, a refusal to correct), or a
 * request `work` answered GO_ALONE, goes through idempotentWrite with `alone(i)` afterwards, and so does every request when the shared
 * transaction fails for any reason but the database being unavailable: one bad write (a balance
 * out of range, say) aborts the transaction, and alone it gets its own answer; so does a lock
 * wait past opts.lockTimeoutMs. Resolves once the shared transaction has ended, with an answer
 * per request: those that go alone answer when they are done.
 */
export async function idempotentWriteMany(
  db: Kysely<DB>,
  tenantId: string,
  requests: KeyedRequest[],
  work: (trx: Transaction<DB>, claimed: number[]) => Promise<(WriteOutcome | DomainError | typeof GO_ALONE)[]>,
  alone: (i: number) => (trx: Transaction<DB>) => Promise<WriteOutcome>,
  opts: ManyOptions = {},
): Promise<Promise<Settled>[]> {
  const settled: Settled[] = new Array(requests.length);
  let others: number[] = [];
  try {
    await inTransaction(db, async (trx) => {
      others = [];
      if (opts.lockTimeoutMs !== undefined) {
        await sql`SET LOCAL lock_timeout = ${sql.raw(`'${Math.trunc(opts.lockTimeoutMs)}ms'`)}`.execute(trx);
      }
      const sorted = [...new Set(requests.map((r) => r.key))].sort();
      const hashes = sorted.map((key) => requests.find((r) => r.key === key)!.hash);
      const { rows } = await sql<{ idempotency_key: string }>`
        INSERT INTO idempotency_keys (tenant_id, idempotency_key, request_hash, status_code, response)
        SELECT ${tenantId}, k.key, k.hash, 0, '{}' FROM unnest(${sorted}::text[], ${hashes}::text[]) WITH ORDINALITY AS k(key, hash, n)
        ORDER BY k.n
        ON CONFLICT DO NOTHING
        RETURNING idempotency_key`.execute(trx);
      const fresh = new Set(rows.map((r) => r.idempotency_key));
      const claimed: number[] = [];
      requests.forEach((r, i) => {
        if (fresh.delete(r.key)) claimed.push(i);
        else others.push(i);
      });
      const outcomes = claimed.length > 0 ? await work(trx, claimed) : [];
      const store: { key: string; status: number; response: unknown }[] = [];
      const release: string[] = [];
      claimed.forEach((i, k) => {
        const outcome = outcomes[k]!;
        const { key } = requests[i]!;
        if (outcome === GO_ALONE) {
          release.push(key);
          others.push(i);
        } else if (outcome instanceof DomainError) {
          settled[i] = { ok: false, error: outcome };
          if (storable(outcome)) store.push({ key, status: outcome.status, response: storedRefusal(outcome) });
          else release.push(key);
        } else {
          settled[i] = { ok: true, result: { ...outcome, replayed: false } };
          store.push({ key, status: outcome.statusCode, response: outcome.body });
        }
      });
      await sql`
        WITH stored AS (
          UPDATE idempotency_keys k SET status_code = s.status, response = s.response
          FROM jsonb_to_recordset(${JSON.stringify(store)}::jsonb) AS s(key text, status integer, response jsonb)
          -- The keys as an index condition: a join alone may scan every key the tenant ever stored.
          WHERE k.tenant_id = ${tenantId} AND k.idempotency_key = ANY(${store.map((x) => x.key)}::text[]) AND k.idempotency_key = s.key
        )
        DELETE FROM idempotency_keys WHERE tenant_id = ${tenantId} AND idempotency_key = ANY(${release}::text[])`.execute(trx);
    });
  } catch (err) {
    if (isDatabaseUnavailable(err)) throw err;
    others = requests.map((_, i) => i);
  }
  const answers: Promise<Settled>[] = settled.map((s) => Promise.resolve(s));
  const one = async (i: number): Promise<Settled> => {
    try {
      return { ok: true, result: await idempotentWrite(db, { tenantId, ...requests[i]! }, alone(i)) };
    } catch (error) {
      return { ok: false, error };
    }
  };
  let previous: Promise<unknown> = Promise.resolve();
  for (const i of others) {
    if (opts.othersAtOnce) answers[i] = one(i);
    else previous = answers[i] = previous.then(() => one(i));
  }
  return answers;
}

export interface ManyOptions {
  /**
   * How long the shared transaction may wait for a lock before it gives up and every request goes
   * alone: requests that only share a transaction must not wait for each other's locks, and the
   * caller's turn (RecordIntake's) must not wait on one request's lock either.
   */
  lockTimeoutMs?: number;
  /** The requests that go alone run at once rather than in order (they are independent). */
  othersAtOnce?: boolean;
}
