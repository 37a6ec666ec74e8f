import type { Core } from '@strapi/strapi';
import { dataOf } from '../../../lib/schemas/envelopes';
import { MediaUpload } from '../../../lib/schemas/inputs';
import { Media } from '../../../lib/schemas/shapes';
import { withUsersPermissionsOnly, type ContractRoute } from '../../../lib/routes';

/**
 * POST /media: ours rather than the upload plugin's /api/upload, which records no API user as the
 * uploader (and so stays granted to no role). Multipart is parsed on this path only
 * (config/middlewares.ts, MULTIPART_ROUTES).
 */
export const mediaRoutes: ContractRoute[] = [
  {
    method: 'POST',
    path: '/media',
    handler: 'api::media.media.create',
    rateLimit: 'media',
    request: { body: { 'multipart/form-data': MediaUpload } },
    response: dataOf(Media),
    defaultRoles: ['authenticated'],
    successStatuses: [201],
  },
];

export default { type: 'content-api', routes: withUsersPermissionsOnly(mediaRoutes) } satisfies Core.RouterConfig;
