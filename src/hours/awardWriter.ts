import { Decimal } from 'decimal.js';
import { type RawBuilder, sql, type Transaction } from 'kysely';
import { fromJsonb } from '../db/json.js';
import { staleRead } from '../db/transaction.js';
import type { DB } from '../db/schema.js';
import { embedEntries, type EntryInput, formatAmount, memberHoursAccount, memberPointsAccount, toBalance } from '../ledger/index.js';
import { recordStarChangesSql, type StarChangeRow, starChangeJson } from '../members/repository.js';
import { toStarChange } from '../members/stars.js';
import type { Plan } from './plans.js';
import { type RecordOutcome, type RecordRow, toRecord } from './record.js';

// The one award writer: applies a list of plans (plans.ts) in one statement, whatever their
// number. It writes service_records and service_record_events (this module's tables), all the
// plans' entries through one call of the ledger's write path (embedEntries: the ledger maps its
// refusals), and the members' star changes through the SQL the members module gives for it
// (star_changes, members.stars). A refusal of any entry refuses the whole list.

/** What the writer answers for each plan, in the order given. */
export interface Written {
  outcome: Omit<RecordOutcome, 'correction'>;
  /** The ids of the plan's entries, in its order. */
  entryIds: string[];
}

/** Where the member's balance after the plan's entries can be read: the last posting on the account. */
function lastPosting(entries: EntryInput[], accountId: string, base: number): [number, number] | [null, null] {
  for (let k = entries.length - 1; k >= 0; k--) {
    const i = entries[k]!.postings.findIndex((p) => p.accountId === accountId);
    if (i >= 0) return [base + k + 1, i + 1];
  }
  return [null, null];
}

const insertColumns = sql`tenant_id, record_id, external_id, member_id, org_unit_id, category, title, source, place, beneficiary,
  content, lead_name, recorder, reference, started_at, ended_at, hours, submitted_by, status, award_entry_id, rule_version, points,
  explanation, verified_by, verified_at`;

// The plans' rows, one array per column (unnest): cheaper for the database than one jsonb of
// objects, which it parsed whole and then searched for each column of each row (2.7 % of an
// award's instructions, README "Performance"). A record's events stay one jsonb each.
const ITEM_COLUMNS = [
  ['n', 'integer'], ['op', 'text'], ['record_id', 'uuid'], ['external_id', 'text'], ['member_id', 'uuid'], ['org_unit_id', 'text'],
  ['category', 'text'], ['title', 'text'], ['source', 'text'], ['place', 'text'], ['beneficiary', 'text'], ['content', 'text'],
  ['lead_name', 'text'], ['recorder', 'text'], ['reference', 'text'], ['started_at', 'timestamptz'], ['ended_at', 'timestamptz'],
  ['hours', 'numeric'], ['submitted_by', 'text'], ['status', 'text'], ['award', 'integer'], ['rule_version', 'integer'],
  ['points', 'numeric'], ['explanation', 'text'], ['verified_by', 'text'], ['events', 'jsonb'], ['star_from', 'integer'],
  ['star_to', 'integer'], ['star_hours', 'numeric'], ['star_cause', 'text'], ['star_entry', 'integer'], ['first_entry', 'integer'],
  ['last_entry', 'integer'], ['hours_entry', 'integer'], ['hours_pos', 'integer'], ['points_entry', 'integer'], ['points_pos', 'integer'],
] as const;

// The text around the arrays, made once: `unnest($1::integer[], $2::text[], …) AS x(n, op, …)`.
// Called as a tag with these fragments, sql builds one node holding the 37 arrays. A fragment and
// a cast per column, joined, took 33 µs a statement to build and compile; this takes 7, as the one
// jsonb it replaced did (timed in a loop, a statement of one record; README "Performance").
const ITEM_FRAGMENT_TEXTS = [
  'unnest(',
  ...ITEM_COLUMNS.slice(0, -1).map(([, type]) => `::${type}[], `),
  `::${ITEM_COLUMNS[ITEM_COLUMNS.length - 1]![1]}[]) AS x(${ITEM_COLUMNS.map(([name]) => name).join(', ')})`,
];
const ITEM_FRAGMENTS: TemplateStringsArray = Object.assign(ITEM_FRAGMENT_TEXTS, { raw: ITEM_FRAGMENT_TEXTS });

function itemRows(items: Record<string, unknown>[]): RawBuilder<unknown> {
  return sql(ITEM_FRAGMENTS, ...ITEM_COLUMNS.map(([name]) => items.map((item) => (name === 'events' ? JSON.stringify(item.events) : (item[name] ?? null)))));
}

