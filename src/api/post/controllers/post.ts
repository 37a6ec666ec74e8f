import { factories, type Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { errors } from '@strapi/utils';
import { answerPage, type ListId } from '../../../lib/cursor-page';
import { bodyOf, pageOf, text } from '../../../lib/input';
import { entityRef } from '../../../lib/refs';
import { reportInput } from '../../../lib/report-input';
import { callerOf, requireViewer, validateQuery, viewerId } from '../../../lib/request';
import type postService from '../services/post';

type PostService = ReturnType<typeof postService>;
const POST = 'api::post.post';

/** The cursor lists of posts; each cursor is valid for its own list only (src/lib/cursor.ts). */
const lists = {
  feed: (viewer: number): ListId => ({ name: `feed:${viewer}`, keyLength: 2 }),
  public: { name: 'public', keyLength: 2 } as ListId,
  comments: (postId: number): ListId => ({ name: `comments:${postId}`, keyLength: 2 }),
  likes: (postId: number): ListId => ({ name: `likes:${postId}`, keyLength: 1 }),
};

/** `media`: absent, or up to 4 distinct positive integer ids (the service checks whose they are). */
function mediaIds(body: Record<string, unknown>): number[] | undefined {
  const value = body.media;
  if (value === undefined) return undefined;
  const invalid = (message: string): never => {
    throw new errors.ValidationError(message, { errors: [{ path: ['media'], message, name: 'ValidationError' }] });
  };
  if (!Array.isArray(value)) return invalid('media must be a list of media ids');
  if (value.length > 4) return invalid('A post has at most 4 media');
  if (!value.every((id) => Number.isSafeInteger(id) && id > 0)) return invalid('media must be a list of media ids');
  if (new Set(value).size !== value.length) return invalid('A media id appears twice');
  return value as number[];
}

/** Thin controllers: parse and validate the request, call the post service, shape the answer. */
export default factories.createCoreController(POST, ({ strapi }: { strapi: Core.Strapi }) => {
  const service = () => strapi.service(POST) as unknown as PostService;
  const caller = callerOf;
  const ref = (ctx: Context) => entityRef(String(ctx.params.id));
  // Every action runs Strapi's query validation, even where the query is unused, so no route
  // accepts filters or sorts on private fields.
  const checkQuery = (ctx: Context) => validateQuery(strapi, ctx, POST);

  return {
    async create(ctx: Context) {
      await checkQuery(ctx);
      const author = caller(ctx);
      const body = bodyOf(ctx.request.body);
      const title = text(body, 'title', { min: 1, max: 200, required: true });
      const description = text(body, 'description', { min: 0, max: 10_000, required: false });
      const media = mediaIds(body);
      ctx.status = 201;
      ctx.body = { data: await service().createPost(author, { title, description, media }), meta: {} };
    },

    async findOne(ctx: Context) {
      await checkQuery(ctx);
      ctx.body = { data: await service().view(ref(ctx), viewerId(ctx)), meta: {} };
    },

    async delete(ctx: Context) {
      await checkQuery(ctx);
      const { id } = caller(ctx);
      ctx.body = { data: await service().remove(ref(ctx), id), meta: {} };
    },

    async like(ctx: Context) {
      await checkQuery(ctx);
      ctx.body = { data: await service().like(ref(ctx), caller(ctx).id), meta: {} };
    },

    async unlike(ctx: Context) {
      await checkQuery(ctx);
      ctx.body = { data: await service().unlike(ref(ctx), caller(ctx).id), meta: {} };
    },

    async comment(ctx: Context) {
      await checkQuery(ctx);
      const author = caller(ctx);
      const body = bodyOf(ctx.request.body);
      const content = text(body, 'content', { min: 1, max: 5_000, required: true }, 'comment');
      ctx.status = 201;
      ctx.body = { data: await service().addComment(ref(ctx), author, content), meta: {} };
    },

    async report(ctx: Context) {
      await checkQuery(ctx);
      const reporter = caller(ctx);
      const input = reportInput(ctx.request.body);
      const { report, created } = await service().report(ref(ctx), reporter, input);
      ctx.status = created ? 201 : 200;
      ctx.body = { data: report, meta: {} };
    },

    async update(ctx: Context) {
      await checkQuery(ctx);
      const { id } = caller(ctx);
      const body = bodyOf(ctx.request.body);
      const fields = {
        title: body.title === undefined ? undefined : text(body, 'title', { min: 1, max: 200, required: true }),
        description: body.description === undefined ? undefined : text(body, 'description', { min: 0, max: 10_000, required: true }),
        media: mediaIds(body),
      };
      if (fields.title === undefined && fields.description === undefined && fields.media === undefined) {
        throw new errors.ValidationError('Send title, description or media');
      }
      ctx.body = { data: await service().edit(ref(ctx), id, fields), meta: {} };
    },

    async feed(ctx: Context) {
      const viewer = requireViewer(ctx);
      await checkQuery(ctx);
      await answerPage(strapi, ctx, lists.feed(viewer), (request) => service().homeFeed(viewer, request));
    },

    async publicTimeline(ctx: Context) {
      await checkQuery(ctx);
      await answerPage(strapi, ctx, lists.public, (request) => service().publicTimeline(viewerId(ctx), request));
    },

    async comments(ctx: Context) {
      await checkQuery(ctx);
      const viewer = viewerId(ctx);
      const post = await service().requireVisible(strapi.db.connection, ref(ctx), viewer);
      await answerPage(strapi, ctx, lists.comments(post.id), (request) => service().commentPage(post.id, viewer, request));
    },

    async likes(ctx: Context) {
      await checkQuery(ctx);
      const viewer = viewerId(ctx);
      const post = await service().requireVisible(strapi.db.connection, ref(ctx), viewer);
      await answerPage(strapi, ctx, lists.likes(post.id), (request) => service().likerPage(post.id, viewer, request));
    },

    async allPosts(ctx: Context) {
      const userId = requireViewer(ctx);
      await checkQuery(ctx);
      const { data, pagination } = await service().listOwn(userId, pageOf(ctx.query as Record<string, unknown>));
      ctx.body = { data, meta: { pagination } };
    },
  };
});
