/**
 * A jsonb value as read back. The table types give jsonb columns as the value or its text (they are
 * written as text), so a read may be typed either way; this parses only when handed text.
 */
export function fromJsonb<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}
