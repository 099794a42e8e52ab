import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../auth/apiKeys.js';
import type { Caller } from '../auth/caller.js';
import { RECORDS_PER_TRANSACTION, submitRecords } from '../hours/intake.js';
import { rateRecord } from '../hours/ratings.js';
import { recordsByExternalId } from '../hours/repository.js';
import { issuanceAccount, memberAccountSql } from '../ledger/index.js';
import { recordConfigChange } from '../changes/changes.js';
import { membersByCards, registerMember } from '../members/members.js';
import { createOrgUnit, findOrgUnit, type OrgUnitKind } from '../orgunits/orgUnits.js';
import { DomainError } from '../problems.js';
import { createRule, ruleNow } from '../rules/rules.js';
import {
  DEMO_CARD_PREFIX,
  DEMO_KEY_NAME,
  demoMembers,
  demoOrgUnitIds,
  demoRecords,
  demoRule,
  FILL_BACKDATING_DAYS,
  orgUnits,
  periodOf,
  USUAL_BACKDATING_DAYS,
} from './county.js';

// The demo filler: a small, believable county (county.ts) written into a tenant through the same
// domain functions the routes call (org units, members, the batch path of service records with
// automatic verification, ratings, points rules), so every entry is a real one and verify holds.
// Idempotent: what exists (org units by id, members by card, records by externalId, ratings) is
// skipped, so a second run adds nothing.

export interface DemoProgress {
  (done: number, total: number): void;
}

export interface DemoOptions {
  /** Fill even when the tenant holds data that is not demo data. */
  force?: boolean | undefined;
  /** Called as the fill goes, with the steps done and the steps in all (org units, members, records, ratings). */
  onProgress?: DemoProgress | undefined;
}

export interface DemoCounts {
  orgUnits: number;
  members: number;
  records: number;
  ratings: number;
}

export interface DemoResult {
  tenantId: string;
  /** The id of the (revoked) API key the demo acts as: demo records and entries carry it. */
  demoKeyId: string;
  /** What this run wrote. */
  created: DemoCounts & { rules: number };
  /** The demo county as it stands (what a full fill holds). */
  county: DemoCounts;
  /** The love supermarket (爱心超市): null until the supermarket exists (see fillMarket). */
  market: null;
}

const MEMBERS_PER_TRANSACTION = 50;
const RATINGS_PER_TRANSACTION = 100;

/** One fill per tenant at a time in this process; a second call waits, then finds everything there. */
const running = new Map<string, Promise<unknown>>();

export async function fillDemo(db: Kysely<DB>, tenantId: string, opts: DemoOptions = {}): Promise<DemoResult> {
  const before = running.get(tenantId) ?? Promise.resolve();
  const run = before.catch(() => {}).then(() => fill(db, tenantId, opts));
  running.set(tenantId, run);
  try {
    return await run;
  } finally {
    if (running.get(tenantId) === run) running.delete(tenantId);
  }
}

