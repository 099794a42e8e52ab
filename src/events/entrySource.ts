import { sql } from 'kysely';
import { fromJsonb } from '../db/json.js';
import { type EntryKind, toPosting } from '../ledger/index.js';
import { type EventSource, type FeedEntry, iso, none, inTxs, type ScanRow, type SourcedEvent } from './source.js';

// The hours module's object type of a service record's entries.
const SERVICE_RECORD = 'service_record';

const entryKey = sql<string>`(lpad(e.seq::text, 20, '0') COLLATE "C")`;

export const entries: EventSource = {
  kind: 'entry',
  rank: 1,
  scan: (p) => sql<ScanRow>`SELECT t.position, 1 AS rank, ${entryKey} AS key,
      (NOT ${p.view.restricted}::boolean
        OR EXISTS (SELECT 1 FROM ledger_postings lp WHERE lp.tenant_id = e.tenant_id AND lp.entry_id = e.entry_id
                   AND lp.account_id = ANY(${p.view.accounts}::text[]))
        OR (e.object_type = ${SERVICE_RECORD} AND EXISTS (SELECT 1 FROM service_records r
              WHERE r.tenant_id = e.tenant_id AND r.org_unit_id = ANY(${p.view.units}::text[])
                AND r.record_id = CASE WHEN e.object_type = ${SERVICE_RECORD} THEN e.object_id::uuid END))) AS visible
    FROM txs t JOIN ledger_entries e ON ${inTxs(p, 1, 'e', entryKey)}`,
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
          postings: fromJsonb(r.postings).map((p) => toPosting(p.accountId, p.unit, p.amount, p.balanceAfter)),
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
