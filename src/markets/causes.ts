import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';

// What a member's statement (src/statements) shows of the sale or refund behind a movement of
// points: its receipt (小票), found by the ledger entry that moved the points (a direct sale, a
// basket's capture and a refund alike), for a whole page of movements in one query
// (redemptions_entry / refunds_entry, migration 0015).

export interface ReceiptCause {
  type: 'redemption' | 'refund';
  redemptionId: string;
  /** Null for a sale. */
  refundId: string | null;
  marketId: string;
  marketName: string;
  receiptNo: string;
  /** The sale's basket when it was a hold captured (两段式); null otherwise and for refunds. */
  basketId: string | null;
}

/** The receipts written with these entries, by entry id. */
export async function receiptCauses(db: Kysely<DB>, tenantId: string, entryIds: string[]): Promise<Map<string, ReceiptCause>> {
  const ids = [...new Set(entryIds)];
  if (ids.length === 0) return new Map();
  const { rows } = await sql<{
    type: ReceiptCause['type']; entry_id: string; redemption_id: string; refund_id: string | null; market_id: string; market_name: string;
    receipt_no: string; basket_id: string | null;
  }>`SELECT x.type, x.entry_id, x.redemption_id, x.refund_id, x.market_id, m.name AS market_name, x.receipt_no::text AS receipt_no, x.basket_id
    FROM (
      SELECT 'redemption' AS type, r.entry_id, r.redemption_id, NULL::uuid AS refund_id, r.market_id, r.receipt_no, r.basket_id
      FROM redemptions r WHERE r.tenant_id = ${tenantId} AND r.entry_id = ANY(${ids}::uuid[])
      UNION ALL
      SELECT 'refund', f.entry_id, f.redemption_id, f.refund_id, f.market_id, f.receipt_no, NULL::uuid
      FROM refunds f WHERE f.tenant_id = ${tenantId} AND f.entry_id = ANY(${ids}::uuid[])
    ) x JOIN markets m ON m.tenant_id = ${tenantId} AND m.market_id = x.market_id`.execute(db);
  return new Map(
    rows.map((r) => [
      r.entry_id,
      {
        type: r.type,
        redemptionId: r.redemption_id,
        refundId: r.refund_id,
        marketId: r.market_id,
        marketName: r.market_name,
        receiptNo: r.receipt_no,
        basketId: r.basket_id,
      },
    ]),
  );
}
