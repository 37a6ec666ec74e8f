import type { Core } from '@strapi/strapi';
import { commentRepository } from './comments';
import { mediaRepository } from './media';
import { notificationRepository } from './notifications';
import { postRepository } from './posts';
import { reportRepository } from './reports';
import { searchRepository } from './search';
import { timelineRepository } from './timelines';
import { userRepository } from './users';

/**
 * The repositories: the only code that runs knex, Query Engine or Document Service calls for our
 * content. Services keep the rules and the transactions and call these; controllers call services.
 * Made once per Strapi instance.
 */
export type Repositories = {
  posts: ReturnType<typeof postRepository>;
  comments: ReturnType<typeof commentRepository>;
  reports: ReturnType<typeof reportRepository>;
  users: ReturnType<typeof userRepository>;
  timelines: ReturnType<typeof timelineRepository>;
  media: ReturnType<typeof mediaRepository>;
  search: ReturnType<typeof searchRepository>;
  notifications: ReturnType<typeof notificationRepository>;
};

const made = new WeakMap<Core.Strapi, Repositories>();

export function repositories(strapi: Core.Strapi): Repositories {
  let found = made.get(strapi);
  if (!found) {
    found = { posts: postRepository(strapi), comments: commentRepository(strapi), reports: reportRepository(strapi), users: userRepository(strapi), timelines: timelineRepository(strapi), media: mediaRepository(strapi), search: searchRepository(strapi), notifications: notificationRepository(strapi) };
    made.set(strapi, found);
  }
  return found;
}
