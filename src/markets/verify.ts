import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { entryPostedSql, marketAccountSql, type Verification } from '../ledger/index.js';

// The love supermarkets' invariants, proved from the rows as they are (DESIGN §3/§4: integrity
// verification names the first broken entry). Run by `cli verify` and GET /v1/integrity
// (src/integrity/verify.ts) after the ledger's own checks; the ledger knows nothing of markets.
// Each problem names the tenant, the market and the item (sku), receipt or movement at fault:
//  - market_stock_movements: a goods item's stock is the sum of its stock movements;
//  - market_stock_chain: each movement's stock_after is the one before it (0 before the first)
//    plus its quantity, in the order they were made (by number: a movement is numbered under its
//    item's row lock, src/markets/stock.ts); the first break of each item;
//  - market_reserved: a goods item's reserved is the quantity of its lines in open baskets (a
//    service reserves nothing);
//  - market_refunded: a sale line's refunded is the quantity of its refund lines;
//  - market_line_time: a sale line's occurred_at (kept for the capacity count) is its sale's;
//  - market_receipt_numbers: each market's receipts (sales and refunds, one series) are numbered
//    1 … its receipt_no, each number once;
//  - market_receipt_total: a sale's or refund's total is the sum of its lines;
//  - market_receipt_entry: and is what its ledger entry posted to the market's account (a sale
//    credits it, a refund debits it), read through the ledger's facade.

type Problem = Verification['problems'][number];

/** How many times verifyMarkets calls its onCheck. */
export const MARKET_CHECKS = 8;

const LIMIT = 100; // problems listed per check; one is enough to fail

/** Every receipt: sales and refunds, with the ledger entry that moved their points. */
const RECEIPTS = sql`(SELECT tenant_id, market_id, receipt_no, 'sale'::text AS kind, redemption_id, NULL::uuid AS refund_id, entry_id, total
    FROM redemptions
  UNION ALL
  SELECT tenant_id, market_id, receipt_no, 'refund', redemption_id, refund_id, entry_id, total FROM refunds)`;

/**
 * The markets' invariants for one tenant (every tenant when null), in one snapshot (REPEATABLE
 * READ), so that sales and refunds committing meanwhile are seen whole or not at all.
 */