async function fill(db: Kysely<DB>, tenantId: string, opts: DemoOptions): Promise<DemoResult> {
  const demoKeys = (await listApiKeys(db, tenantId)).filter((k) => k.name === DEMO_KEY_NAME).map((k) => k.id);
  const members = demoMembers();
  const plan = demoRecords(members);
  const ratingsPlanned = plan.filter((r) => r.rating).length;
  if (!opts.force) {
    const found = await nonDemoData(db, tenantId, demoKeys);
    if (found) throw new DomainError('tenant_has_data', { tenantId, found });
  }
  const created = { orgUnits: 0, members: 0, records: 0, ratings: 0, rules: 0 };
  const total = orgUnits.length + members.length + plan.length + ratingsPlanned;
  let done = 0;
  const progress = (n: number) => {
    done += n;
    opts.onProgress?.(done, total);
  };
  progress(0);

  // The demo acts as an admin key of its own, revoked at once (its secret is never shown): its id
  // marks every record, entry and rule the demo wrote, and no one can ever call with it.
  if (demoKeys.length === 0) {
    const key = await inTransaction(db, async (trx) => {
      const k = await createApiKey(trx, tenantId, { name: DEMO_KEY_NAME, role: 'admin' });
      await recordConfigChange(trx, { tenantId, keyId: k.id }, 'apiKey.created', k);
      await recordConfigChange(trx, { tenantId, keyId: k.id }, 'apiKey.revoked', await revokeApiKey(trx, tenantId, k.id));
      return k.id;
    });
    demoKeys.push(key);
  }
  const caller: Caller = { tenantId, keyId: demoKeys[0]!, role: 'admin', scope: null };

  await inTransaction(db, async (trx) => {
    for (const u of orgUnits) {
      if (await findOrgUnit(trx, tenantId, u.id)) continue;
      await recordConfigChange(trx, caller, 'orgUnit.created', await createOrgUnit(trx, tenantId, { id: u.id, kind: u.kind as OrgUnitKind, parentId: u.parentId, name: u.name, autoVerify: u.autoVerify }));
      created.orgUnits++;
    }
  });
  progress(orgUnits.length);

  const memberIds = await membersByCards(db, tenantId, members.map((m) => m.card));
  const missingMembers = members.filter((m) => !memberIds.has(m.card));
  progress(members.length - missingMembers.length);
  for (let i = 0; i < missingMembers.length; i += MEMBERS_PER_TRANSACTION) {
    const chunk = missingMembers.slice(i, i + MEMBERS_PER_TRANSACTION);
    const registered = await inTransaction(db, async (trx) => {
      const ids: [string, string][] = [];
      for (const m of chunk) {
        const member = await registerMember(trx, caller, { name: m.name, idNumber: m.idNumber, phone: m.phone, homeOrgUnitId: m.homeOrgUnitId, cards: [m.card] });
        ids.push([m.card, member.id]);
      }
      return ids;
    });
    for (const [card, id] of registered) memberIds.set(card, id);
    created.members += chunk.length;
    progress(chunk.length);
  }

  let existing = await recordsByExternalId(db, tenantId, plan.map((r) => r.externalId));
  const missingRecords = plan.filter((r) => !existing.has(r.externalId));
  progress(plan.length - missingRecords.length);
  if (missingRecords.length > 0) {
    // Records reach back DAYS days, beyond the usual back-dating window: the rule in force gets a
    // wider window first (a new version, as any admin would post), and the usual one back after.
    const rule = await ruleNow(db, tenantId);
    if (rule.backdatingDays < FILL_BACKDATING_DAYS) {
      await inTransaction(db, async (trx) => recordConfigChange(trx, caller, 'pointsRule.created', await createRule(trx, tenantId, { ...demoRule, backdatingDays: FILL_BACKDATING_DAYS }, caller.keyId)));
      created.rules++;
    }
    const now = new Date();
    for (let i = 0; i < missingRecords.length; i += RECORDS_PER_TRANSACTION) {
      const chunk = missingRecords.slice(i, i + RECORDS_PER_TRANSACTION);
      const submissions = chunk.map((r) => {
        const { rating: _rating, member, daysAgo: _d, startHour: _h, startMinute: _m, span: _s, ...fields } = r;
        return { caller, input: { ...fields, memberId: memberIds.get(members[member]!.card)!, ...periodOf(r, now) } };
      });
      // The write path of the batch route: one transaction per chunk, each record idempotent by its externalId.
      const settled = await Promise.all(await submitRecords(db, tenantId, submissions));
      settled.forEach((s, k) => {
        // Every planned record passes every check: a refusal here is a bug of the plan, not a state to skip.
        if (!s.ok) throw new Error(`demo record ${chunk[k]!.externalId} was refused`, { cause: s.error });
        if (!s.result.replayed) created.records++;
      });
      progress(chunk.length);
    }
    existing = await recordsByExternalId(db, tenantId, plan.map((r) => r.externalId));
  }

  // A demo record someone revoked since is left alone: only verified records take a rating.
  const toRate = plan.filter((r) => r.rating && !existing.get(r.externalId)!.rated && existing.get(r.externalId)!.status === 'verified');
  progress(ratingsPlanned - toRate.length);
  for (let i = 0; i < toRate.length; i += RATINGS_PER_TRANSACTION) {
    const chunk = toRate.slice(i, i + RATINGS_PER_TRANSACTION);
    await inTransaction(db, async (trx) => {
      for (const r of chunk) await rateRecord(trx, caller, existing.get(r.externalId)!.id, r.rating!);
    });
    created.ratings += chunk.length;
    progress(chunk.length);
  }

  // The wider window was for the fill only: the county's rule goes back to the usual window.
  const rule = await ruleNow(db, tenantId);
  if (rule.createdBy !== null && demoKeys.includes(rule.createdBy) && rule.backdatingDays === FILL_BACKDATING_DAYS) {
    await inTransaction(db, async (trx) => recordConfigChange(trx, caller, 'pointsRule.created', await createRule(trx, tenantId, { ...demoRule, backdatingDays: USUAL_BACKDATING_DAYS }, caller.keyId)));
    created.rules++;
  }

  fillMarket();
  return {
    tenantId,
    demoKeyId: caller.keyId,
    created,
    county: { orgUnits: orgUnits.length, members: members.length, records: plan.length, ratings: ratingsPlanned },
    market: null,
  };
}

