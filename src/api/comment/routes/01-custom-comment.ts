import type { Core } from '@strapi/strapi';
import { dataOf } from '../../../lib/schemas/envelopes';
import { CommentEdit, CommentRef, ReportInput } from '../../../lib/schemas/inputs';
import { Comment, DeletedEntry, Report } from '../../../lib/schemas/shapes';
import { withUsersPermissionsOnly, type ContractRoute } from '../../../lib/routes';

/** Comment routes beside the post routes; no core router (its find/update were never asked for). */
const byComment = { params: { id: CommentRef } };

export const commentRoutes: ContractRoute[] = [
  {
    method: 'POST',
    path: '/comments/report/:id',
    handler: 'api::comment.comment.report',
    rateLimit: 'reports',
    request: { ...byComment, body: { 'application/json': ReportInput } },
    response: dataOf(Report),
    defaultRoles: ['authenticated'],
    // 201 for a new report, 200 with the caller's report still open on the comment.
    successStatuses: [201, 200],
  },
  {
    method: 'PUT',
    path: '/comments/:id',
    handler: 'api::comment.comment.update',
    rateLimit: 'comments',
    request: { ...byComment, body: { 'application/json': CommentEdit } },
    response: dataOf(Comment),
    defaultRoles: ['authenticated'],
  },
  {
    method: 'DELETE',
    path: '/comments/:id',
    handler: 'api::comment.comment.delete',
    request: byComment,
    response: dataOf(DeletedEntry),
    defaultRoles: ['authenticated'],
  },
];

export default { type: 'content-api', routes: withUsersPermissionsOnly(commentRoutes) } satisfies Core.RouterConfig;
