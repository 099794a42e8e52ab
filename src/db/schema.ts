import type { ColumnType, Generated } from 'kysely';

// Table types. NUMERIC and BIGINT columns arrive as strings on both engines (see database.ts);
// amounts become Decimal only in the ledger module.
type Timestamp = ColumnType<Date, Date | string | undefined, never>;

export interface TenantsTable {
  tenant_id: string;
  name: string;
  created_at: Timestamp;
}

export interface ApiKeysTable {
  tenant_id: string;
  key_id: string;
  secret_hash: string; // hex SHA-256 of the secret
  role: 'admin' | 'station' | 'pos' | 'auditor';
  name: string;
  created_at: Timestamp;
  revoked_at: ColumnType<Date | null, never, Date | string>;
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

export interface IdempotencyKeysTable {
  tenant_id: string;
  idempotency_key: string;
  request_hash: string;
  status_code: number;
  response: unknown;
  created_at: Generated<Date>;
}

export interface DB {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_balances: LedgerBalancesTable;
  ledger_entries: LedgerEntriesTable;
  ledger_postings: LedgerPostingsTable;
  idempotency_keys: IdempotencyKeysTable;
}
