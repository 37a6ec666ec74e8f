import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import type { PostView } from '../../lib/shapes';
import { DERIVED } from '../derived/definitions';
import { isForeignKeyViolation, isPostgres, isTrue } from '../dialect';
import { prepared } from '../prepared';
import type { Ref } from '../../lib/refs';
import { tables } from '../tables';
import { visiblePost, type PostRule } from '../visibility';
import { loadPosts, type PostSelector } from './post-reads';

/** The posts aggregate: posts, their likes, and the ordered index of an author's posts. */
export type Db = Knex | Knex.Transaction;
export type PostKey = { id: number; documentId: string };
export type PostRow = PostKey & { hidden: boolean; authorId: number | null };
export type Lock = 'share' | 'update';

const POST = 'api::post.post';

export function postRepository(strapi: Core.Strapi) {
  const knex = (): Knex => strapi.db.connection;
  const selectorOf = (ref: Ref): PostSelector | null => (!ref || 'email' in ref ? null : ref);

  /**
   * The post's key and author, optionally row-locked (PostgreSQL; SQLite serialises writers
   * anyway), and only if `viewer` may see it when one is given.
   */
  const findKey = async (db: Db, ref: Ref, options: { lock?: Lock; visibleTo?: { viewerId?: number; rule?: PostRule } } = {}): Promise<PostRow | null> => {
    const selector = selectorOf(ref);
    if (!selector) return null;
    const t = tables(strapi);
    const author = `a.${t.postAuthor.target}`;
    const query = db(`${t.posts} as p`)
      .leftJoin(`${t.postAuthor.table} as a`, `a.${t.postAuthor.owner}`, 'p.id')
      .select('p.id', 'p.document_id', 'p.hidden', `${author} as author_id`)
      .where('id' in selector ? { 'p.id': selector.id } : { 'p.document_id': (selector as { documentId: string }).documentId })
      .first();
    if (options.visibleTo) query.where(visiblePost(strapi, 'p', options.visibleTo.viewerId, author, options.visibleTo.rule));
    if (options.lock && isPostgres(strapi)) (options.lock === 'update' ? query.forUpdate('p') : query.forShare('p'));
    const row = (await prepared(strapi, query)) as { id: number; document_id: string; hidden: unknown; author_id: unknown } | undefined;
    if (!row) return null;
    return { id: Number(row.id), documentId: row.document_id, hidden: isTrue(row.hidden), authorId: row.author_id == null ? null : Number(row.author_id) };
  };

  return {
    findKey,

    /** Posts as the API shows them (two queries, src/db/repositories/post-reads.ts), visible to the viewer only. */
    async views(selector: PostSelector, viewerId?: number): Promise<PostView[]> {
      return loadPosts(strapi, selector, viewerId);
    },

    async one(ref: Ref, viewerId?: number): Promise<PostView | null> {
      const selector = selectorOf(ref);
      if (!selector) return null;
      const [post] = await loadPosts(strapi, selector, viewerId);
      return post ?? null;
    },

    async create(author: { documentId: string }, input: { title: string; description: string }): Promise<number> {
      const created = await strapi.documents(POST).create({
        data: { title: input.title, description: input.description, author: author.documentId, hidden: false },
      });
      return created.id as number;
    },

    /** Deletes the post and, in one statement, all its comments (a popular post may have thousands); likes go by cascade. */
    async deleteWithComments(trx: Db, key: PostKey): Promise<void> {
      const t = tables(strapi);
      await trx(t.comments)
        .whereIn('id', trx(t.commentPost.table).select(t.commentPost.owner).where(t.commentPost.target, key.id))
        .delete();
      await strapi.documents(POST).delete({ documentId: key.documentId });
    },

    /** The like counter (social_post_stats, kept exact by triggers in the writer's transaction). */
    async likeCount(postId: number): Promise<number> {
      const row = await prepared(strapi, knex()(DERIVED.postStats).select('likes').where('post_id', postId).first());
      return Number(row?.likes ?? 0);
    },

    /**
     * One INSERT that ignores a duplicate: the UNIQUE (post, user) index decides, so concurrent
     * likes by one user leave one row. False when the post was deleted meanwhile (foreign key).
     */
    async addLike(postId: number, userId: number): Promise<boolean> {
      const t = tables(strapi);
      try {
        await knex()(t.likes.table).insert({ [t.likes.owner]: postId, [t.likes.target]: userId }).onConflict([t.likes.owner, t.likes.target]).ignore();
        return true;
      } catch (error) {
        if (isForeignKeyViolation(error)) return false;
        throw error;
      }
    },

    async removeLike(postId: number, userId: number): Promise<void> {
      const t = tables(strapi);
      await knex()(t.likes.table).where({ [t.likes.owner]: postId, [t.likes.target]: userId }).delete();
    },

    /** The author's edit: the fields given and editedAt (createdAt never changes). */
    async edit(postId: number, fields: { title?: string; description?: string }): Promise<void> {
      const data = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
      await strapi.db.query(POST).update({ where: { id: postId }, data: { ...data, editedAt: new Date() } });
    },

    async title(postId: number): Promise<string> {
      return ((await knex()(tables(strapi).posts).select('title').where('id', postId).first())?.title as string | undefined) ?? '';
    },

    async authorId(db: Db, postId: number): Promise<number | null> {
      const t = tables(strapi);
      const row = await db(t.postAuthor.table).select(t.postAuthor.target).where(t.postAuthor.owner, postId).first();
      return row ? Number(row[t.postAuthor.target]) : null;
    },

    /**
     * A page of an author's post ids, newest first (ties by highest id), and how many there are:
     * a counter and an index range scan on (author, newest first), so page 1 costs the same for an
     * author of 20,000 posts as for one of 3.
     */
    async authorPage(userId: number, page: number, pageSize: number): Promise<{ ids: number[]; total: number }> {
      const db = knex();
      const [stats, rows] = await Promise.all([
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
      return { ids: (rows as Array<{ post_id: unknown }>).map((row) => Number(row.post_id)), total: Number(stats?.posts ?? 0) };
    },
  };
}
