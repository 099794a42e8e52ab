import type { ColumnType } from 'kysely';

// Table types of the certificates module (migration 0013), kept beside schema.ts so that file stays short.
type Timestamp = ColumnType<Date, Date | string | undefined, never>;

export interface CertificateCountersTable {
  tenant_id: string;
  org_unit_id: string;
  year: number;
  last_no: number;
}

export interface CertificatesTable {
  tenant_id: string;
  certificate_id: string;
  org_unit_id: string;
  year: number;
  no: number;
  member_id: string;
  code_hash: string;
  issued_at: Timestamp;
  issued_by: string | null;
  /** The certificate's RFC 8785 canonical JSON, as signed (signature not included). */
  document: string;
  key_id: string;
  signature: string;
}

export interface CertificateWithdrawalsTable {
  tenant_id: string;
  certificate_id: string;
  reason: string;
  withdrawn_at: Timestamp;
  withdrawn_by: string | null;
}
