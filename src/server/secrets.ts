import SECRET_NAMES from './secret-names.json';

/**
 * The secrets Strapi needs. Config files read them with no fallback; in development `.env` is
 * created with random values by `scripts/ensure-env.mjs`. In production, `register()` refuses
 * to start when one is missing or still a placeholder, naming the variable. (The check is not in
 * the config files because `strapi build` loads them too, and a build has no secrets.)
 *
 * The names are a JSON list because the scripts, the benchmark and the tests build their
 * environments from the same list (scripts/lib/secrets.js), and they cannot import TypeScript.
 */
export const SECRET_VARIABLES: readonly string[] = SECRET_NAMES;

const PLACEHOLDERS = new Set(['tobemodified', 'changeme', 'change-me', 'secret', 'replace-me', 'undefined', 'null']);

export function isPlaceholder(value: string): boolean {
  const v = value.trim().toLowerCase();
  return v === '' || PLACEHOLDERS.has(v) || /^tobemodified\d*$/.test(v);
}

/** What is wrong with one variable, or undefined. APP_KEYS is a list: every key is checked. */
export function secretProblem(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const value = env[name];
  if (value === undefined || value.trim() === '') return `${name} is missing`;
  const parts = name === 'APP_KEYS' ? value.split(',') : [value];
  if (parts.some(isPlaceholder)) return `${name} is a placeholder`;
  return undefined;
}

export function assertProductionSecrets(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_ENV !== 'production') return;
  const problems = SECRET_VARIABLES.map((name) => secretProblem(name, env)).filter(Boolean);
  if (problems.length > 0) {
    throw new Error(
      `Refusing to start in production: ${problems.join('; ')}. ` +
        'Set each to a random secret, e.g. `openssl rand -base64 32` (see README, "Configuration").'
    );
  }
}
