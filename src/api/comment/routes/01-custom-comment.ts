import { withUsersPermissionsOnly } from '../../../lib/routes';

/** Comment routes beside the post routes; no core router (its find/update were never asked for). */
export default {
  routes: withUsersPermissionsOnly([
    { method: 'POST', path: '/comments/report/:id', handler: 'api::comment.comment.report' },
    { method: 'DELETE', path: '/comments/:id', handler: 'api::comment.comment.delete' },
  ]),
};
