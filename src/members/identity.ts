import crypto from 'node:crypto';

// National ID numbers (GB 11643) and mobile numbers: checked before anything is stored, kept only
// as a keyed hash plus a masked form, never logged.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_DIGITS = '10X98765432';

/** The ID number in canonical form (upper-case X), or null when it is not a valid one. */
export function normalizeIdNumber(raw: string): string | null {
  const id = raw.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) return null;
  const year = Number(id.slice(6, 10));
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  const birth = new Date(Date.UTC(year, month - 1, day));
  if (year < 1900 || birth.getUTCMonth() !== month - 1 || birth.getUTCDate() !== day || birth.getTime() > Date.now()) return null;
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(id[i]), 0);
  return CHECK_DIGITS[sum % 11] === id[17] ? id : null;
}

/** 4301**********1234: the region prefix and the last four, nothing of the birth date. */
export function maskIdNumber(id: string): string {
  return `${id.slice(0, 4)}${'*'.repeat(10)}${id.slice(14)}`;
}

/** HMAC-SHA256 under the tenant's own key: equal numbers match, the number cannot be read back. */
export function hashIdNumber(id: string, key: string): string {
  return crypto.createHmac('sha256', Buffer.from(key, 'hex')).update(id).digest('hex');
}

export const PHONE = /^1\d{10}$/;

/** 138****5678 */
export function maskPhone(phone: string): string {
  return `${phone.slice(0, 3)}****${phone.slice(7)}`;
}