type WrittenRow = RecordRow & {
  n: number;
  entry_ids: string[] | null;
  hours_after: string | null;
  points_after: string | null;
  star_change: StarChangeRow | string | null;
};

export async function writePlans(trx: Transaction<DB>, tenantId: string, plans: Plan[]): Promise<Written[]> {
  if (plans.length === 0) return [];
  const entries: EntryInput[] = [];
  const items = plans.map((p, n) => {
    const base = entries.length;
    entries.push(...p.entries);
    // Entries are numbered from 1 over the whole call, as the ledger answers them.
    const at = (k: number | null) => (k === null ? null : base + k + 1);
    const [hoursEntry, hoursPos] = lastPosting(p.entries, memberHoursAccount(p.memberId), base);
    const [pointsEntry, pointsPos] = lastPosting(p.entries, memberPointsAccount(p.memberId), base);
    const v = p.record.insert;
    const u = p.record.update;
    return {
      n,
      op: v ? 'insert' : 'update',
      record_id: p.recordId,
      ...(v
        ? {
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
            started_at: new Date(v.started_at as Date).toISOString(),
            ended_at: new Date(v.ended_at as Date).toISOString(),
            hours: formatAmount(v.hours as string),
            submitted_by: v.submitted_by,
            status: v.status,
            rule_version: v.rule_version ?? null,
            points: v.points ?? null,
            explanation: v.explanation ?? null,
            verified_by: v.verified_by ?? null,
          }
        : { member_id: p.memberId, status: u!.status, hours: u!.hours, rule_version: u!.ruleVersion, points: u!.points, explanation: u!.explanation, verified_by: u!.verifiedBy }),
      award: at(p.award),
      events: p.events.map((e) => ({
        ...e,
        refs: e.refs && Object.fromEntries(Object.entries(e.refs).map(([key, k]) => [key, Array.isArray(k) ? k.map(at) : at(k)])),
      })),
      star_from: p.stars?.from ?? null,
      star_to: p.stars?.to ?? null,
      star_hours: p.stars?.hours ?? null,
      star_cause: p.stars?.cause ?? null,
      star_entry: p.stars ? at(p.stars.entry) : null,
      first_entry: p.entries.length > 0 ? base + 1 : null,
      last_entry: p.entries.length > 0 ? base + p.entries.length : null,
      hours_entry: hoursEntry,
      hours_pos: hoursPos,
      points_entry: pointsEntry,
      points_pos: pointsPos,
    };
  });
  // A write with no plan of one kind leaves its CTE out (an empty set of the table's shape in its
  // place): a post verified at once, the most common award, plans and runs the INSERT alone.
  const inserts = items.some((i) => i.op === 'insert');
  const updates = items.some((i) => i.op === 'update');
  const none = sql`SELECT * FROM service_records WHERE false`;
  const statement = (call: RawBuilder<unknown> | null) => sql<WrittenRow>`
    WITH x AS (SELECT * FROM ${itemRows(items)}),
    e AS (${call ? sql`SELECT p.n, p.entry_id, p.balances_after FROM (${call}) AS p` : sql`SELECT NULL::integer AS n, NULL::uuid AS entry_id, NULL::text[] AS balances_after WHERE false`}),
    ids AS (SELECT coalesce(array_agg(e.entry_id ORDER BY e.n), '{}') AS ids FROM e),
    ins AS (${!inserts ? none : sql`
      INSERT INTO service_records (${insertColumns})
      SELECT ${tenantId}, x.record_id, x.external_id, x.member_id, x.org_unit_id, x.category, x.title, x.source, x.place, x.beneficiary,
        x.content, x.lead_name, x.recorder, x.reference, x.started_at, x.ended_at, x.hours, x.submitted_by, x.status, ids.ids[x.award],
        x.rule_version, x.points, x.explanation, x.verified_by, CASE WHEN x.verified_by IS NOT NULL THEN now() END
      FROM x CROSS JOIN ids WHERE x.op = 'insert'
      ON CONFLICT (tenant_id, external_id) DO NOTHING
      RETURNING *`}
    ),
    upd AS (${!updates ? none : sql`
      UPDATE service_records r SET status = coalesce(x.status, r.status), hours = coalesce(x.hours, r.hours),
        award_entry_id = coalesce(ids.ids[x.award], r.award_entry_id), rule_version = coalesce(x.rule_version, r.rule_version),
        points = coalesce(x.points, r.points), explanation = coalesce(x.explanation, r.explanation),
        verified_by = coalesce(x.verified_by, r.verified_by),
        verified_at = CASE WHEN x.verified_by IS NOT NULL THEN now() ELSE r.verified_at END, updated_at = now()
      FROM x CROSS JOIN ids
      WHERE x.op = 'update' AND r.tenant_id = ${tenantId} AND r.record_id = x.record_id
      RETURNING r.*`}
    ),
    r AS (SELECT * FROM ins UNION ALL SELECT * FROM upd),
    ev AS (
      INSERT INTO service_record_events (tenant_id, record_id, event_no, type, actor, reason, detail)
      SELECT ${tenantId}, r.record_id,
        v.no + CASE WHEN x.op = 'insert' THEN 0 ELSE (SELECT coalesce(max(s.event_no), 0) FROM service_record_events s
          WHERE s.tenant_id = ${tenantId} AND s.record_id = r.record_id) END,
        v.type, v.actor, v.reason,
        -- The detail, completed with the ids of the entries it names (refs: their numbers in the call).
        CASE WHEN v.refs IS NULL OR jsonb_typeof(v.refs) <> 'object' THEN v.detail ELSE v.detail || (SELECT coalesce(jsonb_object_agg(k.key,
          CASE jsonb_typeof(k.value)
            WHEN 'number' THEN to_jsonb(ids.ids[(k.value)::integer])
            WHEN 'array' THEN (SELECT coalesce(jsonb_agg(to_jsonb(ids.ids[a.v::integer]) ORDER BY a.i), '[]')
              FROM jsonb_array_elements_text(k.value) WITH ORDINALITY AS a(v, i))
            ELSE 'null'::jsonb END), '{}') FROM jsonb_each(v.refs) AS k) END
      FROM r JOIN x ON x.record_id = r.record_id CROSS JOIN ids
      CROSS JOIN LATERAL jsonb_to_recordset(x.events) AS v(no integer, type text, actor text, reason text, detail jsonb, refs jsonb)
    ),
    changes AS (
      SELECT x.n, x.member_id, x.star_from AS from_stars, x.star_to AS to_stars, x.star_hours AS hours, x.star_cause AS cause,
        r.record_id, ids.ids[x.star_entry] AS entry_id
      FROM r JOIN x ON x.record_id = r.record_id CROSS JOIN ids WHERE x.star_to IS NOT NULL
    ),
    ${recordStarChangesSql(tenantId, 'changes')}
    SELECT r.*, x.n, ids.ids[x.first_entry:x.last_entry] AS entry_ids,
      (SELECT e.balances_after[x.hours_pos] FROM e WHERE e.n = x.hours_entry) AS hours_after,
      (SELECT e.balances_after[x.points_pos] FROM e WHERE e.n = x.points_entry) AS points_after,
      ${starChangeJson('sc')} AS star_change
    FROM r JOIN x ON x.record_id = r.record_id CROSS JOIN ids LEFT JOIN stars_recorded sc ON sc.record_id = r.record_id`;
  // The hot statement of awards: one round trip for every plan, the ledger's write embedded.
  const rows =
    entries.length === 0
      ? (await statement(null).execute(trx)).rows
      : await embedEntries(trx, entries, async (call) => (await statement(call).execute(trx)).rows);
  // Every record is one this transaction claimed or holds locked: one not written is a broken invariant.
  if (rows.length !== plans.length) throw new Error(`${plans.length - rows.length} of ${plans.length} service records were not written`);
  const written = new Array<Written>(plans.length);
  for (const { n, entry_ids, hours_after, points_after, star_change, ...row } of rows) {
    const p = plans[n]!;
    // The member's lock was held since their balances were read, but the capture of a hold on the
    // member's hours moves them without it: then the plan (stars included) was made from hours
    // gone stale, and the whole transaction is tried again from its reads.
    if (hours_after !== null && !new Decimal(hours_after).eq(p.member.hours)) {
      throw staleRead(`member ${p.memberId}: hours after ${hours_after} differ from the ${p.member.hours} planned`);
    }
    // Points may also move by holds' captures, which do not take the member's lock: the ledger's answer is the truth.
    const points = points_after ?? p.member.points;
    written[n] = {
      outcome: {
        record: toRecord(row),
        member: {
          id: p.memberId,
          hours: formatAmount(p.member.hours),
          points: formatAmount(points),
          pointsAvailable: toBalance(points, p.member.held).available,
          stars: p.member.stars,
        },
        starChange: star_change === null ? null : toStarChange(fromJsonb(star_change)),
      },
      entryIds: entry_ids ?? [],
    };
  }
  return written;
}
