/** What the derived tables and the auth generation are written for. */
export type Dialect = 'postgres' | 'sqlite';

/** A quoted SQL identifier (both dialects). */
export const q = (name: string): string => `"${name.replace(/"/g, '""')}"`;
