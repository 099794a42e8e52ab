import crypto from 'node:crypto';
import { Decimal } from 'decimal.js';
import { type Kysely, sql, type Transaction } from 'kysely';
import { type Caller } from '../auth/caller.js';
import { canonicalBytes } from '../integrity/canonical.js';
import type { DB } from '../db/schema.js';
import { certifiableRecords } from '../hours/certifiable.js';
import { currentSigningKey, lockTenant, type Signer } from '../integrity/keys.js';
import { entryProof } from '../integrity/proof.js';
import { formatAmount } from '../ledger/index.js';
import { sealTenants } from '../integrity/seal.js';
import { chinaDate, chinaDay, DAY_MS } from '../chinaTime.js';
import { getMember } from '../members/members.js';
import { authorizeOrgUnit, findOrgUnit } from '../orgunits/orgUnits.js';
import { DomainError } from '../problems.js';
import { type CertificateDocument, type CertificateRecord, type SignedCertificate, signDocument } from './document.js';
import { codeHash, newCode } from './code.js';
import { findCertificate, insertCertificate, insertWithdrawal, lockCertificate, nextNumber } from './repository.js';

// Issuing a certificate of service records (志愿服务记录证明): the organisation that recorded the
// hours certifies them (谁记录谁证明), so a certificate lists only the records its issuing unit,
// or a unit under it, recorded; a station's key issues in its own unit's name only.

/** The most records one certificate lists (each carries its inclusion proof). */
export const MAX_RECORDS = 500;
/** How long an issuance waits for open transactions before its records' entries can be sealed. */
const SEAL_WAIT_MS = 2000;

export interface IssueInput {
  /** First and last day of the period, China time (YYYY-MM-DD), both included. */
  from: string;
  to: string;
  orgUnitId: string;
  purpose?: string | undefined;
}

function periodOf(input: IssueInput): { from: Date; to: Date } {
  const from = chinaDay(input.from).start;
  const to = chinaDay(input.to).end;
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to || input.to > chinaDate(new Date()) || to.getTime() - from.getTime() > 50 * 366 * DAY_MS) {
    throw new DomainError('certificate_period_invalid', { from: input.from, to: input.to });
  }
  return { from, to };
}

/**
 * What an issuance asks of the caller beyond its role, checked before its Idempotency-Key is
 * looked at: the issuing unit exists and, for a station's key, is the key's own unit.
 */
export async function authorizeIssue(db: Kysely<DB>, caller: Caller, input: IssueInput): Promise<void> {
  const unit = await findOrgUnit(db, caller.tenantId, input.orgUnitId);
  if (caller.scope !== null && (caller.scope.kind !== 'orgUnit' || caller.scope.orgUnitId !== input.orgUnitId)) {
    throw new DomainError('org_unit_out_of_scope', { orgUnitId: input.orgUnitId });
  }
  if (!unit) throw new DomainError('org_unit_not_found', { orgUnitId: input.orgUnitId });
}

/**
 * Seals the tenant's committed entries now, outside any write transaction (the sealing function
 * of src/integrity, as the service's own job runs it), so that the records' award entries have
 * their proofs when the certificate is written. Without a signing secret nothing can be signed.
 */
