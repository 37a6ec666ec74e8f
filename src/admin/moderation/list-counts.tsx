import * as React from 'react';
import type { StrapiApp } from '@strapi/strapi/admin';
import { Typography } from '@strapi/design-system';

/**
 * Numbers, not relation widgets, in the Content Manager's list views of posts and comments: a
 * to-many relation column (a post's likes `likedBy`, its `comments`, an item's `reports` if an
 * administrator adds that column) shows how many, e.g. "3", instead of the "3 items" menu.
 *
 * The list's own API already answers such a column with the count (`{ count }`, no entries), so
 * no extra request: the Content Manager's list-view hook (Admin/CM/pages/ListView/inject-column-
 * in-table) gives those headers a `cellFormatter` that prints it. The hook runs for every content
 * type; the list's content type is read from the URL, and any other type is left as it is.
 * `openReports` is an integer attribute and already shows as a number.
 */
const COUNTED_TYPES = ['api::post.post', 'api::comment.comment'];

type Header = { name: string; attribute?: { type?: string; relation?: string }; sortable?: boolean; cellFormatter?: unknown };

const isToMany = (header: Header) => header.attribute?.type === 'relation' && /ToMany$|^manyWay$/.test(header.attribute.relation ?? '');

export const countOf = (value: unknown): number => {
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return value.length;
  const count = (value as { count?: unknown } | null)?.count;
  return typeof count === 'number' ? count : Number(count ?? 0) || 0;
};

export const modelOfPath = (pathname: string): string | null => {
  const match = /\/content-manager\/collection-types\/([^/?#]+)/.exec(pathname);
  return match ? decodeURIComponent(match[1]) : null;
};

export function showRelationCounts(app: StrapiApp): void {
  app.registerHook('Admin/CM/pages/ListView/inject-column-in-table', (args: { displayedHeaders: Header[]; layout: unknown }) => {
    const model = modelOfPath(window.location.pathname);
    if (!model || !COUNTED_TYPES.includes(model)) return args;
    return {
      ...args,
      displayedHeaders: args.displayedHeaders.map((header) =>
        isToMany(header)
          ? {
              ...header,
              sortable: false,
              cellFormatter: (row: Record<string, unknown>) => (
                <Typography textColor="neutral800" data-count={header.name}>
                  {countOf(row[header.name])}
                </Typography>
              ),
            }
          : header
      ),
    };
  });
}
