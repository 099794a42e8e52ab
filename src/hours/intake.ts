import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { idempotentWrite, requestHash, type WriteResult } from '../idempotency.js';
import { orgUnitForWrite } from '../orgunits/orgUnits.js';
import { DomainError } from '../problems.js';
import type { Caller } from '../tenants/tenants.js';
import { awardSubmission, outcomeOfRow, type RecordOutcome } from './awards.js';
import { insertSubmitted, type NewRecord, prepareSubmission } from './records.js';

// Posting a service record, alone or in a batch. The record's externalId is its idempotency key:
// the same record posted again (at once, or after a lost answer) gets the first answer back, and
// the same externalId with a different record is a 409 once a record was stored. A refused record
// may be corrected and posted again under its externalId; the refused body itself keeps getting
// its refusal. A space cannot occur in an Idempotency-Key header, so these keys never meet a
// client's own.
const keyOf = (externalId: string) => `externalId ${externalId}`;

export async function postRecord(db: Kysely<DB>, caller: Caller, input: NewRecord): Promise<WriteResult & { body: RecordOutcome }> {
  const hash = requestHash({ serviceRecord: input });
  const key = keyOf(input.externalId);
  const request = {
    tenantId: caller.tenantId,
    key,
    hash,
    correctableRefusals: true,
    // A stored answer goes only to a caller who may act for the record's org unit.
    authorizeReplay: async (trx: Transaction<DB>) => {
      if (caller.scope) await orgUnitForWrite(trx, caller, input.orgUnitId);
    },
  };
  const result = await idempotentWrite(db, request, async (trx) => {
    const submission = await prepareSubmission(trx, caller, input);
    if (submission.autoVerify) return { statusCode: 201, body: await awardSubmission(trx, caller, submission) };
    // A submitted record has moved nothing yet; the answer has the same shape all the same.
    return { statusCode: 201, body: await outcomeOfRow(trx, caller, await insertSubmitted(trx, submission)) };
  });
  return result as WriteResult & { body: RecordOutcome };
}

export interface BatchItemResult {
  index: number;
  externalId: string | null;
  status: number;
  replayed: boolean;
  result: RecordOutcome | null;
  problem: { code: string; params: Record<string, unknown>; errors?: unknown[] } | null;
}

/**
 * Up to 1000 records, each in its own transaction with its own answer: one bad record does not
 * hold back the others, and retrying the whole batch repeats nothing (each externalId replays).
 */
export async function postBatch(
  db: Kysely<DB>,
  caller: Caller,
  items: { index: number; input: NewRecord | null; externalId: string | null; invalid?: { errors: unknown[] } }[],
): Promise<BatchItemResult[]> {
  const results: BatchItemResult[] = [];
  for (const item of items) {
    const base = { index: item.index, externalId: item.externalId };
    if (!item.input) {
      const errors = (item.invalid?.errors ?? []) as { code: string }[];
      const codes = new Set(errors.map((e) => e.code));
      const code = codes.size === 1 ? [...codes][0]! : 'validation_failed';
      results.push({ ...base, status: 400, replayed: false, result: null, problem: { code, params: {}, errors } });
      continue;
    }
    try {
      const written = await postRecord(db, caller, item.input);
      results.push({ ...base, status: written.statusCode, replayed: written.replayed, result: written.body, problem: null });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      results.push({ ...base, status: err.status, replayed: err.replayed, result: null, problem: { code: err.code, params: err.params } });
    }
  }
  return results;
}
