import crypto from 'node:crypto';
import { Decimal } from 'decimal.js';
import { canonicalBytes } from '../integrity/canonical.js';
import { checkProof, type KeyInfo, type Proof } from '../integrity/check.js';
import { publicKeyFromRaw } from '../integrity/keys.js';

// A certificate of service records (志愿服务记录证明) as signed, and the checks that need no
// database: its signature against the tenant's published keys, each record's award entry against
// its Merkle path and signed block head, each record's hours against its entry's hours posting,
// and the totals. The service checks its own stored certificates with the same function, and the
// offline verifier (`npm run cli -- verify-certificate`) checks a downloaded one.
//
// What is signed: the RFC 8785 canonical JSON of the certificate without its `signature` member,
// with the tenant's Ed25519 key (the key that signs block heads). So a change of any field, a
// record's hours or the member's name alike, fails the check.

export interface CertificateRecord {
  recordId: string;
  orgUnitId: string;
  orgUnitName: string;
  title: string;
  content: string | null;
  place: string | null;
  startedAt: string;
  endedAt: string;
  hours: string;
  /** The record's award entry and its inclusion proof (GET /v1/entries/{id}/proof). */
  awardEntryId: string;
  proof: Proof;
}

export interface CertificateDocument {
  v: 1;
  type: 'volunteer-service-certificate';
  certificateId: string;
  tenantId: string;
  /** The number the issuing unit gave it: per unit and year, 1, 2, 3… without gaps. */
  number: { orgUnitId: string; year: number; no: number; text: string };
  /** The public check code (GET /certificates/{code}). */
  code: string;
  issuedAt: string;
  /** The issuing date, China time (YYYY-MM-DD). */
  issueDate: string;
  issuer: { orgUnitId: string; name: string };
  member: { name: string; idNumberMasked: string };
  period: { from: string; to: string };
  purpose: string | null;
  records: CertificateRecord[];
  totals: { records: number; hours: string };
  /** The member's star rating (星级) when the certificate was issued. */
  stars: number;
}

export interface CertificateSignature {
  keyId: string;
  algorithm: 'Ed25519';
  /** Ed25519 signature of the canonical bytes of the certificate without this member (base64). */
  value: string;
}

export type SignedCertificate = CertificateDocument & { signature: CertificateSignature };

export function signDocument(doc: CertificateDocument, key: { keyId: string; privateKey: crypto.KeyObject }): CertificateSignature {
  return { keyId: key.keyId, algorithm: 'Ed25519', value: crypto.sign(null, canonicalBytes(doc), key.privateKey).toString('base64') };
}

export interface CertificateProblem {
  check: string;
  why: string;
  recordId?: string;
}

export interface CertificateCheck {
  ok: boolean;
  certificateId: string | null;
  number: string | null;
  records: number;
  hours: string | null;
  problems: CertificateProblem[];
}

/** Why a certificate's signature does not hold with the published keys, or null when it does. */
export function certificateSignatureProblem(cert: SignedCertificate, keys: readonly KeyInfo[]): string | null {
  const { signature, ...doc } = cert;
  if (!signature || typeof signature.value !== 'string') return 'the certificate carries no signature';
  const key = keys.find((k) => k.keyId === signature.keyId);
  if (!key) return `signed by key ${String(signature.keyId)}, which is not among the published keys`;
  // Both are UTC times: issuedAt with milliseconds, the key's validity with microseconds.
  const issued = Date.parse(cert.issuedAt);
  if (Number.isNaN(issued) || issued < Math.floor(Date.parse(key.validFrom)) || (key.validUntil !== null && issued >= Date.parse(key.validUntil))) {
    return `issued at ${String(cert.issuedAt)}, outside the validity of key ${key.keyId}`;
  }
  try {
    const ok = crypto.verify(null, canonicalBytes(doc), publicKeyFromRaw(key.publicKey), Buffer.from(signature.value, 'base64'));
    return ok ? null : `the signature does not verify with key ${key.keyId}: a field was changed after signing`;
  } catch {
    return `the signature does not verify with key ${key.keyId}`;
  }
}

