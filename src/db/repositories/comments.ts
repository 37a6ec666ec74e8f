import type { Core } from '@strapi/strapi';
import { AUTHOR_FIELDS, iso, toAuthor, type CommentView } from '../../lib/shapes';
import type { Ref } from '../../lib/refs';
import { isForeignKeyViolation, isTrue } from '../dialect';
import { tables } from '../tables';
import type { Db } from './posts';

/** The comments aggregate. */
export type CommentRow = { id: number; documentId: string; hidden: boolean; postId: number | null; postHidden: boolean; authorId: number | null };

const COMMENT = 'api::comment.comment';

type StoredComment = {
  id: number;
  documentId: string;
  content: string;
  createdAt: unknown;
  author?: { id: number; documentId: string; username: string; name?: string | null } | null;
};

export function commentRepository(strapi: Core.Strapi) {
  return {
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
        select: ['id', 'documentId', 'content', 'createdAt'],
        populate: { author: { select: [...AUTHOR_FIELDS] } },
      })) as StoredComment | null;
      if (!row) return null;
      return { id: row.id, documentId: row.documentId, content: row.content, createdAt: iso(row.createdAt), author: toAuthor(row.author) };
    },
  };
}
