import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import { inTransaction, isDatabaseUnavailable } from '../db/transaction.js';
import type { DB } from '../db/schema.js';
import { idempotentWrite, type Settled, storable, storedRefusal, type WriteOutcome, type WriteResult } from './keys.js';
import { DomainError } from '../problems.js';

// Many idempotent writes of one tenant in one transaction (grouped service-record posts, grouped
// sales at a market's counter), each answered as idempotentWrite would answer it alone.

/**
 * What `work` of idempotentWriteMany answers for a request it did not write (and wrote nothing
 * for): its key is released in the shared transaction, and it goes alone afterwards.
 */
export const GO_ALONE = Symbol('go alone');

// The keys each shared transaction of idempotentWriteMany claimed, for a write that stores its
// answers itself (answersSql).
const groupClaims = new WeakMap<Transaction<DB>, { tenantId: string; keys: Set<string>; answered: Set<string> }>();

/**
 * answerSql (keys.ts) for a write of idempotentWriteMany whose last statement stores the answers
 * of its requests too (a group of sales, whose statement holds the market's counter until the
 * commit): the UPDATE, to embed as a CTE, setting each of `keys` (claimed by trx) to the response
 * that `responses` (rows of key and response) gives it. `work` must then answer each of them with
 * exactly that body and status, and idempotentWriteMany does not store them again. Null when trx
 * is no shared transaction of idempotentWriteMany.
 */
export function answersSql(trx: Transaction<DB>, statusCode: number, keys: string[], responses: RawBuilder<unknown>): RawBuilder<unknown> | null {
  const claim = groupClaims.get(trx);
  if (!claim) return null;
  for (const key of keys) {
    if (!claim.keys.has(key)) throw new Error(`answersSql: key ${key} was not claimed by this transaction`);
    claim.answered.add(key);
  }
  return sql`UPDATE idempotency_keys k SET status_code = ${statusCode}, response = a.response FROM (${responses}) AS a(key, response)
    WHERE k.tenant_id = ${claim.tenantId} AND k.idempotency_key = ANY(${keys}::text[]) AND k.idempotency_key = a.key`;
}

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
      // The lock timeout, when one is asked for, is set by the claim itself (set_config, local to the
      // transaction, before the first key is inserted): no round trip of its own.
      const timeout = opts.lockTimeoutMs === undefined ? sql`` : sql`, (SELECT set_config('lock_timeout', ${`${Math.trunc(opts.lockTimeoutMs)}ms`}, true)) AS t`;
      const sorted = [...new Set(requests.map((r) => r.key))].sort();
      const hashes = sorted.map((key) => requests.find((r) => r.key === key)!.hash);
      const { rows } = await sql<{ idempotency_key: string }>`
        INSERT INTO idempotency_keys (tenant_id, idempotency_key, request_hash, status_code, response)
        SELECT ${tenantId}, k.key, k.hash, 0, '{}' FROM unnest(${sorted}::text[], ${hashes}::text[]) WITH ORDINALITY AS k(key, hash, n)${timeout}
        ORDER BY k.n
        ON CONFLICT DO NOTHING
        RETURNING idempotency_key`.execute(trx);
      const fresh = new Set(rows.map((r) => r.idempotency_key));
      const claimed: number[] = [];
      requests.forEach((r, i) => {
        if (fresh.delete(r.key)) claimed.push(i);
        else others.push(i);
      });
      const answered = new Set<string>();
      groupClaims.set(trx, { tenantId, keys: new Set(claimed.map((i) => requests[i]!.key)), answered });
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
          if (!answered.has(key)) store.push({ key, status: outcome.statusCode, response: outcome.body });
        }
      });
      if (store.length === 0 && release.length === 0) return;
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
  // One after another: in the order of the requests (a claimed key's retry, a request that went alone).
  if (!opts.othersAtOnce) others.sort((a, b) => a - b);
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

/**
 * Writes that arrive together share transactions (single service-record posts of a tenant, sales
 * of a market). Per group key, up to `concurrency` groups are written at once; a write that
 * arrives while they all are waits, and the writes that waited go together as the next group (at
 * most `maxGroup`), so an idle service writes each at once, alone, and a busy one pays a
 * transaction's round trips once per group. `write` writes a group (idempotentWriteMany) and
 * answers each of its writes; the next group of the key starts once its transaction has ended.
 */
export class GroupedWrites<T> {
  private readonly waiting = new Map<string, { item: T; settle: (s: Settled) => void; fail: (err: unknown) => void }[]>();
  private readonly writing = new Map<string, number>();

  constructor(
    private readonly concurrency: number,
    private readonly maxGroup: number,
    private readonly write: (group: T[]) => Promise<Promise<Settled>[]>,
  ) {}

  /** The write's own answer, or its refusal thrown. */
  async submit(groupKey: string, item: T): Promise<WriteResult> {
    const settled = await new Promise<Settled>((settle, fail) => {
      const queue = this.waiting.get(groupKey) ?? [];
      queue.push({ item, settle, fail });
      this.waiting.set(groupKey, queue);
      this.next(groupKey);
    });
    if (!settled.ok) throw settled.error;
    return settled.result;
  }

  private next(groupKey: string): void {
    const queue = this.waiting.get(groupKey);
    const writing = this.writing.get(groupKey) ?? 0;
    if (!queue || queue.length === 0 || writing >= this.concurrency) return;
    const group = queue.splice(0, this.maxGroup);
    if (queue.length === 0) this.waiting.delete(groupKey);
    this.writing.set(groupKey, writing + 1);
    this.write(group.map((w) => w.item))
      // Writes that went alone answer when they are done.
      .then(
        (answers) => group.forEach((w, i) => answers[i]!.then(w.settle, w.fail)),
        (err: unknown) => group.forEach((w) => w.fail(err)),
      )
      .finally(() => {
        const left = (this.writing.get(groupKey) ?? 1) - 1;
        if (left === 0) this.writing.delete(groupKey);
        else this.writing.set(groupKey, left);
        this.next(groupKey);
      });
  }
}
