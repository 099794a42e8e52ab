import { Decimal } from 'decimal.js';
import { sql, type Transaction } from 'kysely';
import { fromJsonb } from '../db/json.js';
import type { DB } from '../db/schema.js';
import { embedEntries, type EntryInput, formatAmount, toBalance } from '../ledger/index.js';
import { type ChangeRow, memberHoursAccount, memberPointsAccount, starChangeJson, starsFor, toStarChange } from '../members/stars.js';
import { DomainError } from '../problems.js';
import { awardPostings, type MemberTotals, type RecordOutcome, verifiedDetail } from './awards.js';
import { type Prepared, type RecordRow, type Submission, submittedDetail, toRecord } from './records.js';
import { computeAward } from './rules.js';

// Storing the service records a transaction accepted (records.ts prepareSubmissions checked
// them): a constant number of statements, whatever their number, each record with its answer.

interface Running {
  hours: Decimal;
  points: Decimal;
  held: Decimal;
  stars: number;
}

/** One accepted record as it is written: its columns, and what it does to its member. */
interface Planned {
  n: number;
  submission: Submission;
  member: MemberTotals;
  award: { entry: EntryInput; points: Decimal; explanation: string; hoursAt: number; pointsAt: number } | null;
  starChange: { from: number; to: number; hours: Decimal } | null;
}

/**
 * Stores the accepted submissions of one transaction with two statements at most, whatever their
 * number: one inserts the records verified at once with their awards (all their entries through
 * one call of ledger_post_many), their history and star changes; one inserts the records left
 * submitted. The members are locked and their balances were read under the lock, so each
 * record's effect on its member (hours, points, stars) is worked out here, in the order they are
 * written, and checked against the balances the ledger answers.
 */
export async function storeSubmissions(trx: Transaction<DB>, tenantId: string, prepared: Prepared): Promise<(RecordOutcome | DomainError)[]> {
  const running = new Map<string, Running>(
    [...prepared.members].map(([id, m]) => [id, { hours: new Decimal(m.hours), points: new Decimal(m.points), held: new Decimal(m.held), stars: m.stars }]),
  );
  const planned: Planned[] = [];
  // Written as posted: ledger_post_many takes every balance lock of the transaction's entries in
  // one fixed order, whatever the order of the entries.
  for (const [n, submission] of prepared.submissions.entries()) {
    if (submission instanceof DomainError) continue;
    const { values, rule } = submission;
    const m = running.get(values.member_id)!;
    let award: Planned['award'] = null;
    let starChange: Planned['starChange'] = null;
    if (submission.autoVerify) {
      const hours = new Decimal(values.hours);
      const computed = computeAward(rule, { hours, category: values.category, source: values.source });
      const postings = awardPostings(values.org_unit_id, values.member_id, hours, computed.points);
      award = {
        entry: {
          tenantId,
          kind: 'award',
          occurredAt: new Date(values.ended_at),
          reason: computed.explanation,
          objectType: 'service_record',
          objectId: values.record_id,
          ruleVersion: rule.version,
          createdBy: submission.caller.keyId,
          metadata: { explanation: computed.explanation, hours: formatAmount(hours), points: formatAmount(computed.points) },
          postings,
        },
        points: computed.points,
        explanation: computed.explanation,
        hoursAt: postings.findIndex((p) => p.accountId === memberHoursAccount(values.member_id)),
        pointsAt: postings.findIndex((p) => p.accountId === memberPointsAccount(values.member_id)),
      };
      m.hours = m.hours.plus(hours);
      m.points = m.points.plus(computed.points);
      const stars = starsFor(m.hours, prepared.thresholds);
      if (stars !== m.stars) starChange = { from: m.stars, to: stars, hours: m.hours };
      m.stars = stars;
    }
    const member = {
      id: values.member_id,
      hours: formatAmount(m.hours),
      points: formatAmount(m.points),
      pointsAvailable: toBalance(m.points, m.held).available,
      stars: m.stars,
    };
    planned.push({ n, submission, member, award, starChange });
  }

  const outcomes: (RecordOutcome | DomainError)[] = prepared.submissions.map((s) => (s instanceof DomainError ? s : (null as never)));
  const awarded = planned.filter((p) => p.award);
  const submitted = planned.filter((p) => !p.award);
  for (const p of await insertAwarded(trx, tenantId, awarded)) outcomes[p.n] = p.outcome;
  for (const p of await insertSubmitted(trx, tenantId, submitted)) outcomes[p.n] = p.outcome;
  return outcomes;
}

