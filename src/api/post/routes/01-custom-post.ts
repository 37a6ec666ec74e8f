import { withUsersPermissionsOnly } from '../../../lib/routes';

/**
 * Every post route of the contract. Route files load in byte order and the first match wins, so
 * this file (01-…) and the order inside it put GET /posts/all_posts ahead of GET /posts/:id.
 * There is no core router for posts: its find/update would be actions nobody asked for.
 */
export default {
  routes: withUsersPermissionsOnly([
    { method: 'GET', path: '/posts/all_posts', handler: 'api::post.post.allPosts' },
    { method: 'POST', path: '/posts', handler: 'api::post.post.create' },
    { method: 'GET', path: '/posts/:id', handler: 'api::post.post.findOne' },
    { method: 'DELETE', path: '/posts/:id', handler: 'api::post.post.delete' },
    { method: 'POST', path: '/posts/like/:id', handler: 'api::post.post.like' },
    { method: 'POST', path: '/posts/unlike/:id', handler: 'api::post.post.unlike' },
    { method: 'POST', path: '/posts/comment/:id', handler: 'api::post.post.comment' },
    { method: 'POST', path: '/posts/report/:id', handler: 'api::post.post.report' },
  ]),
};
