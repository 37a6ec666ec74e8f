import { winston } from '@strapi/logger';

/**
 * Query parameters that carry a credential. The contract never reads a token from the query
 * string, but clients send one anyway (`?token=`, `?access_token=`, `?jwt=`), and the
 * users-permissions plugin itself puts credentials there: `code` and `access_token` on its OAuth
 * callbacks, `confirmation` in the email-confirmation link. Strapi's request log writes the whole
 * URL, so without this a JWT sent by mistake ends up in every log collector.
 */
const CREDENTIAL_PARAMS = new Set(['token', 'access_token', 'refresh_token', 'id_token', 'jwt', 'code', 'confirmation', 'password']);

export const REDACTED = '[REDACTED]';

/** One `?name=value` or `&name=value` of a URL inside any text. */
const QUERY_PAIR = /([?&])([^=&\s#?"'<>]+)=([^&\s#"'<>]*)/g;

/** The parameter's name as a server reads it: percent- and plus-decoded, lower case, no `[...]` suffix. */
function paramName(raw: string): string {
  let name = raw.replace(/\+/g, ' ');
  try {
    name = decodeURIComponent(name);
  } catch {
    // A malformed escape: compare the raw name.
  }
  return name.replace(/\[.*$/, '').trim().toLowerCase();
}

/** `text` with the value of every credential query parameter of every URL in it replaced by [REDACTED]. */
export function redactUrls(text: string): string {
  if (!text.includes('=')) return text;
  return text.replace(QUERY_PAIR, (pair, sep: string, name: string) =>
    CREDENTIAL_PARAMS.has(paramName(name)) ? `${sep}${name}=${REDACTED}` : pair
  );
}

/**
 * A winston format that redacts credentials from the URLs in a log entry's message and stack,
 * whoever logged it (Strapi's request log `GET /api/...?token=… (3 ms) 403`, an error that
 * quotes a URL). It runs first in config/logger.ts, before the pretty or JSON output.
 */
export const redactCredentials = winston.format((info) => {
  const entry = info as Record<string, unknown>;
  for (const key of ['message', 'stack', 'url']) {
    const value = entry[key];
    if (typeof value !== 'string') continue;
    const redacted = redactUrls(value);
    if (redacted !== value) entry[key] = redacted;
  }
  return info;
});
