import { Decimal } from 'decimal.js';

// Amounts: NUMERIC(20,2) in the database, decimal strings on the wire, Decimal in code.
// A JS number never holds an amount.

export const SCALE = 2;
export const Units = ['HOURS', 'POINTS'] as const;
export type Unit = (typeof Units)[number];

/** The one place where amounts are rounded: half-up to the ledger's scale. */
export function roundAmount(value: Decimal.Value): Decimal {
  return new Decimal(value).toDecimalPlaces(SCALE, Decimal.ROUND_HALF_UP);
}

// Already the wire form: what Postgres answers for a NUMERIC(20,2) column. Negative zero is not
// ("-0.00" is written "0.00").
const WIRE = /^-?(?:0|[1-9]\d*)\.\d\d$/;

/** Wire form: always two decimals ("12.50", "-3.00"). */
export function formatAmount(value: Decimal.Value): string {
  // Most amounts formatted come from the database already in this form; parsing them into a
  // Decimal and back cost about 1 µs each, many times per award.
  if (typeof value === 'string' && WIRE.test(value) && value !== '-0.00') return value;
  return roundAmount(value).toFixed(SCALE);
}

// Wire amounts are plain decimal strings, at most 15 integer digits (NUMERIC(20,2) holds 18,
// leaving headroom for sums), no exponent, no sign: direction is said by debit/credit.
const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const MAX_INTEGER_DIGITS = 15;

export type AmountProblem = 'invalid_amount' | 'amount_not_positive' | 'too_many_decimals';

/** Checks a wire amount; null when it is a valid positive amount of at most two decimals. */
export function amountProblem(raw: string): AmountProblem | null {
  if (!NUMERIC.test(raw) || raw.startsWith('+')) return 'invalid_amount';
  const value = new Decimal(raw);
  if (value.lte(0)) return 'amount_not_positive';
  // Counted as written: "1.500" claims a precision the ledger does not keep.
  if ((raw.split('.')[1] ?? '').length > SCALE) return 'too_many_decimals';
  if (value.trunc().toFixed(0).length > MAX_INTEGER_DIGITS) return 'invalid_amount';
  return null;
}
