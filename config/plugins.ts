import type { Core } from '@strapi/strapi';

/**
 * Email goes through SMTP (the official nodemailer provider) when SMTP_HOST is set. Without it
 * no mail is sent: the routes that would send one (forgot-password, send-email-confirmation)
 * answer as usual and the server logs once that mail is off (src/auth/mail.ts). Strapi's
 * default provider, sendmail, is kept in that case only because the plugin needs a provider.
 */
const email = (env: Core.Config.Shared.ConfigParams['env']) => {
  const host = env('SMTP_HOST', '');
  const settings = { defaultFrom: env('EMAIL_FROM', 'no-reply@localhost'), defaultReplyTo: env('EMAIL_REPLY_TO', env('EMAIL_FROM', 'no-reply@localhost')) };
  if (!host) return { config: { provider: 'sendmail', settings } };
  const user = env('SMTP_USERNAME', '');
  return {
    config: {
      provider: 'nodemailer',
      providerOptions: {
        host,
        port: env.int('SMTP_PORT', 587),
        // true: TLS from the first byte (port 465); false: STARTTLS when the server offers it.
        secure: env.bool('SMTP_SECURE', false),
        requireTLS: env.bool('SMTP_REQUIRE_TLS', false),
        ...(user ? { auth: { user, pass: env('SMTP_PASSWORD', '') } } : {}),
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 20_000,
      },
      settings,
    },
  };
};

/**
 * Uploads (POST /api/media and the Media Library) go through the upload plugin. By default its
 * local provider writes to public/uploads (the `uploads` volume of docker-compose, shared by every
 * node). UPLOAD_PROVIDER=aws-s3 switches to the official S3 provider (AWS or any S3-compatible
 * store), configured by the S3_* variables below (docs/DEPLOY.md, "Uploads").
 * The responsive formats are thumbnail (Strapi's, 245×156), small (500) and medium (750): no
 * `large`, which no client of the API asks for and which costs a resize of every photo.
 */
const upload = (env: Core.Config.Shared.ConfigParams['env']) => {
  const common = {
    sizeLimit: env.int('UPLOAD_MAX_BYTES', 10 * 1024 * 1024),
    breakpoints: { medium: 750, small: 500 },
  };
  if (env('UPLOAD_PROVIDER', 'local') !== 'aws-s3') return { config: { ...common, provider: 'local' } };
  const accessKeyId = env('S3_ACCESS_KEY_ID', '');
  return {
    config: {
      ...common,
      provider: 'aws-s3',
      providerOptions: {
        // The public URL of the files (a CDN, or the bucket's own); without it, the bucket's URL.
        baseUrl: env('S3_PUBLIC_URL', '') || undefined,
        rootPath: env('S3_ROOT_PATH', '') || undefined,
        s3Options: {
          region: env('S3_REGION', 'us-east-1'),
          // An S3-compatible store (MinIO, R2, …): its endpoint, usually with path-style URLs.
          ...(env('S3_ENDPOINT', '') ? { endpoint: env('S3_ENDPOINT', ''), forcePathStyle: env.bool('S3_FORCE_PATH_STYLE', true) } : {}),
          // Without keys, the SDK's default chain (instance role, AWS_* variables) is used.
          ...(accessKeyId ? { credentials: { accessKeyId, secretAccessKey: env('S3_SECRET_ACCESS_KEY', '') } } : {}),
          params: { Bucket: env('S3_BUCKET', ''), ...(env('S3_ACL', '') ? { ACL: env('S3_ACL', '') } : {}) },
        },
      },
    },
  };
};

const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Plugin => ({
  email: email(env),
  upload: upload(env),
  'users-permissions': {
    config: {
      jwtSecret: env('JWT_SECRET', ''),
      // One long-lived JWT, returned by login and kept by clients as their bearer token.
      jwtManagement: 'legacy-support',
      jwt: { expiresIn: env('JWT_EXPIRES_IN', '7d') },
      register: { allowedFields: ['name'] },
      // The plugin's own limiter is replaced by the app's (src/rate-limit, config/rate-limits.ts),
      // which reads its settings from there; these stay in step in case it ever runs.
      ratelimit: {
        enabled: env.bool('RATE_LIMIT_ENABLED', true),
        interval: env.int('RATE_LIMIT_INTERVAL_MS', 60_000),
        max: env.int('RATE_LIMIT_MAX', 10),
      },
    },
  },
});

export default config;
