import type { Readable } from 'node:stream';
import type { Context, Next } from 'koa';

/**
 * A body that trickles in (a byte now and then, slowloris-style) would hold a request, its
 * socket and its parser for as long as the client likes. Node's own `requestTimeout` is checked
 * only every 30 s and answers with a bare 408, so here the body has `config.ms` (BODY_TIMEOUT_MS)
 * from the start of the request to arrive in full. When it has not, the 408 is written in the
 * envelope at once (the parser is still waiting for bytes), and once it is out the request
 * stream, and the decompressor reading it if any, are destroyed: the parser fails, the request
 * unwinds (global::body-errors sees the mark left here), and the connection is closed.
 */
export const BODY_TIMED_OUT = Symbol('body timed out');

type Config = { ms?: number };

const MESSAGE = 'The request body did not arrive in time';

const hasBody = (ctx: Context): boolean =>
  ctx.req.headers['transfer-encoding'] !== undefined || Number(ctx.req.headers['content-length'] ?? 0) > 0;

/** The streams `req` is piped into (a zlib decompressor for a Content-Encoding): they do not see its end. */
const pipesOf = (req: Readable): Readable[] => {
  const pipes = (req as unknown as { _readableState?: { pipes?: Readable[] } })._readableState?.pipes;
  return Array.isArray(pipes) ? [...pipes] : [];
};

export default (config: Config) => {
  const ms = config?.ms ?? 10_000;
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!(ms > 0) || !hasBody(ctx) || ctx.req.complete) return next();
    const { req, res } = ctx;
    const timer = setTimeout(() => {
      if (req.complete || req.destroyed || res.headersSent) return;
      (ctx.state as Record<symbol, boolean>)[BODY_TIMED_OUT] = true;
      const body = JSON.stringify({ data: null, error: { status: 408, name: 'RequestTimeoutError', message: MESSAGE, details: {} } });
      res.writeHead(408, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
      res.end(body, () => {
        const error = Object.assign(new Error(MESSAGE), { status: 408, expose: true });
        for (const stream of pipesOf(req)) stream.destroy(error);
        req.on('error', () => {}); // the parser has its own listener, or none is left
        req.destroy(error);
      });
    }, ms);
    timer.unref();
    try {
      await next();
    } finally {
      clearTimeout(timer);
    }
  };
};
