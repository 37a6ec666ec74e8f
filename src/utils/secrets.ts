/**
 * Reads a secret from the environment. There are no fallbacks: in development `.env` is created
 * with random values by `scripts/ensure-env.mjs`; in production a missing or placeholder value
 * stops the start-up with a message naming the variable.
 */
const PLACEHOLDERS = new Set(['', 'tobemodified', 'changeme', 'change-me', 'secret', 'replace-me']);

export function isPlaceholder(value: string): boolean {
  return PLACEHOLDERS.has(value.trim().toLowerCase()) || /^tobemodified\d*$/i.test(value.trim());
}

export function requireSecret(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (env.NODE_ENV === 'production' && (value === undefined || isPlaceholder(value))) {
    throw new Error(
      `${name} is ${value === undefined || value.trim() === '' ? 'missing' : 'a placeholder'}: ` +
        `set ${name} to a random secret before starting in production (see README, "Configuration").`
    );
  }
  return value ?? '';
}

/** APP_KEYS is a comma-separated list; every key is checked. */
export function requireSecretList(name: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = requireSecret(name, env);
  const keys = raw.split(',').map((key) => key.trim()).filter(Boolean);
  if (env.NODE_ENV === 'production' && (keys.length === 0 || keys.some(isPlaceholder))) {
    throw new Error(`${name} holds a placeholder: set every key of ${name} to a random secret.`);
  }
  return keys;
}
