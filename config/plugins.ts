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

const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Plugin => ({
  email: email(env),
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