/** The columns of a posted record, as jsonb_to_recordset reads them (record_columns below). */
function recordJson(p: Planned) {
  const v = p.submission.values;
  return {
    n: p.n,
    record_id: v.record_id,
    external_id: v.external_id,
    member_id: v.member_id,
    org_unit_id: v.org_unit_id,
    category: v.category,
    title: v.title,
    source: v.source,
    place: v.place,
    beneficiary: v.beneficiary,
    content: v.content,
    lead_name: v.lead_name,
    recorder: v.recorder,
    reference: v.reference,
    started_at: new Date(v.started_at).toISOString(),
    ended_at: new Date(v.ended_at).toISOString(),
    hours: formatAmount(v.hours),
    submitted_by: v.submitted_by,
    submitted: submittedDetail(v.hours),
  };
}

const recordColumns = sql`n integer, record_id uuid, external_id text, member_id uuid, org_unit_id text, category text, title text,
  source text, place text, beneficiary text, content text, lead_name text, recorder text, reference text,
  started_at timestamptz, ended_at timestamptz, hours numeric, submitted_by text, submitted jsonb`;

const insertColumns = sql`tenant_id, record_id, external_id, member_id, org_unit_id, category, title, source, place, beneficiary,
  content, lead_name, recorder, reference, started_at, ended_at, hours, submitted_by, status`;

const insertValues = (tenantId: string) => sql`${tenantId}, x.record_id, x.external_id, x.member_id, x.org_unit_id, x.category, x.title,
  x.source, x.place, x.beneficiary, x.content, x.lead_name, x.recorder, x.reference, x.started_at, x.ended_at, x.hours, x.submitted_by`;

type AwardedRow = RecordRow & { n: number; balances_after: (string | null)[]; star_change: ChangeRow | string | null };

