import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { AUTHOR_FIELDS, iso, isoOrNull, toAuthor, type CommentView } from '../../lib/shapes';
import type { Ref } from '../../lib/refs';
import { DERIVED } from '../derived/definitions';
import { dialectOf, isForeignKeyViolation, isPostgres, isTrue, pgIntArray } from '../dialect';
import { readIdPage, type IdPage, type Keyset, type PageRequestLike } from '../keyset';
import { prepared } from '../prepared';
import { tables } from '../tables';
import type { Db } from './posts';
import { visibleComment } from '../visibility';

/** A post's visible comments, oldest first (ties by lowest id): social_post_comments' own order. */
const OLDEST_FIRST: Keyset = { columns: [{ expr: 'pc.created_at', time: true }, { expr: 'pc.comment_id' }], order: 'asc' };
export const COMMENT_KEY_LENGTH = 2;

/** The comments aggregate. */
export type CommentRow = { id: number; documentId: string; hidden: boolean; postId: number | null; postHidden: boolean; authorId: number | null };

const COMMENT = 'api::comment.comment';

type StoredComment = {
  id: number;
  documentId: string;
  content: string;
  createdAt: unknown;
  editedAt?: unknown;
  author?: { id: number; documentId: string; username: string; name?: string | null } | null;
};

export function commentRepository(strapi: Core.Strapi) {
  const knex = (): Knex => strapi.db.connection;
  return {
    /** A page of a post's visible comment ids (hidden comments are not in social_post_comments; blocks, src/db/visibility.ts). */
    page(postId: number, viewerId: number | undefined, request: PageRequestLike): Promise<IdPage> {
      const query = knex()(`${DERIVED.postComments} as pc`).where('pc.post_id', postId).where(visibleComment(strapi, 'pc.comment_id', viewerId));
      return readIdPage(knex(), dialectOf(strapi), query, OLDEST_FIRST, 'pc.comment_id', request, (built) => prepared(strapi, built));
    },

    /** Comments as the API shows them, in the order of `ids`, in one query. */
    async views(ids: number[]): Promise<CommentView[]> {
      if (ids.length === 0) return [];
      const t = tables(strapi);
      const query = knex()(`${t.comments} as c`)
        .leftJoin(`${t.commentAuthor.table} as ca`, `ca.${t.commentAuthor.owner}`, 'c.id')
        .leftJoin(`${t.users} as u`, 'u.id', `ca.${t.commentAuthor.target}`)
        .select('c.id', 'c.document_id', 'c.content', 'c.created_at', 'c.edited_at', 'u.id as a_id', 'u.document_id as a_doc', 'u.username as a_username', 'u.name as a_name');
      if (isPostgres(strapi)) query.whereRaw('c.id = ANY(?::int[])', [pgIntArray(ids)]);
      else query.whereIn('c.id', ids);
      const rows = (await prepared(strapi, query)) as Array<Record<string, unknown>>;
      const byId = new Map(
        rows.map((row) => [
          Number(row.id),
          {
            id: Number(row.id),
            documentId: String(row.document_id),
            content: String(row.content),
            createdAt: iso(row.created_at),
            editedAt: isoOrNull(row.edited_at),
            author:
              row.a_id == null
                ? null
                : { id: Number(row.a_id), documentId: String(row.a_doc), username: String(row.a_username), name: (row.a_name as string | null) ?? null },
          } satisfies CommentView,
        ])
      );
      return ids.flatMap((id) => byId.get(id) ?? []);
    },

    /** The author's edit: new content and editedAt (createdAt never changes). */
    async edit(id: number, content: string): Promise<void> {
      await strapi.db.query(COMMENT).update({ where: { id }, data: { content, editedAt: new Date() } });
    },

    /** The comment with its post (and whether that is hidden) and author ids, in one query. */
    async find(db: Db, ref: Ref): Promise<CommentRow | null> {
      if (!ref || 'email' in ref) return null;
      const t = tables(strapi);
      const row = await db(`${t.comments} as c`)
        .leftJoin(`${t.commentPost.table} as lp`, `lp.${t.commentPost.owner}`, 'c.id')
        .leftJoin(`${t.posts} as p`, 'p.id', `lp.${t.commentPost.target}`)
        .leftJoin(`${t.commentAuthor.table} as la`, `la.${t.commentAuthor.owner}`, 'c.id')
        .where('id' in ref ? { 'c.id': ref.id } : { 'c.document_id': ref.documentId })
        .select('c.id', 'c.document_id', 'c.hidden', 'p.id as post_id', 'p.hidden as post_hidden', `la.${t.commentAuthor.target} as author_id`)
        .first();
      if (!row) return null;
      return {
        id: Number(row.id),
        documentId: row.document_id,
        hidden: isTrue(row.hidden),
        postId: row.post_id == null ? null : Number(row.post_id),
        postHidden: isTrue(row.post_hidden),
        authorId: row.author_id == null ? null : Number(row.author_id),
      };
    },

    /** A new comment's id, or null when its post was deleted meanwhile (foreign key). */
    async create(input: { content: string; authorDocumentId: string; postDocumentId: string }): Promise<number | null> {
      try {
        const created = await strapi.documents(COMMENT).create({
          data: { content: input.content, author: input.authorDocumentId, post: input.postDocumentId, hidden: false },
        });
        return created.id as number;
      } catch (error) {
        if (isForeignKeyViolation(error)) return null;
        throw error;
      }
    },

    async delete(documentId: string): Promise<void> {
      await strapi.documents(COMMENT).delete({ documentId });
    },

    async view(id: number): Promise<CommentView | null> {
      const row = (await strapi.db.query(COMMENT).findOne({
        where: { id },
        select: ['id', 'documentId', 'content', 'createdAt', 'editedAt'],
        populate: { author: { select: [...AUTHOR_FIELDS] } },
      })) as StoredComment | null;
      if (!row) return null;
      return {
        id: row.id,
        documentId: row.documentId,
        content: row.content,
        createdAt: iso(row.createdAt),
        editedAt: isoOrNull(row.editedAt),
        author: toAuthor(row.author),
      };
    },
  };
}
