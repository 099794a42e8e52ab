import crypto from 'node:crypto';

// The public check code of a certificate: the tenant's id, a dot, and 128 random bits in
// base64url (22 characters). The tenant part lets the lookup use the unique (tenant_id,
// code_hash) index as every key of the schema starts with tenant_id; the random part makes a code
// unguessable. Only the SHA-256 of the whole code is stored.

export const CODE = /^([a-z][a-z0-9-]{1,39})\.([A-Za-z0-9_-]{22})$/;

export function newCode(tenantId: string): string {
  return `${tenantId}.${crypto.randomBytes(16).toString('base64url')}`;
}

export function codeHash(code: string): string {
  return crypto.createHash('sha256').update(code, 'utf8').digest('hex');
}

/**
 * The tenant and hash to look a code up by. A code of any other shape is looked up all the same
 * (under no tenant), so a malformed code, an unknown one and one of another tenant cost one
 * probe of the same index each and answer alike.
 */
export function lookupKey(code: string): { tenantId: string; hash: string } {
  const m = CODE.exec(code);
  return { tenantId: m ? m[1]! : '', hash: codeHash(code) };
}
