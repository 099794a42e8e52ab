import type { Kysely, Transaction } from 'kysely';
import type { Caller } from '../auth/caller.js';
import type { DB } from '../db/schema.js';
import { requestHash, type Settled, type WriteOutcome, type WriteResult } from '../idempotency/keys.js';
import { GroupedWrites, idempotentWriteMany, type ManyOptions } from '../idempotency/groups.js';
import { orgUnitForWrite } from '../orgunits/orgUnits.js';
import { DomainError } from '../problems.js';
import type { NewRecord, RecordOutcome } from './record.js';
import { prepareSubmissions, type RecordSubmission, storeSubmissions } from './submission.js';

// Posting service records, alone, grouped or in a batch: all go through submitRecords. The record's
// externalId is its idempotency key: the same record posted again (at once, or after a lost
// answer) gets the first answer back, and the same externalId with a different record is a 409
// once a record was stored. A refused record may be corrected and posted again under its
// externalId; the refused body itself keeps getting its refusal. A space cannot occur in an
// Idempotency-Key header, so these keys never meet a client's own.
const keyOf = (externalId: string) => `externalId ${externalId}`;

/** Records of one batch written in one transaction: a batch of 1000 is written in ten. */
export const RECORDS_PER_TRANSACTION = 100;

/**
 * Records of one tenant, checked in order and written in one transaction with their answers
 * (idempotentWriteMany): a refused record writes nothing and holds back none of the others.
 */
export async function submitRecords(db: Kysely<DB>, tenantId: string, submissions: RecordSubmission[], opts: ManyOptions = {}): Promise<Promise<Settled>[]> {
  const requests = submissions.map(({ caller, input }) => ({
    key: keyOf(input.externalId),
    hash: requestHash({ serviceRecord: input }),
    correctableRefusals: true,
    // A stored answer goes only to a caller who may act for the record's org unit.
    authorize: async (trx: Transaction<DB>) => {
      if (caller.scope) await orgUnitForWrite(trx, caller, input.orgUnitId);
    },
  }));
  return idempotentWriteMany(
    db,
    tenantId,
    requests,
    (trx, claimed) => writeRecords(trx, tenantId, claimed.map((i) => submissions[i]!)),
    (i) => async (trx) => {
      const [outcome] = await writeRecords(trx, tenantId, [submissions[i]!]);
      if (outcome instanceof DomainError) throw outcome;
      return outcome!;
    },
    opts,
  );
}

/** Checks the records, then stores those that passed: verified with their awards, or submitted. */
async function writeRecords(trx: Transaction<DB>, tenantId: string, submissions: RecordSubmission[]): Promise<(WriteOutcome | DomainError)[]> {
  const prepared = await prepareSubmissions(trx, tenantId, submissions);
  const outcomes = await storeSubmissions(trx, tenantId, prepared);
  return outcomes.map((o) => (o instanceof DomainError ? o : { statusCode: 201, body: o }));
}

/**
 * Single posts of one tenant that arrive together share transactions (GroupedWrites): up to
 * `concurrency` groups of a tenant at once, at most MAX_GROUP posts each. An idle service writes
 * each post at once, alone; a busy one pays the round trips of a transaction (claim the keys,
 * check, read, store, answer, commit) once per group instead of once per record. Each post keeps
 * its own answer: one refused record holds back none of the others (submitRecords).
 */
export class RecordIntake {
  private readonly groups: GroupedWrites<RecordSubmission>;

  constructor(db: Kysely<DB>, concurrency: number, lockWaitMs: number) {
    // Posts of different stations share the transaction: one held up by a lock (a station's
    // issuance slots held by a long transaction, a member being corrected) must not hold up the
    // others for long, nor keep this group's turn, so after `lockWaitMs` (GROUP_LOCK_WAIT_MS) the
    // group (even of one) gives up and each post goes alone, outside the turns.
    this.groups = new GroupedWrites(concurrency, MAX_GROUP, (group) =>
      submitRecords(db, group[0]!.caller.tenantId, group, { lockTimeoutMs: lockWaitMs, othersAtOnce: true }),
    );
  }

  async post(caller: Caller, input: NewRecord): Promise<WriteResult & { body: RecordOutcome }> {
    return (await this.groups.submit(caller.tenantId, { caller, input })) as WriteResult & { body: RecordOutcome };
  }
}

/** The most single posts one transaction takes. */
const MAX_GROUP = 32;
