import { errors } from '@strapi/utils';
import type { Context, Next } from 'koa';
import { httpError } from '../lib/http-error';
import { BODY_TIMED_OUT } from './body-timeout';

/**
 * Body-parser failures are the client's fault: malformed JSON, a body over the limit, an unknown
 * charset or Content-Encoding, a body declared compressed that is not (zlib), a multipart body
 * with no boundary or cut short (formidable), a body that took too long (global::body-timeout).
 * Strapi's error middleware would log them at `error` level with a stack trace, as if the server
 * had failed; turned into Strapi errors here, they answer a 4xx envelope (400 ValidationError,
 * 413 PayloadTooLargeError, 415, 408) and stay out of the error log.
 */
type ParserError = { status?: number; httpCode?: number; code?: unknown; errno?: number; message?: string; name?: string };

// co-body's JSON errors carry `status` but not `expose`; raw-body's carry both.
const statusOf = (e: ParserError): number | undefined => {
  if (e.status === 400 || e.status === 413 || e.status === 415) return e.status;
  // zlib: Content-Encoding says gzip/deflate/br, the bytes are not (Z_DATA_ERROR, Z_BUF_ERROR, ERR_BROTLI...).
  if (typeof e.code === 'string' && /^(Z_|ERR_BROTLI|ERR__ERROR_FORMAT)/.test(e.code) && typeof e.errno === 'number') return 400;
  // formidable 2: numeric codes 1000-1099; its own field limits are sizes, the rest is a malformed body.
  if (e.name === 'FormidableError' || (typeof e.code === 'number' && e.code >= 1000 && e.code < 1100)) {
    return e.code === 1006 || e.code === 1007 || e.code === 1009 ? 413 : 400;
  }
  return undefined;
};

/**
 * koa-body turns a thrown value that is not `instanceof Error` (a zlib error from another realm,
 * as under Jest's VM) into Error(JSON.stringify(value)) named 'object': read its fields back.
 */
const fieldsOf = (error: unknown): ParserError => {
  const e = (error ?? {}) as ParserError;
  if (e.name !== 'object' || typeof e.message !== 'string') return e;
  try {
    return { ...(JSON.parse(e.message) as ParserError), message: 'the body does not match its Content-Encoding' };
  } catch {
    return e;
  }
};

export default () =>
  async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (error) {
      if (error instanceof errors.ApplicationError) throw error;
      if ((ctx.state as Record<symbol, boolean>)[BODY_TIMED_OUT]) {
        throw httpError(408, 'The request body did not arrive in time');
      }
      const e = fieldsOf(error);
      const status = statusOf(e);
      if (status === undefined) throw error;
      if (status === 413) throw new errors.PayloadTooLargeError(ctx.is('multipart') ? 'The multipart body is too large' : 'The request body is larger than 1 MB');
      if (status === 415) throw httpError(415, e.message ?? 'Unsupported body encoding');
      throw new errors.ValidationError(`Malformed request body: ${e.message ?? 'cannot be parsed'}`);
    }
  };
