import type { ColumnType, Generated } from 'kysely';
import type { CertificateCountersTable, CertificatesTable, CertificateWithdrawalsTable } from './certificateTables.js';
import type { BasketLinesTable, BasketsTable, CatalogItemsTable, CatalogPricesTable, MarketsTable, RedemptionLinesTable, RedemptionsTable, RefundLinesTable, RefundsTable, StockMovementsTable, TerminalsTable } from './marketTables.js';

// Table types. NUMERIC and BIGINT columns arrive as strings on both engines (see database.ts);
// amounts become Decimal only in the ledger module.
type Timestamp = ColumnType<Date, Date | string | undefined, never>;

export interface TenantsTable {
  tenant_id: string;
  name: string;
  created_at: Timestamp;
  auto_verify: Generated<boolean>;
  star_thresholds: ColumnType<string[], string[] | undefined, string[]>;
  id_number_key: ColumnType<string, never, never>;
  offline_sale_days: Generated<number>;
  yearly_goal_hours: ColumnType<string, string | undefined, string>;
}

export interface ApiKeysTable {
  tenant_id: string;
  key_id: string;
  secret_hash: string; // hex SHA-256 of the secret
  role: 'admin' | 'station' | 'pos' | 'auditor';
  name: string;
  created_at: Timestamp;
  revoked_at: ColumnType<Date | null, never, Date | string>;
  org_unit_id: string | null;
  /** A pos key's market, and its terminal when it is a terminal's key (migration 0011). */
  market_id: string | null;
  terminal_id: string | null;
}

export interface LedgerAccountsTable {
  tenant_id: string;
  account_id: string;
  unit: 'HOURS' | 'POINTS';
  type: string;
  allow_negative: boolean;
  slots: number;
  name: string | null;
  created_at: Timestamp;
}

export interface LedgerBalancesTable {
  tenant_id: string;
  account_id: string;
  slot: number;
  allow_negative: boolean;
  balance: ColumnType<string, string | undefined, string>;
  held: ColumnType<string, string | undefined, string>;
}

export interface LedgerEntriesTable {
  tenant_id: string;
  entry_id: string;
  seq: string;
  tx_id: string;
  kind: string;
  reason: string | null;
  reverses_entry_id: string | null;
  object_type: string | null;
  object_id: string | null;
  rule_version: number | null;
  occurred_at: Timestamp;
  recorded_at: Timestamp;
  created_by: string | null;
  metadata: unknown;
}

export interface LedgerPostingsTable {
  tenant_id: string;
  entry_id: string;
  idx: number;
  seq: string;
  account_id: string;
  unit: 'HOURS' | 'POINTS';
  amount: string;
  balance_after: string | null;
}

export interface LedgerHoldsTable {
  tenant_id: string;
  hold_id: string;
  account_id: string;
  unit: 'HOURS' | 'POINTS';
  amount: string;
  expires_at: Timestamp;
  reference: string | null;
  reason: string | null;
  created_at: Timestamp;
  created_by: string | null;
  status: 'open' | 'captured' | 'voided' | 'expired';
}

export interface LedgerHoldEventsTable {
  tenant_id: string;
  hold_id: string;
  kind: 'created' | 'captured' | 'voided' | 'expired';
  amount: string;
  released: string;
  entry_id: string | null;
  reason: string | null;
  at: Timestamp;
  actor: string | null;
}

export interface IdempotencyKeysTable {
  tenant_id: string;
  idempotency_key: string;
  request_hash: string;
  status_code: number;
  response: unknown;
  created_at: Generated<Date>;
}

type Amount = ColumnType<string, string, string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface OrgUnitsTable {
  tenant_id: string;
  org_unit_id: string;
  kind: 'center' | 'institute' | 'station' | 'point';
  parent_id: string | null;
  path: string;
  name: string;
  active: Generated<boolean>;
  auto_verify: Generated<boolean>;
  created_at: Timestamp;
  deactivated_at: NullableTimestamp;
  population: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface MembersTable {
  tenant_id: string;
  member_id: string;
  name: string;
  id_number_hash: string;
  id_number_masked: string;
  phone: string;
  home_org_unit_id: string;
  active: Generated<boolean>;
  stars: Generated<number>;
  created_at: Timestamp;
  deactivated_at: NullableTimestamp;
}

export interface MemberCardsTable {
  tenant_id: string;
  card_no: string;
  member_id: string;
  blocked_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface StarChangesTable {
  tenant_id: string;
  member_id: string;
  change_id: Generated<string>;
  from_stars: number;
  to_stars: number;
  hours: Amount;
  cause: string;
  record_id: string | null;
  entry_id: string | null;
  changed_at: Timestamp;
}

export interface PointsRulesTable {
  tenant_id: string;
  version: number;
  effective_from: ColumnType<Date, Date | string, never>;
  points_per_hour: Amount;
  category_multipliers: ColumnType<Record<string, string>, string, never>;
  rating_bonus: ColumnType<Record<string, string>, string, never>;
  daily_cap_hours: Amount;
  backdating_days: number;
  point_sources: ColumnType<string[], string[], never>;
  created_at: Timestamp;
  created_by: string | null;
}

export interface ServiceRecordsTable {
  tenant_id: string;
  record_id: string;
  external_id: string;
  member_id: string;
  org_unit_id: string;
  category: string;
  title: string;
  source: 'checkin' | 'manual';
  place: string | null;
  beneficiary: string | null;
  content: string | null;
  lead_name: string | null;
  recorder: string | null;
  reference: string | null;
  started_at: ColumnType<Date, Date | string, never>;
  ended_at: ColumnType<Date, Date | string, never>;
  hours: Amount;
  status: 'submitted' | 'verified' | 'rejected' | 'revoked';
  reject_reason: string | null;
  award_entry_id: string | null;
  rule_version: number | null;
  points: string | null;
  explanation: string | null;
  rating: number | null;
  rating_comment: string | null;
  rated_at: NullableTimestamp;
  bonus_entry_id: string | null;
  bonus_points: string | null;
  submitted_by: string | null;
  submitted_at: Timestamp;
  verified_by: string | null;
  verified_at: NullableTimestamp;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface ServiceRecordEventsTable {
  tenant_id: string;
  record_id: string;
  event_no: number;
  type: string;
  at: Timestamp;
  actor: string | null;
  reason: string | null;
  detail: ColumnType<Record<string, unknown>, string, never>;
}

export interface DB {
  certificate_counters: CertificateCountersTable;
  certificates: CertificatesTable;
  certificate_withdrawals: CertificateWithdrawalsTable;
  markets: MarketsTable;
  terminals: TerminalsTable;
  catalog_items: CatalogItemsTable;
  catalog_prices: CatalogPricesTable;
  stock_movements: StockMovementsTable;
  redemptions: RedemptionsTable;
  redemption_lines: RedemptionLinesTable;
  refunds: RefundsTable;
  refund_lines: RefundLinesTable;
  baskets: BasketsTable;
  basket_lines: BasketLinesTable;
  org_units: OrgUnitsTable;
  members: MembersTable;
  member_cards: MemberCardsTable;
  star_changes: StarChangesTable;
  points_rules: PointsRulesTable;
  service_records: ServiceRecordsTable;
  service_record_events: ServiceRecordEventsTable;
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_balances: LedgerBalancesTable;
  ledger_entries: LedgerEntriesTable;
  ledger_postings: LedgerPostingsTable;
  ledger_holds: LedgerHoldsTable;
  ledger_hold_events: LedgerHoldEventsTable;
  idempotency_keys: IdempotencyKeysTable;
}
