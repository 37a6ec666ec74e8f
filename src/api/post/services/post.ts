import { factories, type Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Knex } from 'knex';
import type { Page } from '../../../lib/input';
import { DERIVED } from '../../../../database/derived';
import { loadPostViews, loadPosts, toCommentView, type PostSelector } from '../../../lib/post-views';
import { prepared } from '../../../lib/prepared';
import type { Ref } from '../../../lib/refs';
import { isHidden, mayView } from '../../../lib/moderation';
import { isForeignKeyViolation, tables } from '../../../lib/tables';
import type reportService from '../../report/services/report';
import type { ReportInput, ReportView } from '../../report/services/report';
import { AUTHOR_FIELDS, type CommentView, type PostView } from '../../../lib/views';

const { NotFoundError, ForbiddenError } = errors;

type Caller = { id: number; documentId: string };
type PostKey = { id: number; documentId: string };
type PostRow = PostKey & { hidden: boolean; authorId: number | null };

export type LikeState = PostKey & { likes: number; likedByMe: boolean };
export type PostPage = {
  data: PostView[];
  pagination: { page: number; pageSize: number; pageCount: number; total: number };
};

const notFound = (): never => {
  throw new NotFoundError('Post not found');
};

export default factories.createCoreService('api::post.post', ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = (): Knex => strapi.db.connection;
  const isPostgres = () => strapi.db.dialect.client === 'postgres';

  /**
   * The post's key, optionally row-locked (PostgreSQL; SQLite serialises writers anyway). Deleting
   * takes FOR UPDATE and commenting FOR SHARE, so a comment can never be written to a post that a
   * concurrent delete has already emptied of comments.
   */
  const findKey = async (db: Knex | Knex.Transaction, ref: Ref, lock?: 'share' | 'update'): Promise<PostRow | null> => {
    if (!ref || 'email' in ref) return null;
    const t = tables(strapi);
    const query = db(`${t.posts} as p`)
      .leftJoin(`${t.postAuthor.table} as a`, `a.${t.postAuthor.owner}`, 'p.id')
      .select('p.id', 'p.document_id', 'p.hidden', `a.${t.postAuthor.target} as author_id`)
      .where('id' in ref ? { 'p.id': ref.id } : { 'p.document_id': ref.documentId })
      .first();
    if (lock && isPostgres()) (lock === 'update' ? query.forUpdate('p') : query.forShare('p'));
    const row = (await prepared(strapi, query)) as { id: number; document_id: string; hidden: unknown; author_id: unknown } | undefined;
    if (!row) return null;
    return {
      id: Number(row.id),
      documentId: row.document_id,
      hidden: isHidden(row.hidden),
      authorId: row.author_id == null ? null : Number(row.author_id),
    };
  };

  const requireKey = async (db: Knex | Knex.Transaction, ref: Ref, lock?: 'share' | 'update'): Promise<PostRow> =>
    (await findKey(db, ref, lock)) ?? notFound();

  /** The post, if this viewer may see it: a hidden post is a 404 to all but its author. */
  const requireVisible = async (
    db: Knex | Knex.Transaction,
    ref: Ref,
    viewerId: number | undefined,
    lock?: 'share' | 'update'
  ): Promise<PostKey> => {
    const row = await requireKey(db, ref, lock);
    if (!mayView(row, viewerId)) notFound();
    return { id: row.id, documentId: row.documentId };
  };

  /** The like counter (social_post_stats, kept exact by triggers in the writer's transaction). */
  const likeCount = async (db: Knex | Knex.Transaction, postId: number): Promise<number> => {
    const row = await prepared(strapi, db(DERIVED.postStats).select('likes').where('post_id', postId).first());
    return Number(row?.likes ?? 0);
  };

  const viewOf = async (postId: number, viewerId?: number): Promise<PostView> => {
    const [view] = await loadPostViews(strapi, [postId], viewerId);
    return view ?? notFound();
  };

  return {
    requireVisible,

    /** The post read: two queries at once (row with counters, first comments), see post-views.ts. */
    async view(ref: Ref, viewerId?: number): Promise<PostView> {
      if (!ref || 'email' in ref) notFound();
      const [post] = await loadPosts(strapi, ref as PostSelector, viewerId);
      if (!post || !mayView({ hidden: post.hidden, authorId: post.author?.id ?? null }, viewerId)) notFound();
      return post;
    },

    async createPost(author: Caller, input: { title: string; description: string }): Promise<PostView> {
      const created = await strapi.documents('api::post.post').create({
        data: { title: input.title, description: input.description, author: author.documentId, hidden: false },
      });
      return viewOf(created.id as number, author.id);
    },

    /** Only the author deletes; comments go in the same transaction, likes by cascade. */
    async remove(ref: Ref, callerId: number): Promise<PostKey> {
      const t = tables(strapi);
      return strapi.db.transaction(async ({ trx }) => {
        const { id, documentId, authorId } = await requireKey(trx, ref, 'update');
        const key = { id, documentId };
        if (authorId !== callerId) {
          throw new ForbiddenError('Only the author can delete this post');
        }
        // One statement for all comments: a popular post may have thousands.
        await trx(t.comments)
          .whereIn('id', trx(t.commentPost.table).select(t.commentPost.owner).where(t.commentPost.target, key.id))
          .delete();
        await strapi.documents('api::post.post').delete({ documentId: key.documentId });
        return key;
      });
    },

    /**
     * One INSERT that ignores a duplicate: the UNIQUE (post, user) index decides, so concurrent
     * likes by one user leave one row. The foreign key refuses a like on a post deleted meanwhile.
     */
    async like(ref: Ref, userId: number): Promise<LikeState> {
      const t = tables(strapi);
      const key = await requireVisible(knex(), ref, userId);
      try {
        await knex()(t.likes.table)
          .insert({ [t.likes.owner]: key.id, [t.likes.target]: userId })
          .onConflict([t.likes.owner, t.likes.target])
          .ignore();
      } catch (error) {
        if (isForeignKeyViolation(error)) notFound();
        throw error;
      }
      return { ...key, likes: await likeCount(knex(), key.id), likedByMe: true };
    },

    async unlike(ref: Ref, userId: number): Promise<LikeState> {
      const t = tables(strapi);
      const key = await requireVisible(knex(), ref, userId);
      await knex()(t.likes.table).where({ [t.likes.owner]: key.id, [t.likes.target]: userId }).delete();
      return { ...key, likes: await likeCount(knex(), key.id), likedByMe: false };
    },

    async addComment(ref: Ref, author: Caller, content: string): Promise<CommentView> {
      const id = await strapi.db.transaction(async ({ trx }) => {
        const key = await requireVisible(trx, ref, author.id, 'share');
        try {
          const created = await strapi.documents('api::comment.comment').create({
            data: { content, author: author.documentId, post: key.documentId, hidden: false },
          });
          return created.id as number;
        } catch (error) {
          if (isForeignKeyViolation(error)) notFound();
          throw error;
        }
      });
      const row = await strapi.db.query('api::comment.comment').findOne({
        where: { id },
        select: ['id', 'documentId', 'content', 'createdAt'],
        populate: { author: { select: [...AUTHOR_FIELDS] } },
      });
      return toCommentView(row as Parameters<typeof toCommentView>[0]);
    },

    /** Reports a post the caller can see. */
    async report(ref: Ref, reporter: Caller, input: ReportInput): Promise<{ report: ReportView; created: boolean }> {
      const key = await requireVisible(knex(), ref, reporter.id);
      const title = (await knex()(tables(strapi).posts).select('title').where('id', key.id).first())?.title ?? '';
      const reports = strapi.service('api::report.report') as unknown as ReturnType<typeof reportService>;
      return reports.fileReport('post', { ...key, label: `post #${key.id} “${title}”` }, reporter, input);
    },

    /** The caller's own posts, newest first, ties by highest id. */
    async listOwn(userId: number, { page, pageSize }: Page): Promise<PostPage> {
      const db = knex();
      // Both from the derived tables: a counter and an index range scan on (author, newest first),
      // so page 1 costs the same for an author of 20,000 posts as for one of 3.
      const [stats, idRows] = await Promise.all([
        prepared(strapi, db(DERIVED.userStats).select('posts').where('user_id', userId).first()),
        prepared(
          strapi,
          db(DERIVED.authorPosts)
            .where('user_id', userId)
            .orderBy([
              { column: 'created_at', order: 'desc' },
              { column: 'post_id', order: 'desc' },
            ])
            .limit(pageSize)
            .offset((page - 1) * pageSize)
            .select('post_id')
        ),
      ]);
      const total = Number(stats?.posts ?? 0);
      const data = await loadPostViews(strapi, (idRows as Array<{ post_id: unknown }>).map((row) => Number(row.post_id)), userId);
      return { data, pagination: { page, pageSize, pageCount: Math.ceil(total / pageSize), total } };
    },
  };
});