/** The hours an award entry credits its member: its HOURS postings on member accounts. */
function creditedHours(proof: Proof): { hours: Decimal; accounts: Set<string> } {
  let hours = new Decimal(0);
  const accounts = new Set<string>();
  for (const p of proof.entry.postings ?? []) {
    if (p.unit !== 'HOURS' || !/^member:[^:]+:hours$/.test(p.accountId)) continue;
    hours = hours.plus(p.amount);
    accounts.add(p.accountId);
  }
  return { hours, accounts };
}

function decimalOrNull(value: unknown): Decimal | null {
  if (typeof value !== 'string' || !/^-?\d+(\.\d+)?$/.test(value)) return null;
  return new Decimal(value);
}

/** Checks a signed certificate with the tenant's published keys only. */
export function checkCertificate(cert: SignedCertificate, keys: readonly KeyInfo[]): CertificateCheck {
  const problems: CertificateProblem[] = [];
  const result = (hours: string | null): CertificateCheck => ({
    ok: problems.length === 0,
    certificateId: typeof cert?.certificateId === 'string' ? cert.certificateId : null,
    number: typeof cert?.number?.text === 'string' ? cert.number.text : null,
    records: Array.isArray(cert?.records) ? cert.records.length : 0,
    hours,
    problems,
  });
  if (!cert || cert.type !== 'volunteer-service-certificate' || !Array.isArray(cert.records) || !cert.totals) {
    problems.push({ check: 'shape', why: 'not a certificate: type, records and totals are required' });
    return result(null);
  }
  const signed = certificateSignatureProblem(cert, keys);
  if (signed) problems.push({ check: 'signature', why: signed });
  let total = new Decimal(0);
  const members = new Set<string>();
  for (const r of cert.records) {
    const recordId = String(r?.recordId);
    const hours = decimalOrNull(r?.hours);
    if (!hours) {
      problems.push({ check: 'hours', why: `record ${recordId}: hours ${String(r?.hours)} is not a decimal string`, recordId });
      continue;
    }
    total = total.plus(hours);
    const checked = checkProof(r.proof, keys);
    if (!checked.ok) {
      problems.push({ check: 'proof', why: `record ${recordId}: ${checked.problems[0]!.why}`, recordId });
      continue;
    }
    const entry = r.proof.entry;
    if (entry.tenantId !== cert.tenantId) problems.push({ check: 'proof', why: `record ${recordId}: the entry is of another tenant`, recordId });
    if (entry.entryId !== r.awardEntryId) problems.push({ check: 'proof', why: `record ${recordId}: the proof is of another entry`, recordId });
    if (entry.objectId !== r.recordId) problems.push({ check: 'proof', why: `record ${recordId}: the entry belongs to another record`, recordId });
    const credited = creditedHours(r.proof);
    for (const a of credited.accounts) members.add(a);
    if (!credited.hours.eq(hours)) {
      problems.push({ check: 'hours', why: `record ${recordId}: ${r.hours} hours, but its award entry credits ${credited.hours.toFixed(2)}`, recordId });
    }
  }
  if (members.size > 1) problems.push({ check: 'member', why: "the records' entries credit more than one member" });
  if (cert.totals.records !== cert.records.length) {
    problems.push({ check: 'totals', why: `totals say ${String(cert.totals.records)} records, the certificate lists ${cert.records.length}` });
  }
  const totalHours = decimalOrNull(cert.totals.hours);
  if (!totalHours || !totalHours.eq(total)) problems.push({ check: 'totals', why: `totals say ${String(cert.totals.hours)} hours, the records sum to ${total.toFixed(2)}` });
  return result(total.toFixed(2));
}

/**
 * What the public check shows of a certificate: exactly what the printed certificate shows (no
 * member id, no record or entry ids, no proofs), plus the code it is checked by.
 */
export function publicView(doc: CertificateDocument) {
  return {
    number: doc.number.text,
    issuer: doc.issuer.name,
    issuedAt: doc.issuedAt,
    issueDate: doc.issueDate,
    member: { name: doc.member.name, idNumberMasked: doc.member.idNumberMasked },
    period: doc.period,
    purpose: doc.purpose,
    records: doc.records.map((r, i) => ({
      no: i + 1,
      orgUnit: r.orgUnitName,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      title: r.title,
      content: r.content,
      hours: r.hours,
    })),
    totals: doc.totals,
    stars: doc.stars,
  };
}

export type PublicCertificate = ReturnType<typeof publicView>;
