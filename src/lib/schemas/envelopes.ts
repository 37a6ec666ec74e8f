import { z } from 'zod/v4';
import { Pagination } from './shapes';

/**
 * The two envelopes of the API. Post and comment routes answer `{ data, meta }` like Strapi's
 * content API; every error, on every route, is Strapi's error envelope.
 */
const NoMeta = z.object({});

export const dataOf = <Data extends z.ZodType>(data: Data) => z.object({ data, meta: NoMeta });

export const pageOf = <Item extends z.ZodType>(item: Item) =>
  z.object({ data: z.array(item), meta: z.object({ pagination: Pagination }) });

const cursor = (rel: string) => z.string().nullable().describe(`Pass as ?cursor= for ${rel}`);

export const CursorMeta = z
  .object({
    next: cursor('the items below this page (older, or later in a comment list); null when nothing follows'),
    prev: cursor('the items above this page (newer: pull-to-refresh); null only for an empty page read without a cursor'),
  })
  .meta({ id: 'CursorMeta' });

/** A cursor page (API.md, "Lists that move"); the same cursors are in the Link header. */
export const cursorPageOf = <Item extends z.ZodType>(item: Item) => z.object({ data: z.array(item), meta: CursorMeta });

export const ErrorEnvelope = z
  .object({
    data: z.null(),
    error: z.object({
      status: z.int().min(400).max(599),
      name: z.string().describe('e.g. ValidationError, NotFoundError, ForbiddenError'),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).describe('{} or, for a body field, { errors: [{ path, message, name }] }'),
    }),
  })
  .meta({ id: 'ErrorEnvelope', description: "Strapi's error envelope, the answer of every 4xx" });
