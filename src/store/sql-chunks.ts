/**
 * Rows per multi-row statement. Both limits are far away (SQLite 32 766 parameters, PostgreSQL 65 535), and
 * a 10 000-openid `user/get` page becomes a handful of statements.
 */
export const ROWS_PER_STATEMENT = 500;

/** Splits `items` into consecutive slices of at most `size`. */
export function chunk<T>(items: readonly T[], size: number = ROWS_PER_STATEMENT): T[][] {
  const slices: T[][] = [];
  for (let i = 0; i < items.length; i += size) slices.push(items.slice(i, i + size));
  return slices;
}

/** `?, ?, ?` for an IN list of `count` values. */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}
