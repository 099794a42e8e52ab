import { Decimal } from 'decimal.js';
import { formatAmount } from '../ledger/index.js';
import { CST_OFFSET_MS, DAY_MS } from '../chinaTime.js';
import { DomainError } from '../problems.js';

// The checks of a record's period that need nothing but numbers: the period itself, the daily
// cap per China-time day, and the day a moment falls on.

// Business days are China Standard Time (UTC+8, no daylight saving). The daily cap counts, on
// each local calendar day, the share of a record's hours that its period has there.
/** A station's clock may run a little ahead of ours (the database's); a record ending within this is not "future". */
export const CLOCK_SKEW_MS = 60 * 1000;

export function localDay(at: Date): { start: Date; end: Date } {
  const start = Math.floor((at.getTime() + CST_OFFSET_MS) / DAY_MS) * DAY_MS - CST_OFFSET_MS;
  return { start: new Date(start), end: new Date(start + DAY_MS) };
}

/**
 * The China-time days a period touches (by the start of each day, in ms), each with the share of
 * `hours` that falls on it: hours × (the part of the period on that day) ÷ (the whole period). A
 * record 23:00–03:00 with 4 h puts 1 h on its first day and 3 h on the next.
 */
export function dayShares(startedAt: number, endedAt: number, hours: Decimal.Value): Map<number, Decimal> {
  const shares = new Map<number, Decimal>();
  const elapsed = endedAt - startedAt;
  if (elapsed <= 0) return shares;
  for (let day = localDay(new Date(startedAt)).start.getTime(); day < endedAt; day += DAY_MS) {
    const overlap = Math.min(endedAt, day + DAY_MS) - Math.max(startedAt, day);
    if (overlap > 0) shares.set(day, new Decimal(hours).times(overlap).div(elapsed));
  }
  return shares;
}

/** A live record of a member as the daily cap sees it. */
export interface DayRecord {
  startedAt: number;
  endedAt: number;
  hours: Decimal.Value;
}

/**
 * Each day a new record touches must stay within the cap: what the member's other live records
 * have there (their shares) plus the new record's share. Shares are exact fractions of an hour;
 * a day's total is compared at a millionth of an hour (under 4 ms), so that a record whose shares
 * do not end in decimals (1 h over 3 h: ⅓ and ⅔) cannot miss the cap's edge by a rounding.
 */
export function checkDailyCap(others: DayRecord[], record: DayRecord, cap: Decimal.Value): void {
  const shares = dayShares(record.startedAt, record.endedAt, record.hours);
  const first = localDay(new Date(record.startedAt)).start.getTime();
  const last = first + shares.size * DAY_MS;
  // Only records with time on these days count; the rest are passed over without arithmetic.
  const near = others.filter((o) => o.startedAt < last && o.endedAt > first).map((o) => dayShares(o.startedAt, o.endedAt, o.hours));
  for (const [day, share] of shares) {
    let total = share;
    for (const o of near) total = total.plus(o.get(day) ?? 0);
    const compared = total.toDecimalPlaces(6, Decimal.ROUND_HALF_UP);
    if (compared.gt(cap)) {
      throw new DomainError('daily_cap_exceeded', {
        total: formatAmount(total.toDecimalPlaces(2, Decimal.ROUND_HALF_UP)),
        cap: formatAmount(cap),
        day: new Date(day + CST_OFFSET_MS).toISOString().slice(0, 10),
      });
    }
  }
}

/** Checks that need nothing but the record itself: 400s that the same body always gets again. */
export function checkPeriod(startedAt: Date, endedAt: Date, hours: Decimal.Value): void {
  if (endedAt.getTime() <= startedAt.getTime()) throw new DomainError('record_period_invalid');
  const elapsed = new Decimal(endedAt.getTime() - startedAt.getTime()).div(3600 * 1000);
  if (new Decimal(hours).gt(elapsed)) {
    throw new DomainError('hours_exceed_period', { hours: formatAmount(hours), elapsed: elapsed.toDecimalPlaces(2, Decimal.ROUND_DOWN).toFixed(2) });
  }
}
