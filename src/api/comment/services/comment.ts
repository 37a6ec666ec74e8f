import { factories, type Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { repositories } from '../../../db/repositories';
import type { Ref } from '../../../lib/refs';
import type { ReportInput } from '../../../lib/report-input';
import type { CommentView, ReportView } from '../../../lib/shapes';
import type reportService from '../../report/services/report';

const { NotFoundError, ForbiddenError } = errors;

type Caller = { id: number; documentId: string };

const notFound = (): never => {
  throw new NotFoundError('Comment not found');
};

/** The rules of comments: who may edit, delete and report them. Every query is a repository's. */
export default factories.createCoreService('api::comment.comment', ({ strapi }: { strapi: Core.Strapi }) => {
  const { comments, posts } = repositories(strapi);

  return {
    /**
     * Only the comment's author edits it (the post's author may delete it, not reword it). A
     * hidden comment, or one on a post the caller cannot see, is a 404 as for reporting.
     */
    async edit(ref: Ref, callerId: number, content: string): Promise<CommentView> {
      const db = strapi.db.connection;
      const comment = (await comments.find(db, ref)) ?? notFound();
      if (comment.hidden || comment.postId === null) notFound();
      if (!(await posts.findKey(db, { id: comment.postId as number }, { visibleTo: { viewerId: callerId } }))) notFound();
      if (comment.authorId !== callerId) throw new ForbiddenError('Only the comment’s author can edit it');
      await comments.edit(comment.id, content);
      return (await comments.view(comment.id)) ?? notFound();
    },

    /** The comment's author or the post's author may delete it. */
    async remove(ref: Ref, callerId: number): Promise<{ id: number; documentId: string }> {
      return strapi.db.transaction(async ({ trx }) => {
        const comment = (await comments.find(trx, ref)) ?? notFound();
        const mayDelete = comment.authorId === callerId || (comment.postId !== null && (await posts.authorId(trx, comment.postId)) === callerId);
        if (!mayDelete) throw new ForbiddenError('Only the comment’s author or the post’s author can delete it');
        await comments.delete(comment.documentId);
        return { id: comment.id, documentId: comment.documentId };
      });
    },

    /** Reports a visible comment; a hidden one, or one on a post the caller cannot see, is a 404. */
    async report(ref: Ref, reporter: Caller, input: ReportInput): Promise<{ report: ReportView; created: boolean }> {
      const db = strapi.db.connection;
      const comment = (await comments.find(db, ref)) ?? notFound();
      if (comment.hidden || comment.postId === null) notFound();
      if (!(await posts.findKey(db, { id: comment.postId as number }, { visibleTo: { viewerId: reporter.id } }))) notFound();
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
