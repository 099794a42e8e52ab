import { sql } from 'kysely';
import { formatAmount, type HoldEventKind } from '../ledger/index.js';
import { type EventSource, type HoldChange, iso, none, inTxs, type ScanRow, type SourcedEvent } from './source.js';

// A hold changes at most twice (created, then one resolution): the digit orders them.
const holdKey = sql<string>`((he.hold_id::text || ':' || CASE he.kind WHEN 'created' THEN '1' WHEN 'captured' THEN '2'
  WHEN 'voided' THEN '3' ELSE '4' END) COLLATE "C")`;
const HOLD_KINDS: Record<string, string> = { '1': 'created', '2': 'captured', '3': 'voided', '4': 'expired' };

export const holds: EventSource = {
  kind: 'hold',
  rank: 2,
  scan: (p) => sql<ScanRow>`SELECT t.position, 2 AS rank, ${holdKey} AS key,
      (NOT ${p.view.restricted}::boolean OR EXISTS (SELECT 1 FROM ledger_holds h
        WHERE h.tenant_id = he.tenant_id AND h.hold_id = he.hold_id AND h.account_id = ANY(${p.view.accounts}::text[]))) AS visible
    FROM txs t JOIN ledger_hold_events he ON ${inTxs(p, 2, 'he', holdKey)}`,
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
