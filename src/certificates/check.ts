import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { recordChangesSince } from '../hours/certifiable.js';
import { listPublicKeys } from '../integrity/keys.js';
import { lookupKey } from './code.js';
import { certificateSignatureProblem, type PublicCertificate, publicView } from './document.js';
import { signedOf } from './issue.js';
import { findByCodeHash } from './repository.js';

// The public check of a certificate by its code (GET /certificates/{code}, no key): whether it is
// authentic (its stored canonical JSON still verifies with the tenant's published key) and still
// stands (not withdrawn, none of its records corrected or revoked since), with exactly what the
// certificate shows.

export interface CertificateStatus {
  /** valid: authentic and it stands; changed: a record was corrected or revoked since; withdrawn; forged: the signature fails. */
  status: 'valid' | 'changed' | 'withdrawn' | 'forged';
  authentic: boolean;
  stands: boolean;
  withdrawal: { reason: string; at: string } | null;
  /** What changed since it was issued: which of its records (its number on the certificate), how and when. */
  changes: { recordNo: number; title: string; kind: 'corrected' | 'revoked'; at: string; hoursAfter: string | null }[];
  certificate: PublicCertificate;
}

/**
 * Looks a code up. Found or not, the same statements run (a miss reads the keys and record
 * changes of no tenant), so the time it takes says nothing about whether a code exists.
 */
export async function checkByCode(db: Kysely<DB>, code: string): Promise<CertificateStatus | null> {
  const { tenantId, hash } = lookupKey(code);
  const stored = await findByCodeHash(db, tenantId, hash);
  const cert = stored ? signedOf(stored) : null;
  const [keys, changed] = await Promise.all([
    listPublicKeys(db, stored ? tenantId : ''),
    recordChangesSince(db, stored ? tenantId : '', cert ? cert.records.map((r) => r.recordId) : [], stored ? stored.issuedAt : new Date(0)),
  ]);
  if (!stored || !cert) return null;
  const authentic = certificateSignatureProblem(cert, keys) === null && cert.code === code;
  const numbered = new Map(cert.records.map((r, i) => [r.recordId, { no: i + 1, title: r.title }]));
  const changes = changed.map((c) => ({ recordNo: numbered.get(c.recordId)!.no, title: numbered.get(c.recordId)!.title, kind: c.kind, at: c.at, hoursAfter: c.hoursAfter }));
  const status = !authentic ? 'forged' : stored.withdrawal ? 'withdrawn' : changes.length > 0 ? 'changed' : 'valid';
  return { status, authentic, stands: status === 'valid', withdrawal: stored.withdrawal, changes, certificate: publicView(cert) };
}
