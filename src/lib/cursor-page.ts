import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';
import { CursorCodec, type KeyPart, type Position } from './cursor';

const { ValidationError } = errors;

/**
 * Cursor paging at the edge of the API: reading `limit` and `cursor` from the query, and writing
 * `meta.next` / `meta.prev` and the Link header. Every cursor list goes through here; the
 * repositories only see a decoded position (src/db/keyset.ts).
 */
export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 40;

/** What a list read needs: how many, and from where (null: the top of the list). */
export type PageRequest = { limit: number; position: Position | null };

/** A page as a repository returns it: items in list order, each with its key, and whether more follow. */
export type KeyedPage<Item> = { items: Array<{ key: KeyPart[]; item: Item }>; more: boolean };

/**
 * A page's items already written as JSON texts (by the database), sent on as they are: for a list
 * whose items cost more to parse and write out again than to read (the moderation queue).
 */
export class JsonItems {
  constructor(readonly texts: string[]) {}
}

/**
 * A page of ids with the views loaded for them, in the page's order. An item whose view is gone
 * (deleted between the two reads) is left out; the page's cursors still come from all its keys.
 */
export type ViewPage<View> = { page: KeyedPage<number>; data: View[] | JsonItems };

export function withViews<View extends { id: number }>(page: KeyedPage<number>, views: View[]): ViewPage<View> {
  const byId = new Map(views.map((view) => [view.id, view]));
  return { page, data: page.items.flatMap(({ item }) => byId.get(item) ?? []) };
}

export type CursorMeta = { next: string | null; prev: string | null };

/** A list's identity (part of each cursor's signature) and the length of its keys. */
export type ListId = { name: string; keyLength: number };

const bad = (field: string, message: string): never => {
  throw new ValidationError(message, { errors: [{ path: [field], message, name: 'ValidationError' }] });
};

let codec: CursorCodec | undefined;
let codecKeys: unknown;

function codecOf(strapi: Core.Strapi): CursorCodec {
  const keys = strapi.config.get('server.app.keys') as string[] | undefined;
  if (!codec || codecKeys !== keys) {
    codec = new CursorCodec(keys ?? []);
    codecKeys = keys;
  }
  return codec;
}

/** `limit` (1–40, default 20) and `cursor` from the query, or a 400 ValidationError. */
export function pageRequest(strapi: Core.Strapi, ctx: Context, list: ListId): PageRequest {
  const query = ctx.query as Record<string, unknown>;
  const rawLimit = query.limit;
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== undefined) {
    if (typeof rawLimit !== 'string' || !/^\d{1,2}$/.test(rawLimit)) bad('limit', `limit must be a whole number from 1 to ${MAX_LIMIT}`);
    limit = Number(rawLimit);
    if (limit < 1 || limit > MAX_LIMIT) bad('limit', `limit must be a whole number from 1 to ${MAX_LIMIT}`);
  }
  const rawCursor = query.cursor;
  if (rawCursor === undefined) return { limit, position: null };
  if (typeof rawCursor !== 'string' || rawCursor.length === 0) bad('cursor', 'cursor must be a cursor this list gave out');
  return { limit, position: codecOf(strapi).decode(list.name, rawCursor as string, list.keyLength) };
}

/**
 * The cursors of a page (API.md): `prev` fetches what is above its first item (null only for an
 * empty page reached without a cursor), `next` what is below its last one (null when nothing
 * follows). An empty page reached with a cursor points both ways from the cursor's own position.
 */
export function cursorMeta(strapi: Core.Strapi, list: ListId, request: PageRequest, page: KeyedPage<unknown>): CursorMeta {
  const c = codecOf(strapi);
  const encode = (position: Position) => c.encode(list.name, position);
  const { position } = request;
  if (page.items.length === 0) {
    if (!position) return { next: null, prev: null };
    const flipped = { key: position.key, inclusive: !position.inclusive };
    return position.direction === 'next'
      ? { next: null, prev: encode({ direction: 'prev', ...flipped }) }
      : { next: encode({ direction: 'next', ...flipped }), prev: encode(position) };
  }
  const first = page.items[0].key;
  const last = page.items[page.items.length - 1].key;
  // Reading upwards (prev), something always follows the page: at least the cursor's own item.
  const more = position?.direction === 'prev' || page.more;
  return {
    next: more ? encode({ direction: 'next', key: last, inclusive: false }) : null,
    prev: encode({ direction: 'prev', key: first, inclusive: false }),
  };
}

/** Answers a cursor page: `{ data, meta: { next, prev } }` and the same cursors in a Link header. */
function sendPage<View>(strapi: Core.Strapi, ctx: Context, list: ListId, request: PageRequest, { page, data }: ViewPage<View>): void {
  const meta = cursorMeta(strapi, list, request, page);
  // The list's other parameters (a search's `q`) stay in the links.
  const kept = Object.entries(ctx.query as Record<string, unknown>).filter(
    (entry): entry is [string, string] => entry[0] !== 'cursor' && entry[0] !== 'limit' && typeof entry[1] === 'string'
  );
  const links: string[] = [];
  for (const rel of ['next', 'prev'] as const) {
    const cursor = meta[rel];
    if (!cursor) continue;
    const query = new URLSearchParams([...kept, ['cursor', cursor], ['limit', String(request.limit)]]);
    links.push(`<${ctx.path}?${query}>; rel="${rel}"`);
  }
  if (links.length > 0) ctx.set('Link', links.join(', '));
  if (data instanceof JsonItems) {
    ctx.type = 'application/json';
    ctx.body = `{"data":[${data.texts.join(',')}],"meta":${JSON.stringify(meta)}}`;
  } else ctx.body = { data, meta };
}

/**
 * A cursor list's answer, the one way every list route gives it: `limit` and `cursor` read (a 400
 * when bad), `read` called with them, the page sent with its cursors and Link header.
 */
export async function answerPage<View>(
  strapi: Core.Strapi,
  ctx: Context,
  list: ListId,
  read: (request: PageRequest) => Promise<ViewPage<View>>
): Promise<void> {
  const request = pageRequest(strapi, ctx, list);
  sendPage(strapi, ctx, list, request, await read(request));
}