export async function sealBeforeIssue(db: Kysely<DB>, signer: Signer | null, tenantId: string): Promise<Signer> {
  if (!signer) throw new DomainError('signing_unavailable');
  // A sealer that finds the tenant busy (another sealer, or an issuance signing under the same
  // lock) does nothing: try again until it gets its turn, within the same wait.
  const deadline = Date.now() + SEAL_WAIT_MS;
  for (;;) {
    const [seal] = await sealTenants(db, signer, { tenantId, waitMs: Math.max(0, deadline - Date.now()) });
    if (!seal?.busy || Date.now() >= deadline) return signer;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function issueCertificate(trx: Transaction<DB>, signer: Signer, caller: Caller, memberId: string, input: IssueInput): Promise<SignedCertificate> {
  const { tenantId } = caller;
  await authorizeIssue(trx, caller, input);
  const period = periodOf(input);
  const member = await getMember(trx, tenantId, memberId);
  if (!member) throw new DomainError('member_not_found', { memberId });
  const issuer = (await findOrgUnit(trx, tenantId, input.orgUnitId))!;
  const found = await certifiableRecords(trx, tenantId, { memberId, unitPath: issuer.path, from: period.from, to: period.to, limit: MAX_RECORDS + 1 });
  if (found.length === 0) throw new DomainError('certificate_no_records', { orgUnitId: issuer.id });
  if (found.length > MAX_RECORDS) throw new DomainError('certificate_too_many_records', { max: MAX_RECORDS });

  const names = new Map<string, string>([[issuer.id, issuer.name]]);
  const records: CertificateRecord[] = [];
  for (const r of found) {
    if (!names.has(r.orgUnitId)) names.set(r.orgUnitId, (await findOrgUnit(trx, tenantId, r.orgUnitId))?.name ?? r.orgUnitId);
    let proof;
    try {
      proof = await entryProof(trx, tenantId, r.awardEntryId);
    } catch (err) {
      // Not stored under the Idempotency-Key (src/idempotency/keys.ts): a retry after sealing issues it.
      if (err instanceof DomainError && err.code === 'entry_not_sealed') throw new DomainError('certificate_not_sealed', { retryAfter: 2 });
      throw err;
    }
    records.push({
      recordId: r.recordId,
      orgUnitId: r.orgUnitId,
      orgUnitName: names.get(r.orgUnitId)!,
      title: r.title,
      content: r.content,
      place: r.place,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      hours: r.hours,
      awardEntryId: r.awardEntryId,
      proof,
    });
  }
  const hours = records.reduce((sum, r) => sum.plus(r.hours), new Decimal(0));

  // The database's clock, as the signing key's validity and the records' history use it.
  const issuedAt = new Date((await sql<{ at: Date | string }>`SELECT now() AS at`.execute(trx)).rows[0]!.at);
  const issueDate = chinaDate(issuedAt);
  const year = Number(issueDate.slice(0, 4));
  const code = newCode(tenantId);
  // The counter last but one: its row stays locked to the commit (repository.ts, nextNumber).
  const no = await nextNumber(trx, tenantId, issuer.id, year);
  const doc: CertificateDocument = {
    v: 1,
    type: 'volunteer-service-certificate',
    certificateId: crypto.randomUUID(),
    tenantId,
    number: { orgUnitId: issuer.id, year, no, text: `${issuer.id}-${year}-${String(no).padStart(6, '0')}` },
    code,
    issuedAt: issuedAt.toISOString(),
    issueDate,
    issuer: { orgUnitId: issuer.id, name: issuer.name },
    member: { name: member.name, idNumberMasked: member.idNumberMasked },
    period: { from: input.from, to: input.to },
    purpose: input.purpose ?? null,
    records,
    totals: { records: records.length, hours: formatAmount(hours) },
    stars: member.stars,
  };
  // The tenant's key, under the lock its sealers and rotations take (keys.ts: one first key).
  await lockTenant(trx, tenantId, true);
  const key = await currentSigningKey(trx, signer, tenantId);
  const signature = signDocument(doc, key);
  await insertCertificate(trx, {
    tenantId,
    certificateId: doc.certificateId,
    orgUnitId: issuer.id,
    year,
    no,
    memberId,
    codeHash: codeHash(code),
    issuedAt: doc.issuedAt,
    issuedBy: caller.keyId,
    document: canonicalBytes(doc).toString('utf8'),
    keyId: key.keyId,
    signature: signature.value,
  });
  return { ...doc, signature };
}

/** A stored certificate as it was signed. */
export function signedOf(stored: { document: string; keyId: string; signature: string }): SignedCertificate {
  const doc = JSON.parse(stored.document) as CertificateDocument;
  return { ...doc, signature: { keyId: stored.keyId, algorithm: 'Ed25519', value: stored.signature } };
}

/** A certificate for a caller of the tenant: a station's key sees those its unit (or one under it) issued. */
export async function readCertificate(db: Kysely<DB>, caller: Caller, certificateId: string): Promise<SignedCertificate> {
  const stored = await findCertificate(db, caller.tenantId, certificateId);
  if (!stored) throw new DomainError('certificate_not_found');
  await authorizeOrgUnit(db, caller, stored.orgUnitId);
  return signedOf(stored);
}

/** Checked before the Idempotency-Key: the certificate exists and the caller's unit issued it (or is above it). */
export async function authorizeWithdrawal(db: Kysely<DB>, caller: Caller, certificateId: string): Promise<void> {
  const stored = await findCertificate(db, caller.tenantId, certificateId);
  if (!stored) throw new DomainError('certificate_not_found');
  await authorizeOrgUnit(db, caller, stored.orgUnitId);
}

export async function withdrawCertificate(trx: Transaction<DB>, caller: Caller, certificateId: string, reason: string) {
  const stored = await lockCertificate(trx, caller.tenantId, certificateId);
  if (!stored) throw new DomainError('certificate_not_found');
  await authorizeOrgUnit(trx, caller, stored.orgUnitId);
  if (stored.withdrawal || !(await insertWithdrawal(trx, { tenantId: caller.tenantId, certificateId, reason, by: caller.keyId }))) {
    throw new DomainError('certificate_withdrawn');
  }
  const after = (await findCertificate(trx, caller.tenantId, certificateId))!;
  const doc = signedOf(after);
  return { certificateId, number: doc.number.text, withdrawnAt: after.withdrawal!.at, reason: after.withdrawal!.reason };
}
