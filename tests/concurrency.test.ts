import type { Core } from '@strapi/strapi';
import { createPost, createUser, type TestUser } from './helpers/fixtures';
import { useStrapi, type Api } from './helpers/strapi';

/**
 * Requests fired together through the whole stack. On PostgreSQL they run on separate pool
 * connections in parallel; on SQLite they interleave in one process. The database rows are
 * the ground truth the counts must equal.
 */
let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)));

const users = (n: number) => Promise.all(Array.from({ length: n }, () => createUser(strapi)));

describe('concurrent likes', () => {
  it('the same user liking 20 times at once leaves one like', async () => {
    const [author, fan] = await users(2);
    const post = await createPost(strapi, author);
    const results = await Promise.all(Array.from({ length: 20 }, () => http.post(`/posts/like/${post.documentId}`, fan.jwt)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(await strapi.db.connection('posts_liked_by_lnk').where({ post_id: post.id, user_id: fan.id })).toHaveLength(1);
    expect((await http.get(`/posts/${post.documentId}`)).body.data.likes).toBe(1);
  });

  it('30 users liking and some unliking at once give exact counts', async () => {
    const [author] = await users(1);
    const fans = await users(30);
    const post = await createPost(strapi, author);
    // Every fan likes twice; the first ten also unlike after their likes settle.
    await Promise.all(fans.flatMap((fan) => [1, 2].map(() => http.post(`/posts/like/${post.documentId}`, fan.jwt))));
    await Promise.all(fans.slice(0, 10).map((fan: TestUser) => http.post(`/posts/unlike/${post.documentId}`, fan.jwt)));
    const rows = await strapi.db.connection('posts_liked_by_lnk').where({ post_id: post.id });
    expect(rows).toHaveLength(20);
    expect((await http.get(`/posts/${post.documentId}`)).body.data.likes).toBe(20);
  });
});

describe('concurrent follows', () => {
  it('follows fired together leave one row per pair and exact counts', async () => {
    const [star] = await users(1);
    const fans = await users(15);
    const requests = fans.flatMap((fan) => [
      http.post(`/users/follow/${star.id}`, fan.jwt),
      http.get(`/users/follow/${star.documentId}`, fan.jwt),
      http.post(`/users/follow/${encodeURIComponent(star.email)}`, fan.jwt),
    ]);
    const results = await Promise.all(requests);
    expect(results.every((r) => r.status === 200)).toBe(true);
    const rows = await strapi.db.connection('up_users_following_lnk').where({ inv_user_id: star.id });
    expect(rows).toHaveLength(15);
    expect((await http.get('/users/users', star.jwt)).body.followers).toBe(15);
  });
});

describe('comments racing a delete', () => {
  it('never leaves a comment without its post', async () => {
    const [author, ...commenters] = await users(11);
    const post = await createPost(strapi, author);
    const comments = commenters.map((c, i) => http.post(`/posts/comment/${post.documentId}`, c.jwt).send({ content: `c${i}` }));
    const remove = http.delete(`/posts/${post.documentId}`, author.jwt);
    const [deleted, ...results] = await Promise.all([remove, ...comments]);
    expect(deleted.status).toBe(200);
    for (const r of results) expect([201, 404]).toContain(r.status);
    const knex = strapi.db.connection;
    const orphans = await knex('comments').whereNotIn('id', knex('comments_post_lnk').select('comment_id'));
    expect(orphans).toHaveLength(0);
  });
});
