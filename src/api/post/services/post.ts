import { factories, type Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { repositories } from '../../../db/repositories';
import type { PostKey } from '../../../db/repositories/posts';
import type { Page } from '../../../lib/input';
import type { Ref } from '../../../lib/refs';
import type { ReportInput } from '../../../lib/report-input';
import type { CommentView, LikeState, PostPage, PostView, ReportView } from '../../../lib/shapes';
import type reportService from '../../report/services/report';

const { NotFoundError, ForbiddenError } = errors;

type Caller = { id: number; documentId: string };


const notFound = (): never => {
  throw new NotFoundError('Post not found');
};

/**
 * The rules of posts: who may see (src/db/visibility.ts, a hidden post is a 404 to all but its
 * author), delete, like, comment and report, and the transactions that keep them under
 * concurrency. Every query is a repository's (src/db/repositories).
 */
export default factories.createCoreService('api::post.post', ({ strapi }: { strapi: Core.Strapi }) => {
  const { posts, comments } = repositories(strapi);

  /** The post, if this viewer may see it; otherwise a 404. */
  const requireVisible = async (db: Parameters<typeof posts.findKey>[0], ref: Ref, viewerId: number | undefined, lock?: 'share' | 'update'): Promise<PostKey> => {
    const row = (await posts.findKey(db, ref, { lock, visibleTo: { viewerId } })) ?? notFound();
    return { id: row.id, documentId: row.documentId };
  };

  const viewOf = async (postId: number, viewerId?: number): Promise<PostView> => {
    const [view] = await posts.views({ ids: [postId] }, viewerId);
    return view ?? notFound();
  };

  return {
    requireVisible,

    /** The post read: two queries at once (row with counters, first comments). */
    async view(ref: Ref, viewerId?: number): Promise<PostView> {
      return (await posts.one(ref, viewerId)) ?? notFound();
    },

    async createPost(author: Caller, input: { title: string; description: string }): Promise<PostView> {
      return viewOf(await posts.create(author, input), author.id);
    },

    /**
     * Only the author deletes. The post row is locked first (FOR UPDATE on PostgreSQL) and its
     * comments go in the same transaction; commenting takes FOR SHARE, so a comment can never be
     * written to a post that a concurrent delete has already emptied of comments.
     */
    async remove(ref: Ref, callerId: number): Promise<PostKey> {
      return strapi.db.transaction(async ({ trx }) => {
        const row = (await posts.findKey(trx, ref, { lock: 'update' })) ?? notFound();
        if (row.authorId !== callerId) throw new ForbiddenError('Only the author can delete this post');
        const key = { id: row.id, documentId: row.documentId };
        await posts.deleteWithComments(trx, key);
        return key;
      });
    },

    async like(ref: Ref, userId: number): Promise<LikeState> {
      const key = await requireVisible(strapi.db.connection, ref, userId);
      if (!(await posts.addLike(key.id, userId))) notFound();
      return { ...key, likes: await posts.likeCount(key.id), likedByMe: true };
    },

    async unlike(ref: Ref, userId: number): Promise<LikeState> {
      const key = await requireVisible(strapi.db.connection, ref, userId);
      await posts.removeLike(key.id, userId);
      return { ...key, likes: await posts.likeCount(key.id), likedByMe: false };
    },

    async addComment(ref: Ref, author: Caller, content: string): Promise<CommentView> {
      const id = await strapi.db.transaction(async ({ trx }) => {
        const key = await requireVisible(trx, ref, author.id, 'share');
        return (await comments.create({ content, authorDocumentId: author.documentId, postDocumentId: key.documentId })) ?? notFound();
      });
      return (await comments.view(id)) ?? notFound();
    },

    /** Reports a post the caller can see. */
    async report(ref: Ref, reporter: Caller, input: ReportInput): Promise<{ report: ReportView; created: boolean }> {
      const key = await requireVisible(strapi.db.connection, ref, reporter.id);
      const title = await posts.title(key.id);
      const reports = strapi.service('api::report.report') as unknown as ReturnType<typeof reportService>;
      return reports.fileReport('post', { ...key, label: `post #${key.id} “${title}”` }, reporter, input);
    },

    /** The caller's own posts, newest first, ties by highest id. */
    async listOwn(userId: number, { page, pageSize }: Page): Promise<PostPage> {
      const { ids, total } = await posts.authorPage(userId, page, pageSize);
      const data = await posts.views({ ids }, userId);
      return { data, pagination: { page, pageSize, pageCount: Math.ceil(total / pageSize), total } };
    },
  };
});
