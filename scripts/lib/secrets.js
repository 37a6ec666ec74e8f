// @ts-check
// The secret variables every server needs, with values, built from the app's one list of names
// (src/server/secret-names.json, which the app's production check reads too). Used by
// scripts/ensure-env.mjs (a new .env), the scripts and the benchmark (fresh random secrets for
// each run) and the tests (fixed values). CommonJS with JSDoc types, so that both the .mjs
// scripts (import) and the tests (ts-jest compiles them to CommonJS) can load it. Node built-ins
// only.
'use strict';

const { randomBytes } = require('node:crypto');

/** @type {readonly string[]} */
const SECRET_NAMES = require('../../src/server/secret-names.json');

/** APP_KEYS is a comma-separated list of keys (Koa's signed cookies); this many, as Strapi's generator makes. */
const APP_KEY_COUNT = 4;

/**
 * Every secret variable with a value: `key(name, index)` makes one key, and APP_KEYS gets
 * `appKeys` of them.
 * @param {(name: string, index: number) => string} key
 * @param {number} [appKeys]
 * @returns {Record<string, string>}
 */
function secretEnv(key, appKeys = APP_KEY_COUNT) {
  return Object.fromEntries(
    SECRET_NAMES.map((name) => [
      name,
      name === 'APP_KEYS' ? Array.from({ length: appKeys }, (_, i) => key(name, i)).join(',') : key(name, 0),
    ])
  );
}

/** One random secret, as Strapi's project generator makes them. */
const randomSecret = () => randomBytes(16).toString('base64');

/** Fresh random values for every secret variable. */
const randomSecrets = () => secretEnv(randomSecret);

module.exports = { SECRET_NAMES, secretEnv, randomSecrets };