/**
 * The love supermarket (爱心超市) of the demo county: a market under the centre with goods and
 * services, a terminal, and some redemptions by demo members. The supermarket does not exist yet;
 * once it does, it is filled here, through its own domain functions, idempotent like the rest.
 */
function fillMarket(): void {}

/**
 * What in the tenant is not demo data, in words, or null when there is none. Read-only and
 * across modules (org units, members, accounts, entries, records, rules) on purpose: it asks
 * "is anything here not ours?" of every table the demo writes, and each question stops at the
 * first row it finds. Demo data is: the demo org units (by id), members holding a demo card,
 * their and the demo units' accounts, and entries, records and rules written by a demo key.
 */
async function nonDemoData(db: Kysely<DB>, tenantId: string, demoKeys: string[]): Promise<string | null> {
  const units = [...demoOrgUnitIds];
  const issuance = units.flatMap((u) => [issuanceAccount(u, 'hours'), issuanceAccount(u, 'points')]);
  const demoMember = sql`EXISTS (SELECT 1 FROM member_cards c WHERE c.tenant_id = m.tenant_id AND c.member_id = m.member_id
    AND c.card_no LIKE ${`${DEMO_CARD_PREFIX}%`})`;
  const checks: [string, RawBuilder<{ found: boolean }>][] = [
    ['org units', sql`SELECT EXISTS (SELECT 1 FROM org_units WHERE tenant_id = ${tenantId} AND NOT (org_unit_id = ANY(${units}::text[]))) AS found`],
    ['members', sql`SELECT EXISTS (SELECT 1 FROM members m WHERE m.tenant_id = ${tenantId} AND NOT ${demoMember}) AS found`],
    [
      'ledger entries',
      sql`SELECT EXISTS (SELECT 1 FROM ledger_entries WHERE tenant_id = ${tenantId}
        AND (created_by IS NULL OR NOT (created_by = ANY(${demoKeys}::text[])))) AS found`,
    ],
    [
      'accounts',
      sql`SELECT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.tenant_id = ${tenantId} AND NOT (a.account_id = ANY(${issuance}::text[]))
        AND NOT EXISTS (SELECT 1 FROM members m WHERE m.tenant_id = a.tenant_id AND ${demoMember}
          AND a.account_id IN (${memberAccountSql('m.member_id', 'hours')}, ${memberAccountSql('m.member_id', 'points')}))) AS found`,
    ],
    [
      'service records',
      sql`SELECT EXISTS (SELECT 1 FROM service_records WHERE tenant_id = ${tenantId}
        AND (submitted_by IS NULL OR NOT (submitted_by = ANY(${demoKeys}::text[])))) AS found`,
    ],
    [
      'points rules',
      sql`SELECT EXISTS (SELECT 1 FROM points_rules WHERE tenant_id = ${tenantId} AND version > 1
        AND (created_by IS NULL OR NOT (created_by = ANY(${demoKeys}::text[])))) AS found`,
    ],
  ];
  for (const [what, query] of checks) {
    if ((await query.execute(db)).rows[0]!.found) return what;
  }
  return null;
}
