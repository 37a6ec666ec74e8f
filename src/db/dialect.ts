import type { Core } from '@strapi/strapi';

/**
 * What differs between the two databases we run on, in one place: the dialect, identifier
 * quoting, how booleans come back, and which driver errors mean what.
 */
export type Dialect = 'postgres' | 'sqlite';

export const dialectOf = (strapi: Core.Strapi): Dialect => (strapi.db.dialect.client === 'postgres' ? 'postgres' : 'sqlite');

export const isPostgres = (strapi: Core.Strapi): boolean => dialectOf(strapi) === 'postgres';

/** A quoted SQL identifier (both dialects). */
export const q = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** A boolean read from either database: PostgreSQL answers booleans, SQLite 0/1; NULL is false. */
export const isTrue = (value: unknown): boolean => value === true || value === 1 || value === '1';

/** A stored flag as 0/1 in SQL whatever the dialect stores (boolean, 0/1, NULL as 0). */
export const flagSql = (expr: string): string => `(CASE WHEN ${expr} THEN 1 ELSE 0 END)`;

/** A PostgreSQL int[] literal. The values are validated integers (ids), never user text. */
export const pgIntArray = (ids: number[]): string => `{${ids.map((id) => Math.trunc(Number(id))).join(',')}}`;

/** Whether a database error is a foreign-key violation (the referenced row is gone). */
export function isForeignKeyViolation(error: unknown): boolean {
  const e = error as { code?: string } | null;
  return e?.code === '23503' || e?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** Whether a database error is a UNIQUE violation (a concurrent writer got there first). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string } | null;
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
