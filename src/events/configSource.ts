import { sql } from 'kysely';
import { fromJsonb } from '../db/json.js';
import { type EventSource, iso, none, inTxs, type ScanRow, type SourcedEvent } from './source.js';

const configKey = sql<string>`(lpad(c.change_no::text, 20, '0') COLLATE "C")`;

export const config: EventSource = {
  kind: 'config',
  rank: 4,
  scan: (p) => sql<ScanRow>`SELECT t.position, 4 AS rank, ${configKey} AS key,
      (NOT ${p.view.restricted}::boolean OR c.subject_type = ANY(${p.view.tenantWideConfig}::text[])
        OR (c.subject_type = ANY(${p.view.unitConfig}::text[]) AND c.org_unit_id = ANY(${p.view.units}::text[]))) AS visible
    FROM txs t JOIN config_changes c ON ${inTxs(p, 4, 'c', configKey)}`,
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
