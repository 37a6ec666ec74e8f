import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { errors } from '@strapi/utils';
import { text } from '../../../lib/input';
import { requireViewer, validateQuery } from '../../../lib/request';
import type mediaService from '../services/media';
import type { TempFile } from '../services/media';

const { ValidationError } = errors;

const refuse = (message: string, field = 'file'): never => {
  throw new ValidationError(message, { errors: [{ path: [field], message, name: 'ValidationError' }] });
};

/**
 * POST /media, multipart: exactly one part, in the field `file`, and an optional
 * `alternativeText`. The body was parsed by strapi::body within UPLOAD_MAX_BYTES (413 beyond), on
 * this route only (global::multipart-guard), and global::temp-files removes every part afterwards.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const service = () => strapi.service('api::media.media') as unknown as ReturnType<typeof mediaService>;

  return {
    async create(ctx: Context) {
      const userId = requireViewer(ctx);
      await validateQuery(strapi, ctx, 'plugin::upload.file');
      if (!ctx.is('multipart')) refuse('Send multipart/form-data with one image in the field "file"');
      const files = ((ctx.request as { files?: Record<string, TempFile | TempFile[]> }).files ?? {}) as Record<string, TempFile | TempFile[]>;
      const parts = Object.entries(files).flatMap(([field, value]) => (Array.isArray(value) ? value : [value]).map((file) => ({ field, file })));
      if (parts.length === 0) refuse('Send one image in the field "file"');
      if (parts.length > 1) refuse(`Send one file per request (this one had ${parts.length})`);
      if (parts[0].field !== 'file') refuse(`Send the image in the field "file", not "${parts[0].field}"`);
      // A name is a name, not a path: a client that sends one with directories is refused.
      const original = String(parts[0].file.originalFilename ?? '');
      if (/[\\/\u0000-\u001f]/.test(original) || original.split('.').every((piece) => piece === '')) {
        refuse('The file name must be a plain name, without a path');
      }
      const fields = (ctx.request.body ?? {}) as Record<string, unknown>;
      if (Array.isArray(fields.alternativeText)) refuse('Send alternativeText once', 'alternativeText');
      const alternativeText = fields.alternativeText === undefined ? null : text(fields, 'alternativeText', { min: 0, max: 1_500, required: true });
      ctx.status = 201;
      ctx.body = { data: await service().upload(userId, parts[0].file, alternativeText), meta: {} };
    },
  };
};
