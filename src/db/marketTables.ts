import type { ColumnType, Generated } from 'kysely';

// Table types of the love supermarkets (migrations/0011_markets.ts), owned by src/markets;
// listed in schema.ts's DB. NUMERIC and BIGINT columns arrive as strings.
type Timestamp = ColumnType<Date, Date | string | undefined, never>;
type Updated = ColumnType<Date, Date | string | undefined, Date | string>;
export interface MarketsTable {
  tenant_id: string;
  market_id: string;
  org_unit_id: string;
  name: string;
  active: Generated<boolean>;
  receipt_no: Generated<string>;
  created_at: Timestamp;
  deactivated_at: ColumnType<Date | null, never, Date | string>;
}
export interface TerminalsTable {
  tenant_id: string;
  terminal_id: string;
  market_id: string;
  name: string;
  active: Generated<boolean>;
  created_at: Timestamp;
  deactivated_at: ColumnType<Date | null, never, Date | string>;
}
export type ItemKind = 'goods' | 'service';
export type CapacityPeriod = 'day' | 'week' | 'month';
export type LimitPeriod = 'day' | 'month' | 'quarter' | 'year';
export interface CatalogItemsTable {
  tenant_id: string;
  item_id: string;
  market_id: string;
  sku: string;
  name: string;
  kind: ItemKind;
  price: string;
  active: Generated<boolean>;
  stock: number | null;
  reserved: Generated<number>;
  capacity: number | null;
  capacity_period: CapacityPeriod | null;
  limit_quantity: number | null;
  limit_period: LimitPeriod | null;
  created_at: Timestamp;
  updated_at: Updated;
}
export interface CatalogPricesTable {
  tenant_id: string;
  item_id: string;
  valid_from: Timestamp;
  price: string;
  actor: string;
}
export type StockMovementKind = 'sale' | 'refund' | 'restock' | 'correction';
export interface StockMovementsTable {
  tenant_id: string;
  movement_no: Generated<string>;
  tx_id: Generated<string>;
  market_id: string;
  item_id: string;
  kind: StockMovementKind;
  quantity: number;
  stock_after: number;
  terminal_id: string | null;
  redemption_id: string | null;
  refund_id: string | null;
  actor: string;
  reason: string | null;
  at: Timestamp;
}
export interface RedemptionsTable {
  tenant_id: string;
  redemption_id: string;
  market_id: string;
  terminal_id: string | null;
  member_id: string;
  card_no: string | null;
  receipt_no: string;
  entry_id: string;
  total: string;
  occurred_at: ColumnType<Date, Date | string, never>;
  recorded_at: Timestamp;
  basket_id: string | null;
  balance_after: string;
  available_after: string;
  actor: string;
}
export interface SoldLinesTable {
  tenant_id: string;
  line_no: number;
  item_id: string;
  sku: string;
  name: string;
  kind: ItemKind;
  quantity: number;
  price: string;
  amount: string;
}
export interface RedemptionLinesTable extends SoldLinesTable {
  redemption_id: string;
  refunded: Generated<number>;
  /** The sale's business time (redemptions.occurred_at), kept on each line for the capacity count (0028). */
  occurred_at: ColumnType<Date, Date | string, never>;
}
export interface RefundsTable {
  tenant_id: string;
  refund_id: string;
  redemption_id: string;
  market_id: string;
  terminal_id: string | null;
  receipt_no: string;
  entry_id: string;
  total: string;
  reason: string;
  recorded_at: Timestamp;
  balance_after: string;
  available_after: string;
  actor: string;
}
export interface RefundLinesTable {
  tenant_id: string;
  refund_id: string;
  line_no: number;
  quantity: number;
  amount: string;
}
export type BasketStatus = 'open' | 'captured' | 'voided' | 'expired';
export interface BasketsTable {
  tenant_id: string;
  basket_id: string;
  market_id: string;
  terminal_id: string | null;
  member_id: string;
  card_no: string | null;
  hold_id: string;
  status: Generated<BasketStatus>;
  total: string;
  expires_at: ColumnType<Date, Date | string, never>;
  occurred_at: ColumnType<Date, Date | string, never>;
  created_at: Timestamp;
  resolved_at: ColumnType<Date | null, never, Date | string>;
  redemption_id: string | null;
  balance_after: string;
  available_after: string;
  actor: string;
}
export interface BasketLinesTable extends SoldLinesTable {
  basket_id: string;
}

