import { Decimal } from 'decimal.js';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { fromJsonb } from '../db/json.js';
import { type EntryKind, formatAmount, type HoldEventKind } from '../ledger/index.js';
import type { Position } from './cursor.js';
import type { View } from './view.js';

// Where the feed's events come from: one source per kind of row, each a table whose rows carry
// the writing transaction's id (tx_id) and are never changed or removed once written. The feed
// reads these tables itself, across the modules that own them, because one page must merge them
// all in one order with one frontier; it only reads, and only rows that can no longer change.
//
// Within one transaction the kinds come in rank order (an entry before the hold change or record
// change that names it, configuration last), each kind by its key. A new kind of event (e.g. the
// supermarket's stock movements) is one more source in SOURCES with the next rank; redemptions
// need none: they are entries.

export interface ScanParams {
  tenantId: string;
  /** Only rows of transactions with a smaller id: every one of them has ended. */
  frontier: string;
  after: Position;
  limit: number;
  view: View;
}

export interface ScanRow {
  tx_id: string;
  rank: number;
  key: string;
  visible: boolean;
}

/** The kinds of event: which of entry, hold, serviceRecord, config an event carries. */
export const EventKinds = ['entry', 'hold', 'serviceRecord', 'config'] as const;
export type EventKind = (typeof EventKinds)[number];

/** An event as a source reads it; the feed adds its cursor. */
export interface SourcedEvent {
  id: string;
  kind: EventKind;
  type: string;
  txId: string;
  at: string;
  actor: string | null;
  entry: FeedEntry | null;
  hold: HoldChange | null;
  serviceRecord: RecordChange | null;
  config: ConfigChange | null;
}

export interface EventSource {
  kind: EventKind;
  /** Order within one transaction; unique, 1–9. */
  rank: number;
  /**
   * A SELECT of (tx_id, rank, key, visible) of this source's rows after `after`, below the
   * frontier, ordered by (tx_id, key), at most `limit`; `visible`: the view shows the row.
   */
  scan(p: ScanParams): RawBuilder<ScanRow>;
  /** The events at these keys (any order). */
  load(db: Kysely<DB>, tenantId: string, keys: string[]): Promise<Map<string, SourcedEvent>>;
}

const iso = (d: Date | string) => new Date(d).toISOString();
const none = { entry: null, hold: null, serviceRecord: null, config: null };

/**
 * The part of a scan every source shares: the tenant, the range of transactions (an index range
 * on (tenant_id, tx_id)), and within the cursor's own transaction only the keys after it.
 */
function range(p: ScanParams, rank: number, tx: RawBuilder<unknown>, key: RawBuilder<string>): RawBuilder<boolean> {
  // Within the cursor's transaction: a kind of a later rank comes whole, one of an earlier rank
  // is done ('~' sorts after every key), the cursor's own kind after its key.
  const bound = rank > p.after.rank ? '' : rank < p.after.rank ? '~' : p.after.key;
  return sql<boolean>`${tx} >= ${p.after.tx}::xid8 AND ${tx} < ${p.frontier}::xid8
    AND (${tx} > ${p.after.tx}::xid8 OR ${key} > ${bound})`;
}

// ——— ledger entries ———

export interface FeedPosting {
  accountId: string;
  unit: 'HOURS' | 'POINTS';
  direction: 'debit' | 'credit';
  amount: string;
  balanceAfter: string | null;
}

/** An entry as GET /v1/entries/{id} shows it, less what can change later (reversedByEntryId). */
export interface FeedEntry {
  id: string;
  seq: string;
  kind: EntryKind;
  reason: string | null;
  occurredAt: string;
  recordedAt: string;
  txId: string;
  reversesEntryId: string | null;
  objectType: string | null;
  objectId: string | null;
  ruleVersion: number | null;
  createdBy: string | null;
  postings: FeedPosting[];
}

// The hours module's object type of a service record's entries.
const SERVICE_RECORD = 'service_record';

const entryKey = sql<string>`(lpad(e.seq::text, 20, '0') COLLATE "C")`;

