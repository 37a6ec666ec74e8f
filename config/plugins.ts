import type { Core } from '@strapi/strapi';

const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Plugin => ({
  'users-permissions': {
    config: {
      jwtSecret: env('JWT_SECRET', ''),
      // One long-lived JWT, returned by login and kept by clients as their bearer token.
      jwtManagement: 'legacy-support',
      jwt: { expiresIn: env('JWT_EXPIRES_IN', '7d') },
      register: { allowedFields: ['name'] },
      ratelimit: {
        enabled: env.bool('RATE_LIMIT_ENABLED', true),
        interval: env.int('RATE_LIMIT_INTERVAL_MS', 60_000),
        max: env.int('RATE_LIMIT_MAX', 10),
      },
    },
  },
});

export default config;
