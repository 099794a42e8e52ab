// China Standard Time (UTC+8 all year, no daylight saving): the business days, the periods of
// limits and capacity, the day reports and certificates all count in it. A leaf: it imports
// nothing, so any module may use it.

export const CST_OFFSET_MS = 8 * 3600 * 1000;
export const DAY_MS = 24 * 3600 * 1000;

/** A China-time calendar date (YYYY-MM-DD) as the instants it spans (NaN dates when it is none). */
export function chinaDay(date: string): { start: Date; end: Date } {
  const start = Date.parse(`${date}T00:00:00+08:00`);
  return { start: new Date(start), end: new Date(start + DAY_MS) };
}

/** An instant as RFC 3339 in China time (`2026-12-05T08:00:00+08:00`). */
export function chinaTime(at: Date): string {
  return `${new Date(at.getTime() + CST_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/** The China-time calendar date (YYYY-MM-DD) of an instant. */
export function chinaDate(at: Date): string {
  return chinaTime(at).slice(0, 10);
}