const entries: EventSource = {
  kind: 'entry',
  rank: 1,
  scan: (p) => sql<ScanRow>`SELECT e.tx_id, 1 AS rank, ${entryKey} AS key,
      (NOT ${p.view.restricted}::boolean
        OR EXISTS (SELECT 1 FROM ledger_postings lp WHERE lp.tenant_id = e.tenant_id AND lp.entry_id = e.entry_id
                   AND lp.account_id = ANY(${p.view.accounts}::text[]))
        OR (e.object_type = ${SERVICE_RECORD} AND EXISTS (SELECT 1 FROM service_records r
              WHERE r.tenant_id = e.tenant_id AND r.org_unit_id = ANY(${p.view.units}::text[])
                AND r.record_id = CASE WHEN e.object_type = ${SERVICE_RECORD} THEN e.object_id::uuid END))) AS visible
    FROM ledger_entries e
    WHERE e.tenant_id = ${p.tenantId} AND ${range(p, 1, sql`e.tx_id`, entryKey)}
    ORDER BY e.tx_id, 3 LIMIT ${p.limit}`,
  async load(db, tenantId, keys) {
    const { rows } = await sql<{
      entry_id: string;
      seq: string;
      kind: EntryKind;
      reason: string | null;
      occurred_at: Date;
      recorded_at: Date;
      tx_id: string;
      reverses_entry_id: string | null;
      object_type: string | null;
      object_id: string | null;
      rule_version: number | null;
      created_by: string | null;
      postings: { accountId: string; unit: 'HOURS' | 'POINTS'; amount: string; balanceAfter: string | null }[] | string;
    }>`SELECT e.entry_id, e.seq::text AS seq, e.kind, e.reason, e.occurred_at, e.recorded_at, e.tx_id::text AS tx_id,
        e.reverses_entry_id, e.object_type, e.object_id, e.rule_version, e.created_by,
        (SELECT json_agg(json_build_object('accountId', p.account_id, 'unit', p.unit, 'amount', p.amount::text,
                'balanceAfter', p.balance_after::text) ORDER BY p.idx)
           FROM ledger_postings p WHERE p.tenant_id = e.tenant_id AND p.entry_id = e.entry_id) AS postings
      FROM ledger_entries e
      WHERE e.tenant_id = ${tenantId} AND e.seq = ANY(${keys.map((k) => BigInt(k).toString())}::bigint[])`.execute(db);
    return new Map(
      rows.map((r) => {
        const entry: FeedEntry = {
          id: r.entry_id,
          seq: r.seq,
          kind: r.kind,
          reason: r.reason,
          occurredAt: iso(r.occurred_at),
          recordedAt: iso(r.recorded_at),
          txId: r.tx_id,
          reversesEntryId: r.reverses_entry_id,
          objectType: r.object_type,
          objectId: r.object_id,
          ruleVersion: r.rule_version,
          createdBy: r.created_by,
          postings: fromJsonb(r.postings).map((p) => {
            const amount = new Decimal(p.amount);
            return {
              accountId: p.accountId,
              unit: p.unit,
              direction: amount.isNegative() ? 'debit' : 'credit',
              amount: formatAmount(amount.abs()),
              balanceAfter: p.balanceAfter === null ? null : formatAmount(p.balanceAfter),
            };
          }),
        };
        const event: SourcedEvent = {
          ...none,
          id: `entry:${r.entry_id}`,
          kind: 'entry',
          type: 'entry.posted',
          txId: r.tx_id,
          at: entry.recordedAt,
          actor: r.created_by,
          entry,
        };
        return [r.seq.padStart(20, '0'), event];
      }),
    );
  },
};

// ——— hold changes ———

export interface HoldChange {
  id: string;
  accountId: string;
  unit: 'HOURS' | 'POINTS';
  amount: string;
  expiresAt: string;
  reference: string | null;
  reason: string | null;
  createdAt: string;
  createdBy: string | null;
  change: { kind: HoldEventKind; amount: string; released: string; entryId: string | null; reason: string | null };
}

// A hold changes at most twice (created, then one resolution): the digit orders them.
const holdKey = sql<string>`((he.hold_id::text || ':' || CASE he.kind WHEN 'created' THEN '1' WHEN 'captured' THEN '2'
  WHEN 'voided' THEN '3' ELSE '4' END) COLLATE "C")`;
const HOLD_KINDS: Record<string, string> = { '1': 'created', '2': 'captured', '3': 'voided', '4': 'expired' };

