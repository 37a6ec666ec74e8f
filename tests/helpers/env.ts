import path from 'node:path';
import { secretEnv } from '../../scripts/lib/secrets';

export const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Fixed, obviously-test secrets, every one the app needs: APP_KEYS=testKeyA,testKeyB, and
 * JWT_SECRET=test-jwt-secret, API_TOKEN_SALT=test-api-token-salt and so on. Tests never read .env.
 */
const TEST_SECRETS = secretEnv(
  (name, index) => (name === 'APP_KEYS' ? `testKey${'AB'[index]}` : `test-${name.toLowerCase().replace(/_/g, '-')}`),
  2
);

export function applyTestEnv(): void {
  Object.assign(process.env, {
    NODE_ENV: 'test',
    ...TEST_SECRETS,
    RATE_LIMIT_ENABLED: process.env.RATE_LIMIT_ENABLED ?? 'false',
    // Set explicitly so a developer's .env (which dotenv never lets override these) cannot point
    // the tests at their own database.
    DATABASE_CLIENT: process.env.DATABASE_CLIENT ?? 'sqlite',
    DATABASE_URL: '',
    // In-process specs count rate limits in memory; tests/rate-limits-redis.test.ts starts its own Redis.
    REDIS_URL: '',
    STRAPI_TELEMETRY_DISABLED: 'true',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    BROWSER: 'false',
    // No mail unless a spec starts its own SMTP server (tests/email.test.ts).
    SMTP_HOST: '',
  });
  // Settings a spec may set for its own server; the next spec starts from the defaults.
  for (const name of ['BODY_TIMEOUT_MS', 'UPLOAD_TMP_DIR', 'SMTP_PORT']) delete process.env[name];
}

export const isPostgres = (): boolean => process.env.DATABASE_CLIENT === 'postgres';

export const pgAdminConfig = () => ({
  host: process.env.DATABASE_HOST ?? '127.0.0.1',
  port: Number(process.env.DATABASE_PORT ?? 5432),
  user: process.env.DATABASE_USERNAME ?? 'postgres',
  password: process.env.DATABASE_PASSWORD ?? '',
  database: 'postgres',
});
