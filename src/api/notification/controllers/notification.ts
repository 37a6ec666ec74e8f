import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { errors } from '@strapi/utils';
import { answerPage, type ListId } from '../../../lib/cursor-page';
import { bodyOf } from '../../../lib/input';
import { requireViewer, validateQuery } from '../../../lib/request';
import { notificationHub } from '../../../server/notification-stream';

const USER = 'plugin::users-permissions.user';

/** The caller's notification list; its cursors are valid for it only (src/lib/cursor.ts). */
const list = (userId: number): ListId => ({ name: `notifications:${userId}`, keyLength: 1 });

/** `upTo`: absent or null (all), or a positive whole number; anything else is a 400. */
function upToOf(body: Record<string, unknown>): number | undefined {
  const raw = body.upTo;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 1) {
    const message = 'upTo must be the id of a notification (a positive whole number), or left out to mark all read';
    throw new errors.ValidationError(message, { errors: [{ path: ['upTo'], message, name: 'ValidationError' }] });
  }
  return raw;
}

/** The /notifications routes. Thin: parse, call the notification service or the stream hub, answer. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const service = () => strapi.service('api::notification.notification') as ReturnType<typeof import('../services/notification').default>;

  return {
    async find(ctx: Context) {
      const userId = requireViewer(ctx);
      await validateQuery(strapi, ctx, USER);
      await answerPage(strapi, ctx, list(userId), (request) => service().page(userId, request));
    },

    async unread(ctx: Context) {
      const userId = requireViewer(ctx);
      await validateQuery(strapi, ctx, USER);
      ctx.body = { data: { count: await service().unread(userId) } };
    },

    async read(ctx: Context) {
      const userId = requireViewer(ctx);
      await validateQuery(strapi, ctx, USER);
      const upTo = upToOf(bodyOf(ctx.request.body));
      ctx.body = { data: { count: await service().markRead(userId, upTo) } };
    },

    async stream(ctx: Context) {
      const userId = requireViewer(ctx);
      await notificationHub(strapi).open(ctx, userId);
    },
  };
};
