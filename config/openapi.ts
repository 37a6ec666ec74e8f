import type { Core } from '@strapi/strapi';
import type { OpenAPIV3_1 } from 'openapi-types';

/**
 * Read by @strapi/openapi's document assemblers (keys `openapi.servers`, `openapi.security`,
 * `openapi.globalSecurity`): Strapi's own settings for the two things its generator gets wrong
 * or leaves out for this API.
 * - servers: the generator writes route paths without the REST prefix and, by default, the bare
 *   server URL; the prefix goes here, so `/posts/{id}` resolves to `/api/posts/{id}`. Without
 *   PUBLIC_URL the URL is relative, which OpenAPI resolves against where the document was
 *   served (…/api/openapi.json).
 * - security: the users-permissions JWT as a bearer token (Strapi's default scheme, named here so
 *   the document does not depend on that default), and the x-access-token header the original
 *   app's clients send. Either is accepted; routes Public may use say so themselves (src/openapi).
 */
type OpenApiConfig = {
  servers: OpenAPIV3_1.ServerObject[];
  security: Record<string, OpenAPIV3_1.SecuritySchemeObject>;
  globalSecurity: OpenAPIV3_1.SecurityRequirementObject[];
};

/** Strapi's REST prefix (api.rest.prefix), which config/api.ts leaves at its default. */
const REST_PREFIX = '/api';

const config = ({ env }: Core.Config.Shared.ConfigParams): OpenApiConfig => ({
  servers: [{ url: `${env('PUBLIC_URL', '').replace(/\/+$/, '')}${REST_PREFIX}`, description: 'This server' }],
  security: {
    bearerAuth: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'The users-permissions JWT from POST /users/login, /auth/local or /auth/local/register',
    },
    accessToken: {
      type: 'apiKey',
      in: 'header',
      name: 'x-access-token',
      description: 'The same JWT, for clients of the original app',
    },
  },
  globalSecurity: [{ bearerAuth: [] }, { accessToken: [] }],
});

export default config;