export async function verifyMarkets(db: Kysely<DB>, tenantId: string | null, onCheck: (check: string) => void = () => {}): Promise<Problem[]> {
  return db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
    const t = tenantId;
    const problems: Problem[] = [];
    const add = (check: string, rows: Record<string, unknown>[]) => {
      for (const r of rows) problems.push({ check, detail: Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null).map(([k, v]) => [k, String(v)])) });
    };

    onCheck('market_stock_movements');
    const stock = await sql<Record<string, unknown>>`
      SELECT i.tenant_id AS "tenantId", i.market_id AS "marketId", i.sku, i.item_id AS "itemId", i.stock::text AS stock,
        coalesce(m.moved, 0)::text AS movements
      FROM catalog_items i
      LEFT JOIN (SELECT tenant_id, item_id, sum(quantity) AS moved FROM stock_movements WHERE (${t}::text IS NULL OR tenant_id = ${t})
                 GROUP BY tenant_id, item_id) m ON m.tenant_id = i.tenant_id AND m.item_id = i.item_id
      WHERE (${t}::text IS NULL OR i.tenant_id = ${t}) AND i.kind = 'goods' AND i.stock <> coalesce(m.moved, 0)
      ORDER BY 1, 2, 3 LIMIT ${LIMIT}`.execute(trx);
    add('market_stock_movements', stock.rows);

    onCheck('market_stock_chain');
    const chain = await sql<Record<string, unknown>>`
      SELECT DISTINCT ON (c.tenant_id, c.item_id) c.tenant_id AS "tenantId", c.market_id AS "marketId", i.sku, c.item_id AS "itemId",
        c.movement_no::text AS "movementNo", c.kind, c.quantity::text AS quantity, c.stock_after::text AS "stockAfter",
        (c.before + c.quantity)::text AS expected
      FROM (SELECT tenant_id, item_id, market_id, movement_no, kind, quantity, stock_after,
              coalesce(lag(stock_after) OVER (PARTITION BY tenant_id, item_id ORDER BY movement_no), 0) AS before
            FROM stock_movements WHERE (${t}::text IS NULL OR tenant_id = ${t})) c
      JOIN catalog_items i ON i.tenant_id = c.tenant_id AND i.item_id = c.item_id
      WHERE c.stock_after <> c.before + c.quantity
      ORDER BY c.tenant_id, c.item_id, c.movement_no LIMIT ${LIMIT}`.execute(trx);
    add('market_stock_chain', chain.rows);

    onCheck('market_reserved');
    const reserved = await sql<Record<string, unknown>>`
      SELECT i.tenant_id AS "tenantId", i.market_id AS "marketId", i.sku, i.item_id AS "itemId", i.reserved::text AS reserved,
        (CASE WHEN i.kind = 'goods' THEN coalesce(o.held, 0) ELSE 0 END)::text AS "openBaskets"
      FROM catalog_items i
      LEFT JOIN (SELECT l.tenant_id, l.item_id, sum(l.quantity) AS held FROM baskets b
                 JOIN basket_lines l ON l.tenant_id = b.tenant_id AND l.basket_id = b.basket_id
                 WHERE b.status = 'open' AND (${t}::text IS NULL OR b.tenant_id = ${t}) GROUP BY l.tenant_id, l.item_id) o
        ON o.tenant_id = i.tenant_id AND o.item_id = i.item_id
      WHERE (${t}::text IS NULL OR i.tenant_id = ${t}) AND i.reserved <> CASE WHEN i.kind = 'goods' THEN coalesce(o.held, 0) ELSE 0 END
      ORDER BY 1, 2, 3 LIMIT ${LIMIT}`.execute(trx);
    add('market_reserved', reserved.rows);

    onCheck('market_refunded');
    const refunded = await sql<Record<string, unknown>>`
      SELECT r.tenant_id AS "tenantId", r.market_id AS "marketId", r.receipt_no::text AS "receiptNo", r.redemption_id AS "redemptionId",
        l.line_no::text AS line, l.sku, l.refunded::text AS refunded, coalesce(f.quantity, 0)::text AS "refundLines"
      FROM redemption_lines l
      JOIN redemptions r ON r.tenant_id = l.tenant_id AND r.redemption_id = l.redemption_id
      LEFT JOIN (SELECT f.tenant_id, f.redemption_id, fl.line_no, sum(fl.quantity) AS quantity FROM refunds f
                 JOIN refund_lines fl ON fl.tenant_id = f.tenant_id AND fl.refund_id = f.refund_id
                 WHERE (${t}::text IS NULL OR f.tenant_id = ${t}) GROUP BY f.tenant_id, f.redemption_id, fl.line_no) f
        ON f.tenant_id = l.tenant_id AND f.redemption_id = l.redemption_id AND f.line_no = l.line_no
      WHERE (${t}::text IS NULL OR l.tenant_id = ${t}) AND l.refunded <> coalesce(f.quantity, 0)
      ORDER BY 1, 2, r.receipt_no, l.line_no LIMIT ${LIMIT}`.execute(trx);
    add('market_refunded', refunded.rows);

    onCheck('market_line_time');
    const lineTimes = await sql<Record<string, unknown>>`
      SELECT r.tenant_id AS "tenantId", r.market_id AS "marketId", r.receipt_no::text AS "receiptNo", r.redemption_id AS "redemptionId",
        l.line_no::text AS line, l.sku, l.occurred_at AS "lineOccurredAt", r.occurred_at AS "occurredAt"
      FROM redemption_lines l
      JOIN redemptions r ON r.tenant_id = l.tenant_id AND r.redemption_id = l.redemption_id
      WHERE (${t}::text IS NULL OR l.tenant_id = ${t}) AND l.occurred_at <> r.occurred_at
      ORDER BY 1, 2, r.receipt_no, l.line_no LIMIT ${LIMIT}`.execute(trx);
    add('market_line_time', lineTimes.rows);

    onCheck('market_receipt_numbers');
    // Every number from 1 to the market's last once, and none outside: a missing, a repeated and a
    // stray number each name the market and the number.
    const numbers = await sql<Record<string, unknown>>`
      WITH used AS (SELECT tenant_id, market_id, receipt_no, count(*) AS n FROM ${RECEIPTS} rc
                    WHERE (${t}::text IS NULL OR tenant_id = ${t}) GROUP BY tenant_id, market_id, receipt_no),
      expected AS (SELECT m.tenant_id, m.market_id, m.receipt_no AS last, g.no FROM markets m, generate_series(1::bigint, m.receipt_no) AS g(no)
                   WHERE (${t}::text IS NULL OR m.tenant_id = ${t}))
      SELECT coalesce(e.tenant_id, u.tenant_id) AS "tenantId", coalesce(e.market_id, u.market_id) AS "marketId",
        coalesce(e.no, u.receipt_no)::text AS "receiptNo", coalesce(u.n, 0)::text AS receipts,
        CASE WHEN e.no IS NULL THEN 'after the market''s last receipt number'
             WHEN u.n IS NULL THEN 'no receipt has this number' ELSE 'more than one receipt has this number' END AS why
      FROM expected e FULL JOIN used u ON u.tenant_id = e.tenant_id AND u.market_id = e.market_id AND u.receipt_no = e.no
      WHERE e.no IS NULL OR u.n IS DISTINCT FROM 1
      ORDER BY 1, 2, coalesce(e.no, u.receipt_no) LIMIT ${LIMIT}`.execute(trx);
    add('market_receipt_numbers', numbers.rows);

    onCheck('market_receipt_total');
    const totals = await sql<Record<string, unknown>>`
      SELECT rc.tenant_id AS "tenantId", rc.market_id AS "marketId", rc.receipt_no::text AS "receiptNo", rc.kind,
        rc.redemption_id AS "redemptionId", rc.refund_id AS "refundId", rc.total::text AS total, coalesce(l.amount, 0)::text AS lines
      FROM ${RECEIPTS} rc
      LEFT JOIN (SELECT tenant_id, redemption_id, NULL::uuid AS refund_id, sum(amount) AS amount FROM redemption_lines
                 WHERE (${t}::text IS NULL OR tenant_id = ${t}) GROUP BY tenant_id, redemption_id
                 UNION ALL
                 SELECT tenant_id, NULL, refund_id, sum(amount) FROM refund_lines
                 WHERE (${t}::text IS NULL OR tenant_id = ${t}) GROUP BY tenant_id, refund_id) l
        ON l.tenant_id = rc.tenant_id AND (CASE WHEN rc.kind = 'sale' THEN l.redemption_id = rc.redemption_id AND l.refund_id IS NULL
                                                ELSE l.refund_id = rc.refund_id END)
      WHERE (${t}::text IS NULL OR rc.tenant_id = ${t}) AND rc.total <> coalesce(l.amount, 0)
      ORDER BY 1, 2, rc.receipt_no LIMIT ${LIMIT}`.execute(trx);
    add('market_receipt_total', totals.rows);

    onCheck('market_receipt_entry');
    // A sale credits the market's account with its total, a refund debits it: the signed amount
    // the receipt's entry posted there (by the ledger's own rows, through its facade).
    const posted = entryPostedSql(sql`rc.tenant_id`, sql`rc.entry_id`, marketAccountSql(sql`rc.market_id`));
    const entries = await sql<Record<string, unknown>>`
      SELECT x."tenantId", x."marketId", x."receiptNo", x.kind, x."redemptionId", x."refundId", x."entryId", x.total,
        coalesce(x.posted::text, 'nothing') AS posted
      FROM (SELECT rc.tenant_id AS "tenantId", rc.market_id AS "marketId", rc.receipt_no::text AS "receiptNo", rc.receipt_no, rc.kind,
              rc.redemption_id AS "redemptionId", rc.refund_id AS "refundId", rc.entry_id AS "entryId", rc.total::text AS total,
              ${posted} AS posted, CASE WHEN rc.kind = 'sale' THEN rc.total ELSE -rc.total END AS expected
            FROM ${RECEIPTS} rc WHERE (${t}::text IS NULL OR rc.tenant_id = ${t})) x
      WHERE x.posted IS DISTINCT FROM x.expected
      ORDER BY 1, 2, x.receipt_no LIMIT ${LIMIT}`.execute(trx);
    add('market_receipt_entry', entries.rows);

    return problems;
  });
}
