import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

/** Fixed, obviously-test secrets: tests never read .env. */
export function applyTestEnv(): void {
  Object.assign(process.env, {
    NODE_ENV: 'test',
    APP_KEYS: 'testKeyA,testKeyB',
    API_TOKEN_SALT: 'test-api-token-salt',
    ADMIN_JWT_SECRET: 'test-admin-jwt-secret',
    TRANSFER_TOKEN_SALT: 'test-transfer-token-salt',
    JWT_SECRET: 'test-jwt-secret',
    ENCRYPTION_KEY: 'test-encryption-key',
    RATE_LIMIT_ENABLED: process.env.RATE_LIMIT_ENABLED ?? 'false',
    // Set explicitly so a developer's .env (which dotenv never lets override these) cannot point
    // the tests at their own database.
    DATABASE_CLIENT: process.env.DATABASE_CLIENT ?? 'sqlite',
    DATABASE_URL: '',
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