async function insertAwarded(trx: Transaction<DB>, tenantId: string, awarded: Planned[]): Promise<{ n: number; outcome: RecordOutcome }[]> {
  if (awarded.length === 0) return [];
  const items = awarded.map((p) => {
    const a = p.award!;
    const hours = new Decimal(p.submission.values.hours);
    return {
      ...recordJson(p),
      rule_version: p.submission.rule.version,
      points: formatAmount(a.points),
      explanation: a.explanation,
      verified: {
        ...verifiedDetail(true, p.submission.rule, hours, a),
        ...(p.starChange ? { stars: { from: p.starChange.from, to: p.starChange.to } } : {}),
      },
      star_from: p.starChange?.from ?? null,
      star_to: p.starChange?.to ?? null,
      star_hours: p.starChange ? formatAmount(p.starChange.hours) : null,
    };
  });
  // The hot statement of a group of awards: it embeds the ledger's write for all of them (the
  // facade maps its refusals) with the records, their history and star changes, in one round trip.
  const rows: AwardedRow[] = await embedEntries(trx, awarded.map((p) => p.award!.entry), async (call) =>
    (
      await sql<AwardedRow>`
      WITH x AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(items)}::jsonb) AS x(${recordColumns}, rule_version integer, points numeric,
          explanation text, verified jsonb, star_from integer, star_to integer, star_hours numeric)
      ),
      e AS (
        -- Entry k of the call (from 1) is the award of awarded[k - 1].
        SELECT (${awarded.map((p) => p.n)}::integer[])[p.n] AS n, p.entry_id, p.balances_after
        FROM (${call}) AS p
      ),
      r AS (
        INSERT INTO service_records (${insertColumns}, award_entry_id, rule_version, points, explanation, verified_by, verified_at)
        SELECT ${insertValues(tenantId)}, 'verified', e.entry_id, x.rule_version, x.points, x.explanation, x.submitted_by, now()
        FROM x JOIN e ON e.n = x.n
        ON CONFLICT (tenant_id, external_id) DO NOTHING
        RETURNING *
      ),
      ev AS (
        INSERT INTO service_record_events (tenant_id, record_id, event_no, type, actor, detail)
        SELECT ${tenantId}, r.record_id, v.no, v.type, r.submitted_by, v.detail
        FROM r JOIN x ON x.record_id = r.record_id JOIN e ON e.n = x.n
        CROSS JOIN LATERAL (VALUES (1, 'submitted', x.submitted), (2, 'verified', x.verified || jsonb_build_object('entryId', e.entry_id))) AS v(no, type, detail)
      ),
      sc AS (
        INSERT INTO star_changes (tenant_id, member_id, from_stars, to_stars, hours, cause, record_id, entry_id)
        SELECT ${tenantId}, x.member_id, x.star_from, x.star_to, x.star_hours, 'award', x.record_id, e.entry_id
        FROM r JOIN x ON x.record_id = r.record_id JOIN e ON e.n = x.n
        WHERE x.star_to IS NOT NULL
        RETURNING *
      ),
      f AS (SELECT DISTINCT ON (x.member_id) x.member_id, x.star_to FROM x WHERE x.star_to IS NOT NULL ORDER BY x.member_id, x.n DESC),
      ms AS (
        -- = ANY(ARRAY(...)) looks the members up by key; a join here may scan the whole table.
        UPDATE members m SET stars = (SELECT f.star_to FROM f WHERE f.member_id = m.member_id)
        WHERE m.tenant_id = ${tenantId} AND m.member_id = ANY(ARRAY(SELECT f.member_id FROM f))
      )
      SELECT r.*, x.n, e.balances_after, ${starChangeJson('sc')} AS star_change
      FROM r JOIN x ON x.record_id = r.record_id JOIN e ON e.n = x.n LEFT JOIN sc ON sc.record_id = r.record_id`.execute(trx)
    ).rows,
  );
  // Every key was claimed in this transaction: a record that was not stored is a broken invariant.
  if (rows.length !== awarded.length) throw new Error(`${awarded.length - rows.length} of ${awarded.length} awarded records were not stored`);
  const byN = new Map(awarded.map((p) => [p.n, p]));
  return rows.map(({ n, balances_after, star_change, ...row }) => {
    const p = byN.get(n)!;
    const a = p.award!;
    // The member's lock was held since their balances were read: what the ledger left must be what was worked out.
    const hoursAfter = balances_after[a.hoursAt];
    if (hoursAfter === null || hoursAfter === undefined || !new Decimal(hoursAfter).eq(p.member.hours)) {
      throw new Error(`member ${p.member.id}: hours after the award ${hoursAfter} differ from the ${p.member.hours} worked out`);
    }
    if (a.pointsAt >= 0 && !new Decimal(balances_after[a.pointsAt]!).eq(p.member.points)) {
      throw new Error(`member ${p.member.id}: points after the award ${balances_after[a.pointsAt]} differ from the ${p.member.points} worked out`);
    }
    const starChange = star_change === null ? null : toStarChange(fromJsonb(star_change));
    return { n, outcome: { record: toRecord(row), member: p.member, starChange, correction: null } };
  });
}

async function insertSubmitted(trx: Transaction<DB>, tenantId: string, submitted: Planned[]): Promise<{ n: number; outcome: RecordOutcome }[]> {
  if (submitted.length === 0) return [];
  const { rows } = await sql<RecordRow & { n: number }>`
    WITH x AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify(submitted.map(recordJson))}::jsonb) AS x(${recordColumns})),
    r AS (
      INSERT INTO service_records (${insertColumns})
      SELECT ${insertValues(tenantId)}, 'submitted' FROM x
      ON CONFLICT (tenant_id, external_id) DO NOTHING
      RETURNING *
    ),
    ev AS (
      INSERT INTO service_record_events (tenant_id, record_id, event_no, type, actor, detail)
      SELECT ${tenantId}, r.record_id, 1, 'submitted', r.submitted_by, x.submitted FROM r JOIN x ON x.record_id = r.record_id
    )
    SELECT r.*, x.n FROM r JOIN x ON x.record_id = r.record_id`.execute(trx);
  if (rows.length !== submitted.length) throw new Error(`${submitted.length - rows.length} of ${submitted.length} submitted records were not stored`);
  const byN = new Map(submitted.map((p) => [p.n, p]));
  // A submitted record has moved nothing yet; the answer has the same shape all the same.
  return rows.map(({ n, ...row }) => ({ n, outcome: { record: toRecord(row), member: byN.get(n)!.member, starChange: null, correction: null } }));
}