const holds: EventSource = {
  kind: 'hold',
  rank: 2,
  scan: (p) => sql<ScanRow>`SELECT he.tx_id, 2 AS rank, ${holdKey} AS key,
      (NOT ${p.view.restricted}::boolean OR EXISTS (SELECT 1 FROM ledger_holds h
        WHERE h.tenant_id = he.tenant_id AND h.hold_id = he.hold_id AND h.account_id = ANY(${p.view.accounts}::text[]))) AS visible
    FROM ledger_hold_events he
    WHERE he.tenant_id = ${p.tenantId} AND ${range(p, 2, sql`he.tx_id`, holdKey)}
    ORDER BY he.tx_id, 3 LIMIT ${p.limit}`,
  async load(db, tenantId, keys) {
    const ids = keys.map((k) => k.slice(0, k.indexOf(':')));
    const kinds = keys.map((k) => HOLD_KINDS[k.slice(k.indexOf(':') + 1)] ?? '');
    const { rows } = await sql<{
      hold_id: string;
      account_id: string;
      unit: 'HOURS' | 'POINTS';
      amount: string;
      expires_at: Date;
      reference: string | null;
      reason: string | null;
      created_at: Date;
      created_by: string | null;
      kind: HoldEventKind;
      event_amount: string;
      released: string;
      entry_id: string | null;
      event_reason: string | null;
      at: Date;
      actor: string | null;
      tx_id: string;
    }>`SELECT h.hold_id, h.account_id, h.unit, h.amount::text AS amount, h.expires_at, h.reference, h.reason, h.created_at,
        h.created_by, he.kind, he.amount::text AS event_amount, he.released::text AS released, he.entry_id,
        he.reason AS event_reason, he.at, he.actor, he.tx_id::text AS tx_id
      FROM unnest(${ids}::uuid[], ${kinds}::text[]) AS k(hold_id, kind)
      JOIN ledger_hold_events he ON he.tenant_id = ${tenantId} AND he.hold_id = k.hold_id AND he.kind = k.kind
      JOIN ledger_holds h ON h.tenant_id = he.tenant_id AND h.hold_id = he.hold_id`.execute(db);
    const digit = Object.fromEntries(Object.entries(HOLD_KINDS).map(([d, k]) => [k, d]));
    return new Map(
      rows.map((r) => {
        const hold: HoldChange = {
          id: r.hold_id,
          accountId: r.account_id,
          unit: r.unit,
          amount: formatAmount(r.amount),
          expiresAt: iso(r.expires_at),
          reference: r.reference,
          reason: r.reason,
          createdAt: iso(r.created_at),
          createdBy: r.created_by,
          change: {
            kind: r.kind,
            amount: formatAmount(r.event_amount),
            released: formatAmount(r.released),
            entryId: r.entry_id,
            reason: r.event_reason,
          },
        };
        const event: SourcedEvent = {
          ...none,
          id: `hold:${r.hold_id}:${r.kind}`,
          kind: 'hold',
          type: `hold.${r.kind}`,
          txId: r.tx_id,
          at: iso(r.at),
          actor: r.actor,
          hold,
        };
        return [`${r.hold_id}:${digit[r.kind]}`, event];
      }),
    );
  },
};

// ——— service record changes ———

export interface RecordChange {
  id: string;
  externalId: string;
  memberId: string;
  orgUnitId: string;
  /** The record's history entry (GET /v1/service-records/{id}, `history`). */
  change: { no: number; type: string; reason: string | null; detail: Record<string, unknown> };
}

const recordKey = sql<string>`((ev.record_id::text || ':' || lpad(ev.event_no::text, 10, '0')) COLLATE "C")`;

