import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

// The repository of certificate_counters, certificates and certificate_withdrawals: the only code
// that names them.

/**
 * The next number of a unit's certificates in a year. The counter row stays locked until the
 * issuing transaction ends: a commit keeps the number, a rollback gives it back, so the numbers
 * of committed certificates run without gaps. Taken last in the issuing transaction, just before
 * the certificate's own row, so the lock is held for as short a time as it can be.
 */
export async function nextNumber(trx: Transaction<DB>, tenantId: string, orgUnitId: string, year: number): Promise<number> {
  const r = await sql<{ last_no: number }>`INSERT INTO certificate_counters AS c (tenant_id, org_unit_id, year, last_no)
    VALUES (${tenantId}, ${orgUnitId}, ${year}, 1)
    ON CONFLICT (tenant_id, org_unit_id, year) DO UPDATE SET last_no = c.last_no + 1
    RETURNING c.last_no`.execute(trx);
  return Number(r.rows[0]!.last_no);
}

export interface NewCertificateRow {
  tenantId: string;
  certificateId: string;
  orgUnitId: string;
  year: number;
  no: number;
  memberId: string;
  codeHash: string;
  issuedAt: string;
  issuedBy: string | null;
  document: string;
  keyId: string;
  signature: string;
}

export async function insertCertificate(trx: Transaction<DB>, row: NewCertificateRow): Promise<void> {
  await trx
    .insertInto('certificates')
    .values({
      tenant_id: row.tenantId,
      certificate_id: row.certificateId,
      org_unit_id: row.orgUnitId,
      year: row.year,
      no: row.no,
      member_id: row.memberId,
      code_hash: row.codeHash,
      issued_at: row.issuedAt,
      issued_by: row.issuedBy,
      document: row.document,
      key_id: row.keyId,
      signature: row.signature,
    })
    .execute();
}

export interface StoredCertificate {
  certificateId: string;
  orgUnitId: string;
  issuedAt: Date;
  document: string;
  keyId: string;
  signature: string;
  withdrawal: { reason: string; at: string } | null;
}

type Row = {
  certificate_id: string;
  org_unit_id: string;
  issued_at: Date | string;
  document: string;
  key_id: string;
  signature: string;
  reason: string | null;
  withdrawn_at: Date | string | null;
};

function toStored(r: Row): StoredCertificate {
  return {
    certificateId: r.certificate_id,
    orgUnitId: r.org_unit_id,
    issuedAt: new Date(r.issued_at),
    document: r.document,
    keyId: r.key_id,
    signature: r.signature,
    withdrawal: r.withdrawn_at === null ? null : { reason: r.reason ?? '', at: new Date(r.withdrawn_at).toISOString() },
  };
}

const SELECT = sql`SELECT c.certificate_id, c.org_unit_id, c.issued_at, c.document, c.key_id, c.signature, w.reason, w.withdrawn_at
  FROM certificates c LEFT JOIN certificate_withdrawals w ON w.tenant_id = c.tenant_id AND w.certificate_id = c.certificate_id`;

export async function findCertificate(db: Kysely<DB>, tenantId: string, certificateId: string): Promise<StoredCertificate | null> {
  const r = await sql<Row>`${SELECT} WHERE c.tenant_id = ${tenantId} AND c.certificate_id = ${certificateId}::uuid`.execute(db);
  return r.rows[0] ? toStored(r.rows[0]) : null;
}

/** By the hash of its public code, through the unique (tenant_id, code_hash) index: one probe, found or not. */
export async function findByCodeHash(db: Kysely<DB>, tenantId: string, codeHash: string): Promise<StoredCertificate | null> {
  const r = await sql<Row>`${SELECT} WHERE c.tenant_id = ${tenantId} AND c.code_hash = ${codeHash}`.execute(db);
  return r.rows[0] ? toStored(r.rows[0]) : null;
}

/** Locks the certificate's row (a withdrawal and a second one never interleave); null when there is none. */
export async function lockCertificate(trx: Transaction<DB>, tenantId: string, certificateId: string): Promise<StoredCertificate | null> {
  const r = await sql<{ certificate_id: string }>`SELECT certificate_id FROM certificates
    WHERE tenant_id = ${tenantId} AND certificate_id = ${certificateId}::uuid FOR SHARE`.execute(trx);
  return r.rows[0] ? findCertificate(trx, tenantId, certificateId) : null;
}

export async function insertWithdrawal(trx: Transaction<DB>, row: { tenantId: string; certificateId: string; reason: string; by: string | null }): Promise<boolean> {
  const r = await sql`INSERT INTO certificate_withdrawals (tenant_id, certificate_id, reason, withdrawn_by)
    VALUES (${row.tenantId}, ${row.certificateId}::uuid, ${row.reason}, ${row.by})
    ON CONFLICT (tenant_id, certificate_id) DO NOTHING`.execute(trx);
  return Number(r.numAffectedRows ?? 0) === 1;
}
