import { factories, type Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { bodyOf, text } from '../../../lib/input';
import { entityRef } from '../../../lib/refs';
import { reportInput } from '../../../lib/report-input';
import { callerOf, validateQuery } from '../../../lib/request';
import type commentService from '../services/comment';

type CommentService = ReturnType<typeof commentService>;
const COMMENT = 'api::comment.comment';

export default factories.createCoreController(COMMENT, ({ strapi }: { strapi: Core.Strapi }) => {
  const service = () => strapi.service(COMMENT) as unknown as CommentService;
  const caller = callerOf;

  return {
    async update(ctx: Context) {
      await validateQuery(strapi, ctx, COMMENT);
      const { id } = caller(ctx);
      const content = text(bodyOf(ctx.request.body), 'content', { min: 1, max: 5_000, required: true });
      ctx.body = { data: await service().edit(entityRef(String(ctx.params.id)), id, content), meta: {} };
    },

    async delete(ctx: Context) {
      await validateQuery(strapi, ctx, COMMENT);
      ctx.body = { data: await service().remove(entityRef(String(ctx.params.id)), caller(ctx).id), meta: {} };
    },

    async report(ctx: Context) {
      await validateQuery(strapi, ctx, COMMENT);
      const reporter = caller(ctx);
      const input = reportInput(ctx.request.body);
      const { report, created } = await service().report(entityRef(String(ctx.params.id)), reporter, input);
      ctx.status = created ? 201 : 200;
      ctx.body = { data: report, meta: {} };
    },
  };
});
