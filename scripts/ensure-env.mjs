#!/usr/bin/env node
// Creates .env from .env.example on first run, with every placeholder secret replaced by a random
// value, the way Strapi's project generator does. Does nothing when .env already exists.
// Node built-ins only: it runs before `strapi develop` (npm's predevelop/predev hooks).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const envFile = path.join(root, '.env');
const exampleFile = path.join(root, '.env.example');

/** The variables that hold secrets; APP_KEYS is a list. */
const SECRETS = ['APP_KEYS', 'API_TOKEN_SALT', 'ADMIN_JWT_SECRET', 'TRANSFER_TOKEN_SALT', 'JWT_SECRET', 'ENCRYPTION_KEY'];
const APP_KEY_COUNT = 4;

const secret = () => randomBytes(16).toString('base64');
const valueFor = (name) =>
  name === 'APP_KEYS' ? Array.from({ length: APP_KEY_COUNT }, secret).join(',') : secret();

/** Replaces the value of every active `NAME=...` line whose NAME is a secret; keeps quoting. */
function fillSecrets(template) {
  const seen = new Set();
  const lines = (template ? template.split(/\r?\n/) : []).map((line) => {
    const match = /^(\s*(?:export\s+)?)([A-Z0-9_]+)(\s*=\s*)(.*)$/.exec(line);
    if (!match || !SECRETS.includes(match[2])) return line;
    const [, lead, name, eq, raw] = match;
    seen.add(name);
    const quote = /^["']/.test(raw) ? raw[0] : '';
    return `${lead}${name}${eq}${quote}${valueFor(name)}${quote}`;
  });
  // A secret missing from the template is appended, so the app always has all of them.
  for (const name of SECRETS.filter((n) => !seen.has(n))) lines.push(`${name}=${valueFor(name)}`);
  return lines.join('\n').replace(/\n*$/, '\n');
}

if (!existsSync(envFile)) {
  const template = existsSync(exampleFile) ? readFileSync(exampleFile, 'utf8') : '';
  try {
    // `wx`: never overwrite a .env that appeared meanwhile.
    writeFileSync(envFile, fillSecrets(template), { flag: 'wx', mode: 0o600 });
    console.log(
      `Created .env from ${template ? '.env.example' : 'scratch'} with random secrets (${SECRETS.join(', ')}).`
    );
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
  }
}
