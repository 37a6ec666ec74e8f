import type { Core } from '@strapi/strapi';
import { ensureDerivedTables } from '../src/db/derived/ensure';
import { expectCountersExact } from './helpers/exact';
import { createPost, createUser, type TestUser } from './helpers/fixtures';
import { useStrapi, type Api } from './helpers/strapi';

/**
 * The counters and ordered indexes (src/db/derived) against the ground truth: after every kind
 * of write — our routes, Content Manager-style document updates, cascades, raw SQL from another
 * process, concurrent requests — each counter must equal the COUNT(*) it replaces.
 */
let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)));

const knex = () => strapi.db.connection;
const expectExact = () => expectCountersExact(strapi);

const users = (n: number) => Promise.all(Array.from({ length: n }, () => createUser(strapi)));
const comment = async (post: { documentId: string }, user: TestUser, content = 'a comment') => {
  const response = await http.post(`/posts/comment/${post.documentId}`, user.jwt).send({ content });
  expect(response.status).toBe(201);
  return response.body.data as { id: number; documentId: string };
};

describe('counters stay exact', () => {
  it('through the API: likes, follows, posts, comments and deletes', async () => {
    const [author, a, b, c] = await users(4);
    const post = await createPost(strapi, author);
    const other = await createPost(strapi, author);
    for (const fan of [a, b, c]) expect((await http.post(`/posts/like/${post.documentId}`, fan.jwt)).status).toBe(200);
    expect((await http.post(`/posts/unlike/${post.documentId}`, b.jwt)).body.data.likes).toBe(2);
    for (const fan of [a, b, c]) await http.post(`/users/follow/${author.id}`, fan.jwt);
    await http.post(`/users/follow/${a.id}`, author.jwt);
    await http.post(`/users/unfollow/${author.id}`, c.jwt);
    const first = await comment(post, a);
    await comment(post, b);
    await comment(other, c);
    await expectExact();

    expect((await http.delete(`/comments/${first.documentId}`, a.jwt)).status).toBe(200);
    const read = (await http.get(`/posts/${post.documentId}`, a.jwt)).body.data;
    expect(read).toMatchObject({ likes: 2, likedByMe: true, commentsCount: 1 });
    expect((await http.get('/users/users', author.jwt)).body).toMatchObject({ followers: 2, following: 1, posts: 2 });
    await expectExact();

    // Deleting a post takes its likes (cascade) and comments (our transaction) with it.
    expect((await http.delete(`/posts/${post.documentId}`, author.jwt)).status).toBe(200);
    expect((await http.get('/users/users', author.jwt)).body.posts).toBe(1);
    await expectExact();
  });

  it('through Content Manager-style document updates: hide, show, move, re-date', async () => {
    const [author, reader] = await users(2);
    const post = await createPost(strapi, author);
    const second = await createPost(strapi, author);
    const target = await createPost(strapi, reader);
    const kept = await comment(post, reader, 'kept');
    const moved = await comment(post, reader, 'moved');

    await strapi.documents('api::post.post').update({ documentId: second.documentId, data: { hidden: true } });
    expect((await http.get(`/users/${author.email}`, reader.jwt)).body.posts).toBe(1);
    expect((await http.get('/users/users', author.jwt)).body.posts).toBe(2);
    await expectExact();

    await strapi.documents('api::comment.comment').update({ documentId: kept.documentId, data: { hidden: true } });
    let read = (await http.get(`/posts/${post.documentId}`, reader.jwt)).body.data;
    expect(read.commentsCount).toBe(1);
    expect(read.comments.map((c: { id: number }) => c.id)).toEqual([moved.id]);
    await expectExact();

    await strapi.documents('api::comment.comment').update({ documentId: kept.documentId, data: { hidden: false } });
    await strapi.documents('api::comment.comment').update({ documentId: moved.documentId, data: { post: target.documentId } });
    read = (await http.get(`/posts/${post.documentId}`, reader.jwt)).body.data;
    expect(read.comments.map((c: { id: number }) => c.id)).toEqual([kept.id]);
    expect((await http.get(`/posts/${target.documentId}`, reader.jwt)).body.data.commentsCount).toBe(1);
    await expectExact();

    await strapi.documents('api::post.post').update({ documentId: second.documentId, data: { hidden: false } });
    // Back-dating the newer post moves it behind the older one in "my posts, newest first".
    await strapi.db.query('api::post.post').update({ where: { id: second.id }, data: { createdAt: new Date('2001-01-01T00:00:00Z') } });
    const mine = (await http.get('/posts/all_posts', author.jwt)).body.data.map((p: { id: number }) => p.id);
    expect(mine).toEqual([post.id, second.id]);
    await expectExact();
  });

  it('through cascades: deleting a user removes their likes, follows and authorship', async () => {
    const [author, leaver, friend] = await users(3);
    const post = await createPost(strapi, author);
    const leaversPost = await createPost(strapi, leaver);
    await http.post(`/posts/like/${post.documentId}`, leaver.jwt);
    await http.post(`/posts/like/${leaversPost.documentId}`, friend.jwt);
    await http.post(`/users/follow/${author.id}`, leaver.jwt);
    await http.post(`/users/follow/${leaver.id}`, friend.jwt);
    await comment(post, leaver);
    // A report the leaver filed: deleting them must also take it off the post's open-report count.
    expect((await http.post(`/posts/report/${post.documentId}`, leaver.jwt).send({ reason: 'spam' })).status).toBe(201);
    expect(Number((await knex()('posts').select('open_reports').where('id', post.id).first()).open_reports)).toBe(1);
    await expectExact();

    await strapi.db.query('plugin::users-permissions.user').delete({ where: { id: leaver.id } });
    expect(Number((await knex()('posts').select('open_reports').where('id', post.id).first()).open_reports)).toBe(0);
    expect((await http.get(`/posts/${post.documentId}`, friend.jwt)).body.data.likes).toBe(0);
    expect((await http.get(`/users/${author.email}`, friend.jwt)).body.followers).toBe(0);
    expect((await http.get('/users/users', friend.jwt)).body.following).toBe(0);
    await expectExact();
  });

  it('through raw SQL from another process', async () => {
    const [author, ...fans] = await users(6);
    const post = await createPost(strapi, author);
    await knex()('posts_liked_by_lnk').insert(fans.map((fan) => ({ post_id: post.id, user_id: fan.id })));
    await knex()('up_users_following_lnk').insert(fans.map((fan) => ({ user_id: fan.id, inv_user_id: author.id })));
    expect((await http.get(`/posts/${post.documentId}`)).body.data.likes).toBe(5);
    await knex()('posts_liked_by_lnk').where({ post_id: post.id }).whereIn('user_id', [fans[0].id, fans[1].id]).delete();
    await knex()('up_users_following_lnk').where({ inv_user_id: author.id, user_id: fans[2].id }).update({ user_id: author.id, inv_user_id: fans[2].id });
    expect((await http.get(`/posts/${post.documentId}`)).body.data.likes).toBe(3);
    expect((await http.get('/users/users', author.jwt)).body).toMatchObject({ followers: 4, following: 1 });
    await knex()('posts').where({ id: post.id }).delete();
    await expectExact();
  });

  it('under concurrent likes, unlikes and opposite follows (no deadlock, no lost update)', async () => {
    const people = await users(16);
    const post = await createPost(strapi, people[0]);
    const requests = people.flatMap((person, i) => {
      const partner = people[(i + 1) % people.length];
      return [
        http.post(`/posts/like/${post.documentId}`, person.jwt),
        http.post(`/users/follow/${partner.id}`, person.jwt),
        // Opposite direction at the same time: a→b and b→a both lock two counter rows.
        http.post(`/users/follow/${person.id}`, partner.jwt),
        ...(i % 3 === 0 ? [http.post(`/posts/unlike/${post.documentId}`, person.jwt)] : []),
      ];
    });
    const statuses = (await Promise.all(requests)).map((response) => response.status);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    await expectExact();
  });
});

