import { errors } from '@strapi/utils';
import type { Context, Next } from 'koa';

/**
 * Body-parser failures (malformed JSON, a body over the limit, an unknown charset) are the
 * client's fault. Strapi's error middleware would log them at `error` level with a stack trace,
 * as if the server had failed; turned into Strapi errors here, they answer the same 4xx envelope
 * (400 ValidationError, 413 PayloadTooLargeError) and stay out of the error log.
 */
// co-body's JSON errors carry `status` but not `expose`; raw-body's carry both.
type ParserError = { status?: number; message?: string };

export default () =>
  async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (error) {
      const e = error as ParserError;
      const isClientHttpError =
        !(error instanceof errors.ApplicationError) && (e?.status === 400 || e?.status === 413 || e?.status === 415);
      if (!isClientHttpError) throw error;
      if (e.status === 413) throw new errors.PayloadTooLargeError('The request body is larger than 1 MB');
      throw new errors.ValidationError(`Malformed request body: ${e.message ?? 'cannot be parsed'}`);
    }
  };
