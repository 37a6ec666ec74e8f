// @ts-check
// Benchmark only (bench/scaling.mjs): counts the app's database queries and the time each takes
// as the app sees it (from knex handing it to the driver to the answer: round trip, PostgreSQL's
// work, the driver's parsing). Loaded by the harness's launcher (scripts/lib/compiled-app.js)
// once the app has loaded, before it listens; the app itself knows nothing of it.
//
// On SIGUSR2 it writes its totals so far to QUERY_METER_FILE as JSON: { queries, ms, captured }.
// `captured` holds the SQL and bindings of every query since the previous SIGUSR2 (at most
// CAPTURE_MAX of them), so the caller can see which queries one request ran.
'use strict';

const fs = require('node:fs');

const CAPTURE_MAX = 200;

/** @param {import('@strapi/strapi').Core.Strapi} strapi */
module.exports = (strapi) => {
  const file = process.env.QUERY_METER_FILE;
  if (!file) throw new Error('query-meter: QUERY_METER_FILE is not set');
  const knex = strapi.db.connection;
  /** @type {Map<string, bigint>} */
  const started = new Map();
  let queries = 0;
  let ns = 0n;
  /** @type {Array<{ sql: string, bindings: unknown[] }>} */
  let captured = [];

  /** @param {{ __knexQueryUid: string, sql: string, bindings?: unknown[] }} query */
  const onQuery = (query) => {
    started.set(query.__knexQueryUid, process.hrtime.bigint());
    if (captured.length < CAPTURE_MAX) captured.push({ sql: query.sql, bindings: query.bindings ?? [] });
  };
  /** @param {{ __knexQueryUid: string }} query */
  const onDone = (query) => {
    const at = started.get(query.__knexQueryUid);
    if (at === undefined) return;
    started.delete(query.__knexQueryUid);
    queries += 1;
    ns += process.hrtime.bigint() - at;
  };
  knex.on('query', onQuery);
  knex.on('query-response', (/** @type {unknown} */ _rows, /** @type {{ __knexQueryUid: string }} */ query) => onDone(query));
  knex.on('query-error', (/** @type {unknown} */ _error, /** @type {{ __knexQueryUid: string }} */ query) => onDone(query));

  process.on('SIGUSR2', () => {
    fs.writeFileSync(file, JSON.stringify({ queries, ms: Number(ns) / 1e6, captured }));
    captured = [];
  });
};
