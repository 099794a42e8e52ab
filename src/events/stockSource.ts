import { sql } from 'kysely';
import { type MovementRow, toStockMovement } from '../markets/stock.js';
import { type EventSource, none, inTxs, type ScanRow, type SourcedEvent, type StockChange } from './source.js';

// The supermarkets' stock movements (库存流水, src/markets/stock.ts): a sale, a refund, a restock or
// a correction of one item, each an event of its own. Its rank is after configuration's (ranks are
// in the cursors handed out, so the four before it keep theirs): a new item's opening restock
// comes after its catalogItem.created, a sale's movements after the sale's entry.
//
// A restricted view (a station key) sees none: a station reads no market, item or stock anywhere
// else either (README "Event feed").

const stockKey = sql<string>`(lpad(sm.movement_no::text, 20, '0') COLLATE "C")`;

export const stock: EventSource = {
  kind: 'stockMovement',
  rank: 5,
  scan: (p) => sql<ScanRow>`SELECT t.position, 5 AS rank, ${stockKey} AS key, (NOT ${p.view.restricted}::boolean) AS visible
    FROM txs t JOIN stock_movements sm ON ${inTxs(p, 5, 'sm', stockKey)}`,
  async load(db, tenantId, keys) {
    const { rows } = await sql<MovementRow & { movement_no: string; tx_id: string; sku: string }>`SELECT sm.movement_no::text AS movement_no,
        sm.tx_id::text AS tx_id, sm.market_id, sm.item_id, i.sku, sm.kind, sm.quantity, sm.stock_after, sm.terminal_id, sm.redemption_id,
        sm.refund_id, sm.actor, sm.reason, sm.at
      FROM stock_movements sm JOIN catalog_items i ON i.tenant_id = sm.tenant_id AND i.item_id = sm.item_id
      WHERE sm.tenant_id = ${tenantId} AND sm.movement_no = ANY(${keys.map((k) => BigInt(k).toString())}::bigint[])`.execute(db);
    return new Map(
      rows.map((r) => {
        // The movement as the item's list shows it (src/markets/stock.ts), with the item's sku: a
        // sku never changes (PATCH cannot change it), so the event reads the same later.
        const stockMovement: StockChange = { ...toStockMovement(r), sku: r.sku };
        const event: SourcedEvent = {
          ...none,
          id: `stockMovement:${r.movement_no}`,
          kind: 'stockMovement',
          type: `stockMovement.${r.kind}`,
          txId: r.tx_id,
          at: stockMovement.at,
          actor: r.actor,
          stockMovement,
        };
        return [r.movement_no.padStart(20, '0'), event];
      }),
    );
  },
};
