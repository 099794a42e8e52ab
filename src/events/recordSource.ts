import { sql } from 'kysely';
import { fromJsonb } from '../db/json.js';
import { type EventSource, iso, none, inTxs, type RecordChange, type ScanRow, type SourcedEvent } from './source.js';

const recordKey = sql<string>`((ev.record_id::text || ':' || lpad(ev.event_no::text, 10, '0')) COLLATE "C")`;

export const records: EventSource = {
  kind: 'serviceRecord',
  rank: 3,
  scan: (p) => sql<ScanRow>`SELECT t.position, 3 AS rank, ${recordKey} AS key,
      (NOT ${p.view.restricted}::boolean OR EXISTS (SELECT 1 FROM service_records r
        WHERE r.tenant_id = ev.tenant_id AND r.record_id = ev.record_id AND r.org_unit_id = ANY(${p.view.units}::text[]))) AS visible
    FROM txs t JOIN service_record_events ev ON ${inTxs(p, 3, 'ev', recordKey)}`,
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
