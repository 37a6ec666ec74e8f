/**
 * Strapi stores datetimes in `timestamp without time zone` columns as the Node process's local
 * time (the pg driver writes and reads a Date in local time), and the API answers them as ISO
 * strings in UTC. When the process runs in UTC (containers do, by default), PostgreSQL can write
 * that ISO string itself, sparing the server a parse into a Date and a toISOString per value; in
 * any other time zone the value is read as before. to_char's MS truncates to the millisecond, as
 * the driver's parse does.
 */
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'Etc/UCT', 'UCT', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Universal', 'Etc/Zulu', 'Zulu']);

/**
 * The process's time zone (an IANA name), read once: building an Intl.DateTimeFormat to ask cost
 * ~0.2 ms, on every post page when it was asked per request (a CPU profile of GET /posts/public).
 */
let zone: string | undefined;
const processTimeZone = (): string => (zone ??= Intl.DateTimeFormat().resolvedOptions().timeZone);

/** Whether the process runs in UTC. */
export const processRunsInUtc = (): boolean => UTC_ZONES.has(processTimeZone());

/** The SQL of a timestamp column as the API writes it: an ISO string in UTC when the process runs in UTC, else the column. */
export const isoTimestampSql = (column: string, utc = processRunsInUtc()): string =>
  utc ? `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : column;

/** An ISO string in UTC to the millisecond, as Date.prototype.toISOString writes it. */
export const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * The SQL of a timestamp column as an ISO string in UTC to the millisecond, in any process time
 * zone: for SQL that writes the API's JSON itself. The column holds the process's local time
 * (see above), so outside UTC it is read in that zone first (PostgreSQL knows the IANA names).
 */
export const isoUtcTextSql = (column: string, timeZone = processTimeZone() || 'UTC'): string => {
  if (UTC_ZONES.has(timeZone)) return isoTimestampSql(column, true);
  if (!/^[A-Za-z0-9_+\-/]+$/.test(timeZone)) throw new Error(`unexpected time zone name ${JSON.stringify(timeZone)}`);
  return isoTimestampSql(`((${column}) AT TIME ZONE '${timeZone}') AT TIME ZONE 'UTC'`, true);
};
