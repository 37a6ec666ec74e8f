import { factories, type Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { repositories } from '../../../db/repositories';
import type { PostKey } from '../../../db/repositories/posts';
import { withViews, type PageRequest, type ViewPage } from '../../../lib/cursor-page';
import type { Page } from '../../../lib/input';
import type { Ref } from '../../../lib/refs';
import type { ReportInput } from '../../../lib/report-input';
import type { CommentView, LikeState, PostPage, PostView, PublicProfile, ReportView } from '../../../lib/shapes';
import { mediaRules } from '../../media/services/media';
import type profileService from '../../profile/services/profile';
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
  const { posts, comments, timelines, users, media } = repositories(strapi);
  const rules = mediaRules(strapi);
  const profiles = () => strapi.service('api::profile.profile') as unknown as ReturnType<typeof profileService>;

  const postPage = async (page: Awaited<ReturnType<typeof timelines.publicTimeline>>, viewerId?: number): Promise<ViewPage<PostView>> =>
    withViews(page, await posts.views({ ids: page.items.map(({ item }) => item) }, viewerId));

  /** The post, if this viewer may see it; otherwise a 404 (hidden, or a block between the viewer and its author). */
  const requireVisible = async (db: Parameters<typeof posts.findKey>[0], ref: Ref, viewerId: number | undefined, lock?: 'share' | 'update'): Promise<PostKey> => {
    const row = (await posts.findKey(db, ref, { lock, visibleTo: { viewerId } })) ?? notFound();
    return { id: row.id, documentId: row.documentId };
  };

  /**
   * For liking, unliking and commenting: the post if the caller may see it leaving blocks aside
   * (a 404 otherwise), and whether the caller and its author blocked each other. The contract
   * answers a like or comment across a block with 403, and lets unliking through.
   */
  const requireActable = async (db: Parameters<typeof posts.findKey>[0], ref: Ref, userId: number, lock?: 'share' | 'update'): Promise<PostKey & { blocked: boolean }> => {
    const row = (await posts.findKey(db, ref, { lock, visibleTo: { viewerId: userId, rule: { blocks: false } } })) ?? notFound();
    const blocked = row.authorId !== null && row.authorId !== userId && (await users.blockedBetween(userId, row.authorId, db));
    return { id: row.id, documentId: row.documentId, blocked };
  };
  const refuseBlocked = (): never => {
    throw new ForbiddenError('You cannot interact with this user’s posts');
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

    /**
     * The post and its media in one transaction: each media id must be the author's upload and
     * attached nowhere else (src/db/repositories/media.ts locks them and a UNIQUE index decides
     * a race), or nothing is created.
     */
    async createPost(author: Caller, input: { title: string; description: string; media?: number[] }): Promise<PostView> {
      const id = await strapi.db.transaction(async ({ trx }) => {
        const postId = await posts.create(author, input);
        if (input.media && input.media.length > 0) await rules.attach(() => media.setPostMedia(trx, author.id, postId, input.media ?? []), 'media');
        return postId;
      });
      return viewOf(id, author.id);
    },

    /**
     * Only the author deletes. The post row is locked first (FOR UPDATE on PostgreSQL) and its
     * comments go in the same transaction; commenting takes FOR SHARE, so a comment can never be
     * written to a post that a concurrent delete has already emptied of comments.
     */
    async remove(ref: Ref, callerId: number): Promise<PostKey> {
      const { key, fileIds } = await strapi.db.transaction(async ({ trx }) => {
        const row = (await posts.findKey(trx, ref, { lock: 'update' })) ?? notFound();
        if (row.authorId !== callerId) throw new ForbiddenError('Only the author can delete this post');
        const found = { id: row.id, documentId: row.documentId };
        const attached = await media.postFileIds(trx, row.id);
        await posts.deleteWithComments(trx, found);
        return { key: found, fileIds: attached };
      });
      // Its media go with it, files in every format included, once the delete is committed (a
      // failure here leaves uploads attached to nothing, which the clean-up task deletes).
      await rules.deleteFiles(fileIds);
      return key;
    },

    async like(ref: Ref, userId: number): Promise<LikeState> {
      const { blocked, ...key } = await requireActable(strapi.db.connection, ref, userId);
      if (blocked) refuseBlocked();
      if (!(await posts.addLike(key.id, userId))) notFound();
      return { ...key, likes: await posts.likeCount(key.id), likedByMe: true };
    },

    async unlike(ref: Ref, userId: number): Promise<LikeState> {
      const { blocked: _blocked, ...key } = await requireActable(strapi.db.connection, ref, userId);
      await posts.removeLike(key.id, userId);
      return { ...key, likes: await posts.likeCount(key.id), likedByMe: false };
    },

    async addComment(ref: Ref, author: Caller, content: string): Promise<CommentView> {
      const id = await strapi.db.transaction(async ({ trx }) => {
        const { blocked, ...key } = await requireActable(trx, ref, author.id, 'share');
        if (blocked) refuseBlocked();
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

    /**
     * The author edits the fields given; editedAt is set (a moderator's edit in the Content
     * Manager does not go through here, so it leaves editedAt alone). The row is locked so a
     * concurrent delete cannot be followed by an edit of nothing.
     */
    async edit(ref: Ref, callerId: number, fields: { title?: string; description?: string; media?: number[] }): Promise<PostView> {
      const id = await strapi.db.transaction(async ({ trx }) => {
        const row = (await posts.findKey(trx, ref, { lock: 'update', visibleTo: { viewerId: callerId } })) ?? notFound();
        if (row.authorId !== callerId) throw new ForbiddenError('Only the author can edit this post');
        // Media left out of the new list are attached to nothing from now (the clean-up task's clock).
        if (fields.media) await rules.attach(() => media.setPostMedia(trx, callerId, row.id, fields.media ?? []), 'media');
        await posts.edit(row.id, { title: fields.title, description: fields.description });
        return row.id;
      });
      return viewOf(id, callerId);
    },

    /** A user's posts, newest first; their hidden posts only for themselves. */
    async authorTimeline(authorId: number, viewerId: number | undefined, request: PageRequest): Promise<ViewPage<PostView>> {
      // Every row would fail the block rule: answer the empty page without reading them all.
      if (viewerId !== undefined && viewerId !== authorId && (await users.blockedBetween(viewerId, authorId))) {
        return { page: { items: [], more: false }, data: [] };
      }
      return postPage(await timelines.authorPosts(authorId, viewerId, request), viewerId);
    },

    async publicTimeline(viewerId: number | undefined, request: PageRequest): Promise<ViewPage<PostView>> {
      return postPage(await timelines.publicTimeline(viewerId, request), viewerId);
    },

    async homeFeed(viewerId: number, request: PageRequest): Promise<ViewPage<PostView>> {
      return postPage(await timelines.homeFeed(viewerId, request), viewerId);
    },

    /** A post's visible comments, oldest first, for anyone who may see the post. */
    async commentPage(postId: number, viewerId: number | undefined, request: PageRequest): Promise<ViewPage<CommentView>> {
      const page = await comments.page(postId, viewerId, request);
      return withViews(page, await comments.views(page.items.map(({ item }) => item)));
    },

    /** Who liked a post, most recent like first, as public profiles. */
    async likerPage(postId: number, viewerId: number | undefined, request: PageRequest): Promise<ViewPage<PublicProfile>> {
      const page = await users.likersPage(postId, request, viewerId);
      const rows = await users.profiles(page.items.map(({ item }) => item), viewerId);
      return withViews(page, rows.map((row) => profiles().publicProfile(row, viewerId)));
    },

    /** The caller's own posts, newest first, ties by highest id. */
    async listOwn(userId: number, { page, pageSize }: Page): Promise<PostPage> {
      const { ids, total } = await posts.authorPage(userId, page, pageSize);
      const data = await posts.views({ ids }, userId);
      return { data, pagination: { page, pageSize, pageCount: Math.ceil(total / pageSize), total } };
    },
  };
});
