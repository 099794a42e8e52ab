import type { Transaction } from 'kysely';
import type { Caller } from '../auth/caller.js';
import type { DB } from '../db/schema.js';
import { type Entry, formatAmount, issuanceAccount, memberPointsAccount, post } from '../ledger/index.js';
import { lockMember } from '../members/members.js';
import { DomainError } from '../problems.js';
import { ratingBonus, ruleNow } from '../rules/rules.js';
import { mustBe, outcomeOf } from './lifecycle.js';
import type { RecordOutcome } from './record.js';
import { addEvent, lockRecord, setRating } from './repository.js';

// Ratings (评单, DESIGN §6 `ratings`): a resident's 1–5 rating of a verified service record, and
// the bonus the points rule gives for it. A rating lives on its record (columns of
// service_records), so it is written through this module's repository.

/** Once per verified record; a bonus under the rule in force is its own entry (points only: stars follow hours). */
export async function rateRecord(
  trx: Transaction<DB>,
  caller: Caller,
  recordId: string,
  input: { stars: number; comment?: string | undefined },
): Promise<RecordOutcome> {
  const record = await lockRecord(trx, caller, recordId);
  if (record.rating !== null) throw new DomainError('already_rated');
  mustBe(record, 'verified', 'a rating');
  await lockMember(trx, caller.tenantId, record.member_id);
  const rule = await ruleNow(trx, caller.tenantId);
  const bonus = ratingBonus(rule, input.stars);
  let entry: Entry | null = null;
  if (bonus.gt(0)) {
    entry = await post(trx, {
      tenantId: caller.tenantId,
      kind: 'bonus',
      reason: `rating ${input.stars}★ bonus ${formatAmount(bonus)} (rule v${rule.version})`,
      objectType: 'service_record',
      objectId: recordId,
      ruleVersion: rule.version,
      createdBy: caller.keyId,
      postings: [
        { accountId: issuanceAccount(record.org_unit_id, 'points'), unit: 'POINTS', amount: bonus.neg() },
        { accountId: memberPointsAccount(record.member_id), unit: 'POINTS', amount: bonus },
      ],
    });
  }
  const bonusPoints = entry ? formatAmount(bonus) : null;
  await setRating(trx, caller.tenantId, recordId, { stars: input.stars, comment: input.comment ?? null, bonusEntryId: entry?.id ?? null, bonusPoints });
  await addEvent(trx, caller.tenantId, recordId, {
    type: 'rated',
    actor: caller.keyId,
    detail: { stars: input.stars, bonusPoints, entryId: entry?.id ?? null },
  });
  return outcomeOf(trx, caller, recordId);
}
