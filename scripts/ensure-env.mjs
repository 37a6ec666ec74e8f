#!/usr/bin/env node
// Creates .env from .env.example on first run, with every placeholder secret replaced by a random
// value, the way Strapi's project generator does. Does nothing when .env already exists.
// Node built-ins only: it runs before `strapi develop` (npm's predevelop/predev hooks).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomSecrets, SECRET_NAMES } from './lib/secrets.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const envFile = path.join(root, '.env');
const exampleFile = path.join(root, '.env.example');

/** Replaces the value of every active `NAME=...` line whose NAME is a secret; keeps quoting. */
function fillSecrets(template) {
  const values = randomSecrets();
  const seen = new Set();
  const lines = (template ? template.split(/\r?\n/) : []).map((line) => {
    const match = /^(\s*(?:export\s+)?)([A-Z0-9_]+)(\s*=\s*)(.*)$/.exec(line);
    if (!match || !SECRET_NAMES.includes(match[2])) return line;
    const [, lead, name, eq, raw] = match;
    seen.add(name);
    const quote = /^["']/.test(raw) ? raw[0] : '';
    return `${lead}${name}${eq}${quote}${values[name]}${quote}`;
  });
  // A secret missing from the template is appended, so the app always has all of them.
  for (const name of SECRET_NAMES.filter((n) => !seen.has(n))) lines.push(`${name}=${values[name]}`);
  return lines.join('\n').replace(/\n*$/, '\n');
}

if (!existsSync(envFile)) {
  const template = existsSync(exampleFile) ? readFileSync(exampleFile, 'utf8') : '';
  try {
    // `wx`: never overwrite a .env that appeared meanwhile.
    writeFileSync(envFile, fillSecrets(template), { flag: 'wx', mode: 0o600 });
    console.log(
      `Created .env from ${template ? '.env.example' : 'scratch'} with random secrets (${SECRET_NAMES.join(', ')}).`
    );
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
  }
}