const records: EventSource = {
  kind: 'serviceRecord',
  rank: 3,
  scan: (p) => sql<ScanRow>`SELECT ev.tx_id, 3 AS rank, ${recordKey} AS key,
      (NOT ${p.view.restricted}::boolean OR EXISTS (SELECT 1 FROM service_records r
        WHERE r.tenant_id = ev.tenant_id AND r.record_id = ev.record_id AND r.org_unit_id = ANY(${p.view.units}::text[]))) AS visible
    FROM service_record_events ev
    WHERE ev.tenant_id = ${p.tenantId} AND ${range(p, 3, sql`ev.tx_id`, recordKey)}
    ORDER BY ev.tx_id, 3 LIMIT ${p.limit}`,
  async load(db, tenantId, keys) {
    const ids = keys.map((k) => k.slice(0, k.indexOf(':')));
    const nos = keys.map((k) => Number(k.slice(k.indexOf(':') + 1)));
    const { rows } = await sql<{
      record_id: string;
      external_id: string;
      member_id: string;
      org_unit_id: string;
      event_no: number;
      type: string;
      at: Date;
      actor: string | null;
      reason: string | null;
      detail: Record<string, unknown> | string;
      tx_id: string;
    }>`SELECT r.record_id, r.external_id, r.member_id, r.org_unit_id, ev.event_no, ev.type, ev.at, ev.actor, ev.reason,
        ev.detail, ev.tx_id::text AS tx_id
      FROM unnest(${ids}::uuid[], ${nos}::integer[]) AS k(record_id, event_no)
      JOIN service_record_events ev ON ev.tenant_id = ${tenantId} AND ev.record_id = k.record_id AND ev.event_no = k.event_no
      JOIN service_records r ON r.tenant_id = ev.tenant_id AND r.record_id = ev.record_id`.execute(db);
    return new Map(
      rows.map((r) => {
        const serviceRecord: RecordChange = {
          id: r.record_id,
          externalId: r.external_id,
          memberId: r.member_id,
          orgUnitId: r.org_unit_id,
          change: { no: r.event_no, type: r.type, reason: r.reason, detail: fromJsonb(r.detail) },
        };
        const event: SourcedEvent = {
          ...none,
          id: `serviceRecord:${r.record_id}:${r.event_no}`,
          kind: 'serviceRecord',
          type: `serviceRecord.${r.type}`,
          txId: r.tx_id,
          at: iso(r.at),
          actor: r.actor,
          serviceRecord,
        };
        return [`${r.record_id}:${String(r.event_no).padStart(10, '0')}`, event];
      }),
    );
  },
};

// ——— configuration ———

export interface ConfigChange {
  action: string;
  subjectType: string;
  subjectId: string | null;
  orgUnitId: string | null;
  data: Record<string, unknown>;
  changes: Record<string, unknown> | null;
}

const configKey = sql<string>`(lpad(c.change_no::text, 20, '0') COLLATE "C")`;

const config: EventSource = {
  kind: 'config',
  rank: 4,
  scan: (p) => sql<ScanRow>`SELECT c.tx_id, 4 AS rank, ${configKey} AS key,
      (NOT ${p.view.restricted}::boolean OR c.subject_type = ANY(${p.view.tenantWideConfig}::text[])
        OR (c.subject_type = ANY(${p.view.unitConfig}::text[]) AND c.org_unit_id = ANY(${p.view.units}::text[]))) AS visible
    FROM config_changes c
    WHERE c.tenant_id = ${p.tenantId} AND ${range(p, 4, sql`c.tx_id`, configKey)}
    ORDER BY c.tx_id, 3 LIMIT ${p.limit}`,
  async load(db, tenantId, keys) {
    const { rows } = await sql<{
      change_no: string;
      tx_id: string;
      action: string;
      subject_type: string;
      subject_id: string | null;
      org_unit_id: string | null;
      actor: string;
      at: Date;
      data: Record<string, unknown> | string;
      changes: Record<string, unknown> | string | null;
    }>`SELECT c.change_no::text AS change_no, c.tx_id::text AS tx_id, c.action, c.subject_type, c.subject_id, c.org_unit_id,
        c.actor, c.at, c.data, c.changes
      FROM config_changes c
      WHERE c.tenant_id = ${tenantId} AND c.change_no = ANY(${keys.map((k) => BigInt(k).toString())}::bigint[])`.execute(db);
    return new Map(
      rows.map((r) => {
        const event: SourcedEvent = {
          ...none,
          id: `config:${r.change_no}`,
          kind: 'config',
          type: r.action,
          txId: r.tx_id,
          at: iso(r.at),
          actor: r.actor,
          config: {
            action: r.action,
            subjectType: r.subject_type,
            subjectId: r.subject_id,
            orgUnitId: r.org_unit_id,
            data: fromJsonb(r.data),
            changes: r.changes === null ? null : fromJsonb(r.changes),
          },
        };
        return [r.change_no.padStart(20, '0'), event];
      }),
    );
  },
};

/** Every source, by rank. */
export const SOURCES: readonly EventSource[] = [entries, holds, records, config];
