import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { idempotentWriteMany, requestHash, type Settled, type WriteOutcome, type WriteResult } from '../idempotency.js';
import { orgUnitForWrite } from '../orgunits/orgUnits.js';
import { DomainError } from '../problems.js';
import type { Caller } from '../tenants/tenants.js';
import { awardSubmission, outcomeOfRow, type RecordOutcome } from './awards.js';
import { insertSubmitted, type NewRecord, type Posting, prepareSubmissions } from './records.js';

// Posting service records, alone or in a batch: both go through postRecords. The record's
// externalId is its idempotency key: the same record posted again (at once, or after a lost
// answer) gets the first answer back, and the same externalId with a different record is a 409
// once a record was stored. A refused record may be corrected and posted again under its
// externalId; the refused body itself keeps getting its refusal. A space cannot occur in an
// Idempotency-Key header, so these keys never meet a client's own.
const keyOf = (externalId: string) => `externalId ${externalId}`;

/** Records of one batch written in one transaction: a batch of 1000 is written in ten. */
const RECORDS_PER_TRANSACTION = 100;

/**
 * Records of one tenant, checked in order and written in one transaction with their answers
 * (idempotentWriteMany): a refused record writes nothing and holds back none of the others.
 */
export async function postRecords(db: Kysely<DB>, tenantId: string, postings: Posting[]): Promise<Settled[]> {
  const requests = postings.map(({ caller, input }) => ({
    key: keyOf(input.externalId),
    hash: requestHash({ serviceRecord: input }),
    correctableRefusals: true,
    // A stored answer goes only to a caller who may act for the record's org unit.
    authorizeReplay: async (trx: Transaction<DB>) => {
      if (caller.scope) await orgUnitForWrite(trx, caller, input.orgUnitId);
    },
  }));
  return idempotentWriteMany(
    db,
    tenantId,
    requests,
    (trx, claimed) => writeRecords(trx, tenantId, claimed.map((i) => postings[i]!)),
    (i) => async (trx) => {
      const [outcome] = await writeRecords(trx, tenantId, [postings[i]!]);
      if (outcome instanceof DomainError) throw outcome;
      return outcome!;
    },
  );
}

/** Checks the records, then stores each that passed: verified with its award, or submitted. */
async function writeRecords(trx: Transaction<DB>, tenantId: string, postings: Posting[]): Promise<(WriteOutcome | DomainError)[]> {
  const outcomes: (WriteOutcome | DomainError)[] = [];
  for (const submission of await prepareSubmissions(trx, tenantId, postings)) {
    if (submission instanceof DomainError) outcomes.push(submission);
    else if (submission.autoVerify) outcomes.push({ statusCode: 201, body: await awardSubmission(trx, submission.caller, submission) });
    // A submitted record has moved nothing yet; the answer has the same shape all the same.
    else outcomes.push({ statusCode: 201, body: await outcomeOfRow(trx, submission.caller, await insertSubmitted(trx, submission)) });
  }
  return outcomes;
}

export async function postRecord(db: Kysely<DB>, caller: Caller, input: NewRecord): Promise<WriteResult & { body: RecordOutcome }> {
  const [settled] = await postRecords(db, caller.tenantId, [{ caller, input }]);
  if (!settled!.ok) throw settled!.error;
  return settled!.result as WriteResult & { body: RecordOutcome };
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
 * Up to 1000 records, each with its own answer: one bad record does not hold back the others,
 * and retrying the whole batch repeats nothing (each externalId replays).
 */
export async function postBatch(
  db: Kysely<DB>,
  caller: Caller,
  items: { index: number; input: NewRecord | null; externalId: string | null; invalid?: { errors: unknown[] } }[],
): Promise<BatchItemResult[]> {
  const results: BatchItemResult[] = [];
  const valid: { index: number; externalId: string | null; input: NewRecord }[] = [];
  for (const item of items) {
    if (item.input) {
      valid.push({ index: item.index, externalId: item.externalId, input: item.input });
      continue;
    }
    const errors = (item.invalid?.errors ?? []) as { code: string }[];
    const codes = new Set(errors.map((e) => e.code));
    const code = codes.size === 1 ? [...codes][0]! : 'validation_failed';
    results.push({ index: item.index, externalId: item.externalId, status: 400, replayed: false, result: null, problem: { code, params: {} as Record<string, unknown>, errors } });
  }
  for (let start = 0; start < valid.length; start += RECORDS_PER_TRANSACTION) {
    const chunk = valid.slice(start, start + RECORDS_PER_TRANSACTION);
    const settled = await postRecords(db, caller.tenantId, chunk.map(({ input }) => ({ caller, input })));
    chunk.forEach(({ index, externalId }, k) => {
      const s = settled[k]!;
      const base = { index, externalId };
      if (s.ok) {
        results.push({ ...base, status: s.result.statusCode, replayed: s.result.replayed, result: s.result.body as RecordOutcome, problem: null });
        return;
      }
      if (!(s.error instanceof DomainError)) throw s.error;
      results.push({ ...base, status: s.error.status, replayed: s.error.replayed, result: null, problem: { code: s.error.code, params: s.error.params } });
    });
  }
  return results.sort((a, b) => a.index - b.index);
}
