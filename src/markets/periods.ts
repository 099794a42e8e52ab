import { CST_OFFSET_MS } from '../chinaTime.js';
import type { CapacityPeriod, LimitPeriod } from '../db/marketTables.js';

// The periods of per-member limits and service capacity, in China time (UTC+8 all year, no
// daylight saving): a limit of 2 a month counts from the 1st 00:00 to the next 1st 00:00 in
// Beijing. Weeks start on Monday (GB/T 7408 as ISO 8601).

export type Period = LimitPeriod | CapacityPeriod;

/** The period of the given kind that contains `at`: [start, end) as instants. */
export function periodOf(period: Period, at: Date): { start: Date; end: Date } {
  const local = new Date(at.getTime() + CST_OFFSET_MS); // its UTC fields read as China local time
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  const d = local.getUTCDate();
  const utc = (yy: number, mm: number, dd: number) => new Date(Date.UTC(yy, mm, dd) - CST_OFFSET_MS);
  switch (period) {
    case 'day':
      return { start: utc(y, m, d), end: utc(y, m, d + 1) };
    case 'week': {
      const sinceMonday = (local.getUTCDay() + 6) % 7;
      return { start: utc(y, m, d - sinceMonday), end: utc(y, m, d - sinceMonday + 7) };
    }
    case 'month':
      return { start: utc(y, m, 1), end: utc(y, m + 1, 1) };
    case 'quarter': {
      const q = m - (m % 3);
      return { start: utc(y, q, 1), end: utc(y, q + 3, 1) };
    }
    case 'year':
      return { start: utc(y, 0, 1), end: utc(y + 1, 0, 1) };
  }
}

