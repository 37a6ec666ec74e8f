/** Comment routes beside the post routes; no core router (its find/update were never asked for). */
export default {
  routes: [
    { method: 'POST', path: '/comments/report/:id', handler: 'api::comment.comment.report' },
    { method: 'DELETE', path: '/comments/:id', handler: 'api::comment.comment.delete' },
  ],
};
