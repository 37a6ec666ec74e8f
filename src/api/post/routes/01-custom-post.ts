import type { Core } from '@strapi/strapi';
import { cursorPageOf, dataOf, pageOf } from '../../../lib/schemas/envelopes';
import { CommentInput, CursorQuery, PageQuery, PostEdit, PostInput, PostRef, ReportInput } from '../../../lib/schemas/inputs';
import { Comment, DeletedEntry, LikeState, Post, PublicProfile, Report } from '../../../lib/schemas/shapes';
import { withUsersPermissionsOnly, type ContractRoute } from '../../../lib/routes';

/**
 * Every post route of the contract. Route files load in byte order and the first match wins, so
 * this file (01-…) and the order inside it put GET /posts/all_posts, /posts/feed and
 * /posts/public ahead of GET /posts/:id.
 * There is no core router for posts: its find/update would be actions nobody asked for.
 */
const byPost = { params: { id: PostRef } };

export const postRoutes: ContractRoute[] = [
  {
    method: 'GET',
    path: '/posts/all_posts',
    handler: 'api::post.post.allPosts',
    request: { query: { pagination: PageQuery } },
    response: pageOf(Post),
    defaultRoles: ['authenticated'],
  },
  {
    method: 'GET',
    path: '/posts/feed',
    handler: 'api::post.post.feed',
    request: { query: CursorQuery },
    response: cursorPageOf(Post),
    defaultRoles: ['authenticated'],
  },
  {
    method: 'GET',
    path: '/posts/public',
    handler: 'api::post.post.publicTimeline',
    request: { query: CursorQuery },
    response: cursorPageOf(Post),
    defaultRoles: ['public', 'authenticated'],
  },
  {
    method: 'POST',
    path: '/posts',
    handler: 'api::post.post.create',
    rateLimit: 'posts',
    request: { body: { 'application/json': PostInput } },
    response: dataOf(Post),
    defaultRoles: ['authenticated'],
    successStatuses: [201],
  },
  {
    method: 'GET',
    path: '/posts/:id',
    handler: 'api::post.post.findOne',
    request: byPost,
    response: dataOf(Post),
    defaultRoles: ['public', 'authenticated'],
  },
  {
    method: 'PUT',
    path: '/posts/:id',
    handler: 'api::post.post.update',
    rateLimit: 'posts',
    request: { ...byPost, body: { 'application/json': PostEdit } },
    response: dataOf(Post),
    defaultRoles: ['authenticated'],
  },
  {
    method: 'GET',
    path: '/posts/:id/comments',
    handler: 'api::post.post.comments',
    request: { ...byPost, query: CursorQuery },
    response: cursorPageOf(Comment),
    defaultRoles: ['public', 'authenticated'],
  },
  {
    method: 'GET',
    path: '/posts/:id/likes',
    handler: 'api::post.post.likes',
    request: { ...byPost, query: CursorQuery },
    response: cursorPageOf(PublicProfile),
    defaultRoles: ['public', 'authenticated'],
  },
  {
    method: 'DELETE',
    path: '/posts/:id',
    handler: 'api::post.post.delete',
    request: byPost,
    response: dataOf(DeletedEntry),
    defaultRoles: ['authenticated'],
  },
  {
    method: 'POST',
    path: '/posts/like/:id',
    handler: 'api::post.post.like',
    rateLimit: 'social',
    request: byPost,
    response: dataOf(LikeState),
    defaultRoles: ['authenticated'],
  },
  {
    method: 'POST',
    path: '/posts/unlike/:id',
    handler: 'api::post.post.unlike',
    rateLimit: 'social',
    request: byPost,
    response: dataOf(LikeState),
    defaultRoles: ['authenticated'],
  },
  {
    method: 'POST',
    path: '/posts/comment/:id',
    handler: 'api::post.post.comment',
    rateLimit: 'comments',
    request: { ...byPost, body: { 'application/json': CommentInput } },
    response: dataOf(Comment),
    defaultRoles: ['authenticated'],
    successStatuses: [201],
  },
  {
    method: 'POST',
    path: '/posts/report/:id',
    handler: 'api::post.post.report',
    rateLimit: 'reports',
    request: { ...byPost, body: { 'application/json': ReportInput } },
    response: dataOf(Report),
    defaultRoles: ['authenticated'],
    // 201 for a new report, 200 with the caller's report still open on the post.
    successStatuses: [201, 200],
  },
];

export default { type: 'content-api', routes: withUsersPermissionsOnly(postRoutes) } satisfies Core.RouterConfig;
