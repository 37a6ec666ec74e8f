import { factories, type Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Knex } from 'knex';
import { canSeePost, isHidden, postAuthorId } from '../../../lib/moderation';
import type { Ref } from '../../../lib/refs';
import { tables } from '../../../lib/tables';
import type reportService from '../../report/services/report';
import type { ReportInput, ReportView } from '../../report/services/report';

const { NotFoundError, ForbiddenError } = errors;

type CommentRow = { id: number; documentId: string; hidden: boolean; postId: number | null; postHidden: boolean; authorId: number | null };
type Caller = { id: number; documentId: string };

const notFound = (): never => {
  throw new NotFoundError('Comment not found');
};

export default factories.createCoreService('api::comment.comment', ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = (): Knex => strapi.db.connection;

  /** The comment with its post and author ids, in one query. */
  const findComment = async (db: Knex | Knex.Transaction, ref: Ref): Promise<CommentRow | null> => {
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
      hidden: isHidden(row.hidden),
      postId: row.post_id == null ? null : Number(row.post_id),
      postHidden: isHidden(row.post_hidden),
      authorId: row.author_id == null ? null : Number(row.author_id),
    };
  };

  return {
    /** The comment's author or the post's author may delete it. */
    async remove(ref: Ref, callerId: number): Promise<{ id: number; documentId: string }> {
      return strapi.db.transaction(async ({ trx }) => {
        const comment = (await findComment(trx, ref)) ?? notFound();
        const mayDelete =
          comment.authorId === callerId || (comment.postId !== null && (await postAuthorId(strapi, trx, comment.postId)) === callerId);
        if (!mayDelete) throw new ForbiddenError('Only the comment’s author or the post’s author can delete it');
        await strapi.documents('api::comment.comment').delete({ documentId: comment.documentId });
        return { id: comment.id, documentId: comment.documentId };
      });
    },

    /** Reports a visible comment; a hidden one, or one on a post the caller cannot see, is a 404. */
    async report(ref: Ref, reporter: Caller, input: ReportInput): Promise<{ report: ReportView; created: boolean }> {
      const comment = (await findComment(knex(), ref)) ?? notFound();
      if (comment.hidden || comment.postId === null) notFound();
      if (!(await canSeePost(strapi, knex(), { id: comment.postId as number, hidden: comment.postHidden }, reporter.id))) notFound();
      const reports = strapi.service('api::report.report') as unknown as ReturnType<typeof reportService>;
      return reports.fileReport(
        'comment',
        { id: comment.id, documentId: comment.documentId, label: `comment #${comment.id} on post #${comment.postId}` },
        reporter,
        input
      );
    },
  };
});