describe('rebuild', () => {
  it('is skipped when everything is in place, and recounts after drift or a missing trigger', async () => {
    const [author, fan] = await users(2);
    const post = await createPost(strapi, author);
    await http.post(`/posts/like/${post.documentId}`, fan.jwt);
    expect((await ensureDerivedTables(strapi)).rebuilt).toBe(false);

    // A missing trigger means writes went uncounted: start-up must rebuild, not trust the counters.
    await knex().raw(strapi.db.dialect.client === 'postgres' ? 'DROP TRIGGER social_count_like_insert ON posts_liked_by_lnk' : 'DROP TRIGGER social_count_like_insert');
    await knex()('social_post_stats').where({ post_id: post.id }).update({ likes: 41 });
    expect((await ensureDerivedTables(strapi)).rebuilt).toBe(true);
    expect((await http.get(`/posts/${post.documentId}`)).body.data.likes).toBe(1);

    // Another version of the definitions (here: the version row gone) rebuilds as well.
    await knex()('social_post_stats').where({ post_id: post.id }).update({ likes: 41 });
    await knex()('social_derived_state').delete();
    expect((await ensureDerivedTables(strapi)).rebuilt).toBe(true);
    await expectExact();
    await http.post(`/posts/unlike/${post.documentId}`, fan.jwt);
    expect((await http.get(`/posts/${post.documentId}`)).body.data.likes).toBe(0);
  });
});
