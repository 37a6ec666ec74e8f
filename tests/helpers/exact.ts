import type { Core } from '@strapi/strapi';
import { exactnessChecks, type ExactnessOptions } from '../../src/db/derived/verify';

/**
 * The derived rows (src/db/derived) against the ground truth they replace, in Jest terms: every
 * counter equals the COUNT(*) it stands for, every ordered index holds exactly the rows it
 * indexes, every open-report count is right (src/db/derived/verify.ts has the SQL). With `home`,
 * the home timeline too (only for data written without unfollows, see there).
 */
export async function expectCountersExact(strapi: Core.Strapi, options: ExactnessOptions = {}): Promise<void> {
  for (const check of await exactnessChecks(strapi, options)) {
    expect({ check: check.name, rows: check.actual }).toEqual({ check: check.name, rows: check.expected });
  }
}

type Row = Record<string, unknown>;
const rowsOf = (result: Row[] | { rows: Row[] }): Row[] => (Array.isArray(result) ? result : result.rows);

/** Runs `text` and turns every value into a number, so both databases compare alike. */
export const numericRows = async (strapi: Core.Strapi, text: string, bindings: unknown[] = []): Promise<Array<Record<string, number>>> =>
  rowsOf(await strapi.db.connection.raw(text, bindings as never)).map((row) =>
    Object.fromEntries(Object.entries(row).map(([key, value]) => [key, Number(value)]))
  );
