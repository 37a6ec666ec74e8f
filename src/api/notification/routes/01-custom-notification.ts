import type { Core } from '@strapi/strapi';
import { z } from 'zod/v4';
import { cursorPageOf } from '../../../lib/schemas/envelopes';
import { CursorQuery, NotificationsRead } from '../../../lib/schemas/inputs';
import { Notification, UnreadCount } from '../../../lib/schemas/shapes';
import { withUsersPermissionsOnly, type ContractRoute } from '../../../lib/routes';

/**
 * The caller's notifications (API.md, "Notifications"). The stream answers text/event-stream;
 * its `response` names what each `notification` event's data is (src/openapi writes it under
 * text/event-stream). It is not rate limited: a user has at most a few open at once (429 beyond,
 * config/notifications.ts).
 */
const Unread = z.object({ data: UnreadCount });

export const notificationRoutes: ContractRoute[] = [
  {
    method: 'GET',
    path: '/notifications',
    handler: 'api::notification.notification.find',
    request: { query: CursorQuery },
    response: cursorPageOf(Notification),
    defaultRoles: ['authenticated'],
  },
  { method: 'GET', path: '/notifications/unread', handler: 'api::notification.notification.unread', response: Unread, defaultRoles: ['authenticated'] },
  {
    method: 'POST',
    path: '/notifications/read',
    handler: 'api::notification.notification.read',
    request: { body: { 'application/json': NotificationsRead } },
    response: Unread,
    defaultRoles: ['authenticated'],
  },
  {
    method: 'GET',
    path: '/notifications/stream',
    handler: 'api::notification.notification.stream',
    response: Notification,
    defaultRoles: ['authenticated'],
    eventStream: true,
  },
];

export default { type: 'content-api', routes: withUsersPermissionsOnly(notificationRoutes) } satisfies Core.RouterConfig;
