import type { Core } from '@strapi/strapi';
import { repositories } from '../../../db/repositories';
import { withViews, type PageRequest, type ViewPage } from '../../../lib/cursor-page';
import type { NotificationView } from '../../../lib/shapes';

/**
 * The rules of reading notifications. Which notifications exist is the database's business
 * (src/db/derived/notifications.ts: triggers, whoever writes); here they are listed, counted and
 * marked read, always for the caller only, and never those of a user the caller blocked, was
 * blocked by, or muted.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const { notifications } = repositories(strapi);

  return {
    async page(userId: number, request: PageRequest): Promise<ViewPage<NotificationView>> {
      const page = await notifications.page(userId, request);
      return withViews(page, await notifications.views(userId, page.items.map(({ item }) => item)));
    },

    unread: (userId: number): Promise<number> => notifications.unread(userId),

    /**
     * Marks the caller's notifications read, all of them or those up to `upTo` (an id of a list
     * page; ids grow with time). An id that is not the caller's marks the caller's up to it, and
     * no one else's. Answers the unread count left.
     */
    async markRead(userId: number, upTo?: number): Promise<number> {
      await notifications.markRead(userId, upTo);
      return notifications.unread(userId);
    },
  };
};
