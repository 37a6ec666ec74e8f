import path from 'node:path';
import { Writable } from 'node:stream';
import type { Core } from '@strapi/strapi';
import { winston } from '@strapi/logger';
import { env } from '@strapi/utils';
import { REDACTED, redactUrls } from '../src/server/log-redaction';
import { createUser } from './helpers/fixtures';
import { ROOT } from './helpers/env';
import { useStrapi, type Api } from './helpers/strapi';

/**
 * A token sent in the query string is ignored (../shared/API.md), but it must not reach the logs
 * either: Strapi's request log writes the whole URL. Every credential query parameter of every
 * logged URL is written as [REDACTED], in both log formats.
 */
let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)));

/** A writable that keeps every line a winston transport writes. */
function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    objectMode: true,
    write(chunk: unknown, _encoding, done) {
      const info = chunk as Record<string | symbol, unknown>;
      lines.push(String(info[Symbol.for('message')] ?? JSON.stringify(chunk)));
      done();
    },
  });
  return { lines, stream };
}

describe('redactUrls', () => {
  it('redacts token, access_token, jwt and code, and keeps every other parameter', () => {
    expect(redactUrls('GET /api/posts/1?token=aaa.bbb.ccc&page=2&access_token=x1&jwt=y2&code=z3&sort=id (3 ms) 200')).toBe(
      `GET /api/posts/1?token=${REDACTED}&page=2&access_token=${REDACTED}&jwt=${REDACTED}&code=${REDACTED}&sort=id (3 ms) 200`
    );
  });

  it('matches names in any case, percent- or bracket-encoded, and the plugin’s own credentials', () => {
    const line = redactUrls('/api/x?TOKEN=a&%74oken=b&token[]=c&Access_Token=d&refresh_token=e&confirmation=f&password=g&q=token=h');
    for (const secret of ['=a', '=b', '=c', '=d', '=e', '=f', '=g']) expect(line).not.toContain(secret + '&');
    expect(line).toContain('q=token=h'); // a value that mentions "token" is not a credential name
    expect(redactUrls('/api/auth/email-confirmation?confirmation=abc123')).toBe(`/api/auth/email-confirmation?confirmation=${REDACTED}`);
  });

  it('leaves text without credentials alone', () => {
    for (const text of ['GET /api/posts/feed?limit=20&cursor=abc (2 ms) 200', 'no url here', 'tokens=1 and code=2 outside a query']) {
      expect(redactUrls(text)).toBe(text);
    }
  });
});

describe('the request log', () => {
  it('writes no credential from the query string, in the pretty format the server runs with', async () => {
    const a = await createUser(strapi);
    const { lines, stream } = capture();
    const transport = new winston.transports.Stream({ stream });
    const level = strapi.log.level;
    // Only this transport writes while the level is lowered: the console stays quiet.
    const others = strapi.log.transports.filter((t) => !t.silent);
    for (const t of others) t.silent = true;
    strapi.log.add(transport);
    strapi.log.level = 'http';
    try {
      const res = await http.get(`/users/users?token=${a.jwt}&access_token=${a.jwt}&jwt=${a.jwt}&code=s3cr3t-code`);
      // The query token is not read: the request is anonymous.
      expect(res.status).toBe(403);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      strapi.log.level = level;
      strapi.log.remove(transport);
      for (const t of others) t.silent = false;
    }
    const line = lines.find((l) => l.includes('/api/users/users'));
    expect(line).toBeDefined();
    expect(line).toContain(`?token=${REDACTED}&access_token=${REDACTED}&jwt=${REDACTED}&code=${REDACTED}`);
    expect(line).toMatch(/403/);
    expect(lines.join('\n')).not.toContain(a.jwt);
    expect(lines.join('\n')).not.toContain('s3cr3t-code');
  });

  it('writes no credential in the JSON format either, message or error stack', () => {
    const previous = process.env.LOG_FORMAT;
    process.env.LOG_FORMAT = 'json';
    try {
      // The compiled config/logger.ts, as Strapi loads it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const loggerConfig = require(path.join(ROOT, 'dist', 'config', 'logger.js')).default as (p: { env: typeof env }) => winston.LoggerOptions;
      const { lines, stream } = capture();
      const logger = winston.createLogger({ ...loggerConfig({ env }), level: 'http', transports: [new winston.transports.Stream({ stream })] });
      logger.http('GET /api/posts/feed?jwt=eyJhbGciOi.payload.sig&limit=5 (4 ms) 200');
      logger.error(new Error('could not fetch https://example.com/callback?code=oauth-code-123&state=s'));
      expect(lines).toHaveLength(2);
      const entries = lines.map((l) => JSON.parse(l) as { message: string; stack?: string; timestamp?: string });
      expect(entries[0].message).toBe(`GET /api/posts/feed?jwt=${REDACTED}&limit=5 (4 ms) 200`);
      expect(entries[0].timestamp).toBeDefined();
      expect(lines.join('\n')).not.toContain('eyJhbGciOi');
      expect(lines.join('\n')).not.toContain('oauth-code-123');
      expect(entries[1].message).toContain(`?code=${REDACTED}&state=s`);
    } finally {
      if (previous === undefined) delete process.env.LOG_FORMAT;
      else process.env.LOG_FORMAT = previous;
    }
  });
});
