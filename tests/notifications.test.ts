import type { Core } from '@strapi/strapi';
import { tables } from '../src/db/tables';
import { NOTIFY } from '../src/db/derived/notifications';
import { ensureDerivedTables } from '../src/db/derived/ensure';
import { expectCountersExact } from './helpers/exact';
import { createPost, createUser, type TestUser } from './helpers/fixtures';
import { useStrapi, type Api } from './helpers/strapi';

/**
 * Notifications (API.md, "Notifications"; src/db/derived/notifications.ts): who is notified of
 * what, one per (actor, type, target), undo, hide and delete, through the routes, the Document
 * Service (the Content Manager's path), the Query Engine, raw SQL and cascades; the unread
 * counter; blocks and mutes; marking read; concurrency. After each, every notification and
 * unread counter is checked against the rows that justify it (src/db/derived/verify.ts).
 */
let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)));
jest.setTimeout(120_000);

const knex = () => strapi.db.connection;
const expectExact = () => expectCountersExact(strapi);
const users = (n: number) => Promise.all(Array.from({ length: n }, () => createUser(strapi)));

type Note = { id: number; type: string; read: boolean; actor: { id: number }; post: { id: number } | null; comment: { id: number } | null };

async function list(user: TestUser, query = ''): Promise<Note[]> {
  const res = await http.get(`/notifications${query}`, user.jwt);
  expect(res.status).toBe(200);
  return res.body.data;
}
const summary = async (user: TestUser) => (await list(user, '?limit=40')).map((n) => `${n.type}:${n.actor.id}`);
async function unread(user: TestUser): Promise<number> {
  const res = await http.get('/notifications/unread', user.jwt);
  expect(res.status).toBe(200);
  return res.body.data.count;
}
const like = async (user: TestUser, post: { documentId: string }) => expect((await http.post(`/posts/like/${post.documentId}`, user.jwt)).status).toBe(200);
const unlike = async (user: TestUser, post: { documentId: string }) => expect((await http.post(`/posts/unlike/${post.documentId}`, user.jwt)).status).toBe(200);
const follow = async (user: TestUser, target: TestUser) => expect((await http.post(`/users/follow/${target.id}`, user.jwt)).status).toBe(200);
const unfollow = async (user: TestUser, target: TestUser) => expect((await http.post(`/users/unfollow/${target.id}`, user.jwt)).status).toBe(200);
async function comment(user: TestUser, post: { documentId: string }, content = 'a comment') {
  const res = await http.post(`/posts/comment/${post.documentId}`, user.jwt).send({ content });
  expect(res.status).toBe(201);
  return res.body.data as { id: number; documentId: string };
}
const block = (owner: TestUser, target: TestUser) => {
  const b = tables(strapi).blocks;
  return knex()(b.table).insert({ [b.owner]: owner.id, [b.target]: target.id });
};
const unblock = (owner: TestUser, target: TestUser) => {
  const b = tables(strapi).blocks;
  return knex()(b.table).where({ [b.owner]: owner.id, [b.target]: target.id }).delete();
};
const mute = (owner: TestUser, target: TestUser) =>
  strapi.db.query('plugin::users-permissions.user').update({ where: { id: owner.id }, data: { muting: { connect: [target.id] } } });
const unmute = (owner: TestUser, target: TestUser) =>
  strapi.db.query('plugin::users-permissions.user').update({ where: { id: owner.id }, data: { muting: { disconnect: [target.id] } } });

describe('who is notified, through the routes', () => {
  it('a follow, a like and a comment notify, newest first, with their post and comment; own actions never do', async () => {
    const [a, b] = await users(2);
    const post = await createPost(strapi, a);
    await like(a, post);
    await comment(a, post, 'mine');
    await follow(b, a);
    await like(b, post);
    const c = await comment(b, post, 'yours');
    const notes = await list(a);
    expect(notes.map((n) => n.type)).toEqual(['comment', 'like', 'follow']);
    expect(notes.every((n) => n.actor.id === b.id && n.read === false)).toBe(true);
    expect(notes[0]).toMatchObject({ post: { id: post.id, documentId: post.documentId }, comment: { id: c.id, content: 'yours' } });
    expect(notes[1]).toMatchObject({ post: { id: post.id }, comment: null });
    expect(notes[2]).toMatchObject({ post: null, comment: null });
    expect(await list(b)).toEqual([]);
    expect(await unread(a)).toBe(3);
    expect(await unread(b)).toBe(0);
    await expectExact();
  });

  it('undo removes; redo gives one; the unread count follows', async () => {
    const [a, b] = await users(2);
    const post = await createPost(strapi, a);
    await like(b, post);
    await follow(b, a);
    await unlike(b, post);
    await unfollow(b, a);
    expect(await list(a)).toEqual([]);
    expect(await unread(a)).toBe(0);
    for (let i = 0; i < 3; i += 1) {
      await like(b, post);
      await follow(b, a);
    }
    expect(await summary(a)).toEqual([`follow:${b.id}`, `like:${b.id}`]);
    expect(await unread(a)).toBe(2);
    await expectExact();
  });

  it('deleting a comment or a post takes their notifications', async () => {
    const [a, b] = await users(2);
    const post = await createPost(strapi, a);
    await follow(b, a);
    await like(b, post);
    const c = await comment(b, post);
    expect((await http.delete(`/comments/${c.documentId}`, b.jwt)).status).toBe(200);
    expect(await summary(a)).toEqual([`like:${b.id}`, `follow:${b.id}`]);
    await comment(b, post);
    expect((await http.delete(`/posts/${post.documentId}`, a.jwt)).status).toBe(200);
    expect(await summary(a)).toEqual([`follow:${b.id}`]);
    expect(await unread(a)).toBe(1);
    await expectExact();
  });
});

describe('whoever writes: Document Service, Query Engine, raw SQL, cascades', () => {
  it('a hidden post or comment takes its notifications; shown again, they come back unread', async () => {
    const [a, b, c] = await users(3);
    const post = await createPost(strapi, a);
    await like(b, post);
    const kept = await comment(c, post, 'kept');
    const hidden = await comment(b, post, 'to hide');
    expect(await unread(a)).toBe(3);

    await strapi.documents('api::comment.comment').update({ documentId: hidden.documentId, data: { hidden: true } });
    expect((await list(a)).map((n) => n.comment?.id ?? n.type)).toEqual([kept.id, 'like']);
    expect(await unread(a)).toBe(2);
    await expectExact();

    await strapi.documents('api::post.post').update({ documentId: post.documentId, data: { hidden: true } });
    expect(await list(a)).toEqual([]);
    expect(await unread(a)).toBe(0);
    await expectExact();

    await strapi.documents('api::post.post').update({ documentId: post.documentId, data: { hidden: false } });
    expect((await summary(a)).sort()).toEqual([`comment:${c.id}`, `like:${b.id}`].sort());
    await strapi.documents('api::comment.comment').update({ documentId: hidden.documentId, data: { hidden: false } });
    expect(await unread(a)).toBe(3);
    await expectExact();
  });

  it('a like, a follow and a comment written by the Document Service notify like the routes', async () => {
    const [a, b] = await users(2);
    const post = await createPost(strapi, a);
    await strapi.documents('api::post.post').update({ documentId: post.documentId, data: { likedBy: { connect: [b.documentId] } } as never });
    await strapi.documents('plugin::users-permissions.user').update({ documentId: b.documentId, data: { following: { connect: [a.documentId] } } as never });
    await strapi.documents('api::comment.comment').create({ data: { content: 'from the admin', author: b.documentId, post: post.documentId, hidden: false } });
    expect((await summary(a)).sort()).toEqual([`comment:${b.id}`, `follow:${b.id}`, `like:${b.id}`]);
    // A comment moved to another author's post notifies that author instead.
    const [other] = await users(1);
    const otherPost = await createPost(strapi, other);
    const [made] = await strapi.documents('api::comment.comment').findMany({ filters: { content: 'from the admin', post: { id: post.id } } as never });
    await strapi.documents('api::comment.comment').update({ documentId: made.documentId, data: { post: otherPost.documentId } as never });
    expect((await summary(a)).sort()).toEqual([`follow:${b.id}`, `like:${b.id}`]);
    expect(await summary(other)).toEqual([`comment:${b.id}`]);
    // A post given to another author: its likes now notify the new author.
    await strapi.documents('api::post.post').update({ documentId: post.documentId, data: { author: other.documentId } as never });
    expect(await summary(a)).toEqual([`follow:${b.id}`]);
    expect((await summary(other)).sort()).toEqual([`comment:${b.id}`, `like:${b.id}`]);
    await expectExact();
  });

  it('raw SQL and the Query Engine, and a deleted user takes their notifications both ways', async () => {
    const [a, b, leaver] = await users(3);
    const post = await createPost(strapi, a);
    const L = tables(strapi).likes;
    await knex()(L.table).insert([{ [L.owner]: post.id, [L.target]: b.id }, { [L.owner]: post.id, [L.target]: leaver.id }]);
    await strapi.db.query('plugin::users-permissions.user').update({ where: { id: leaver.id }, data: { following: { connect: [a.id] } } });
    const leaversPost = await createPost(strapi, leaver);
    await like(a, leaversPost);
    expect(await unread(a)).toBe(3);
    await strapi.db.query('plugin::users-permissions.user').delete({ where: { id: leaver.id } });
    expect(await summary(a)).toEqual([`like:${b.id}`]);
    expect(await unread(a)).toBe(1);
    expect(Number((await knex()(NOTIFY.notifications).count({ n: '*' }).where('user_id', leaver.id).orWhere('actor_id', leaver.id).first())?.n)).toBe(0);
    await expectExact();
  });

  it('a rebuild keeps read flags and times, drops what nothing justifies and recounts', async () => {
    const [a, b] = await users(2);
    const post = await createPost(strapi, a);
    await like(b, post);
    await follow(b, a);
    const before = await list(a);
    expect((await http.post('/notifications/read', a.jwt).send({ upTo: before[1].id })).body.data.count).toBe(1);
    // Drift made behind the triggers' back: a stray row, and a counter off by 5.
    await knex()(NOTIFY.notifications).insert({ user_id: a.id, actor_id: b.id, type: 'like', target: 999_999, post_id: 999_999 });
    await knex()(NOTIFY.unread).where('user_id', a.id).update({ unread: 6 });
    await knex()('social_derived_state').update({ version: 0 });
    expect((await ensureDerivedTables(strapi)).rebuilt).toBe(true);
    const after = await list(a);
    expect(after).toEqual(before.map((n, i) => ({ ...n, read: i === 1 ? true : n.read })));
    expect(await unread(a)).toBe(1);
    await expectExact();
  });
});

describe('blocks and mutes', () => {
  it('a muted or blocked actor’s notifications are not shown nor counted; lifting it shows them again', async () => {
    const [a, b, muted, blocked, blocker] = await users(5);
    const post = await createPost(strapi, a);
    for (const actor of [b, muted, blocked, blocker]) await like(actor, post);
    await follow(muted, a);
    expect(await unread(a)).toBe(5);
    await mute(a, muted);
    await block(a, blocked);
    await block(blocker, a); // blocked by the actor: hidden as well
    expect(await summary(a)).toEqual([`like:${b.id}`]);
    expect(await unread(a)).toBe(1);
    await expectExact();
    // New actions of the muted user are not counted either.
    await comment(muted, post, 'while muted');
    expect(await unread(a)).toBe(1);
    await expectExact();
    await unmute(a, muted);
    await unblock(a, blocked);
    await unblock(blocker, a);
    expect(await unread(a)).toBe(6);
    expect((await summary(a)).length).toBe(6);
    await expectExact();
  });

  it('marking read skips nothing: a hidden actor’s notification is marked too, and stays uncounted when shown again', async () => {
    const [a, muted] = await users(2);
    const post = await createPost(strapi, a);
    await like(muted, post);
    await mute(a, muted);
    expect((await http.post('/notifications/read', a.jwt).send({})).body.data.count).toBe(0);
    await unmute(a, muted);
    expect(await unread(a)).toBe(0);
    expect((await list(a))[0].read).toBe(true);
    await expectExact();
  });
});

describe('unread and read', () => {
  it('marks up to an id, then all; another user’s id marks only the caller’s own', async () => {
    const [a, b, c] = await users(3);
    const post = await createPost(strapi, a);
    const cPost = await createPost(strapi, c);
    await follow(b, a);
    await like(b, post);
    await comment(b, post);
    await like(b, cPost);
    const notes = await list(a);
    const cNotes = await list(c);
    let res = await http.post('/notifications/read', a.jwt).send({ upTo: notes[1].id });
    expect(res.status).toBe(200);
    expect(res.body.data.count).toBe(1);
    expect((await list(a)).map((n) => n.read)).toEqual([false, true, true]);
    // c's notification id, newer than all of a's: marks a's, never c's.
    res = await http.post('/notifications/read', a.jwt).send({ upTo: cNotes[0].id });
    expect(res.body.data.count).toBe(0);
    expect(await unread(c)).toBe(1);
    res = await http.post('/notifications/read', a.jwt).send({});
    expect(res.body.data.count).toBe(0);
    await expectExact();
  });

  it('bad input is a 400, a missing token a 403', async () => {
    const [a] = await users(1);
    for (const upTo of [0, -1, 1.5, '3', true, [], {}, 2 ** 60]) {
      const res = await http.post('/notifications/read', a.jwt).send({ upTo });
      expect({ upTo, status: res.status, name: res.body.error?.name }).toEqual({ upTo, status: 400, name: 'ValidationError' });
    }
    expect((await http.post('/notifications/read', a.jwt).set('Content-Type', 'application/json').send('[1]')).status).toBe(400);
    for (const query of ['?limit=0', '?limit=41', '?limit=x', '?cursor=nope', '?cursor=']) {
      expect((await http.get(`/notifications${query}`, a.jwt)).status).toBe(400);
    }
    expect((await http.get('/notifications')).status).toBe(403);
    expect((await http.get('/notifications/unread')).status).toBe(403);
    expect((await http.post('/notifications/read').send({})).status).toBe(403);
  });

  it('pages with cursors, and a cursor of another user’s list is a 400', async () => {
    const [a, b] = await users(2);
    const fans = await users(5);
    const post = await createPost(strapi, a);
    for (const fan of fans) await like(fan, post);
    const first = await http.get('/notifications?limit=2', a.jwt);
    expect(first.body.data.map((n: Note) => n.actor.id)).toEqual([fans[4].id, fans[3].id]);
    const seen: number[] = [];
    let cursor: string | null = first.body.meta.next;
    seen.push(...first.body.data.map((n: Note) => n.actor.id));
    while (cursor) {
      const page = await http.get(`/notifications?limit=2&cursor=${encodeURIComponent(cursor)}`, a.jwt);
      seen.push(...page.body.data.map((n: Note) => n.actor.id));
      cursor = page.body.meta.next;
    }
    expect(seen).toEqual(fans.map((f) => f.id).reverse());
    expect((await http.get(`/notifications?cursor=${encodeURIComponent(first.body.meta.next)}`, b.jwt)).status).toBe(400);
  });
});

describe('concurrency', () => {
  it('like/unlike and follow/unfollow races leave exactly 0 or 1 notification per pair and an exact unread count', async () => {
    const [a, ...actors] = await users(7);
    const post = await createPost(strapi, a);
    const requests = actors.flatMap((actor) =>
      Array.from({ length: 4 }, (_, i) => [
        http.post(`/posts/${i % 2 === 0 ? 'like' : 'unlike'}/${post.documentId}`, actor.jwt),
        http.post(`/users/${i % 2 === 0 ? 'follow' : 'unfollow'}/${a.id}`, actor.jwt),
      ]).flat()
    );
    requests.push(http.post('/notifications/read', a.jwt).send({}), http.post('/notifications/read', a.jwt).send({}));
    const statuses = (await Promise.all(requests)).map((r) => r.status);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const rows = (await knex()(NOTIFY.notifications).select('type', 'actor_id').where('user_id', a.id)) as Array<{ type: string; actor_id: number }>;
    const counts = new Map<string, number>();
    for (const row of rows) counts.set(`${row.type}:${row.actor_id}`, (counts.get(`${row.type}:${row.actor_id}`) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    await expectExact();
  });

  it('concurrent likes, blocks and mutes keep the unread counter exact', async () => {
    const [a, ...actors] = await users(9);
    const post = await createPost(strapi, a);
    const B = tables(strapi).blocks;
    const M = tables(strapi).mutes;
    const work = actors.flatMap((actor, i) => [
      http.post(`/posts/like/${post.documentId}`, actor.jwt),
      i % 3 === 0 ? knex()(B.table).insert({ [B.owner]: a.id, [B.target]: actor.id }) : Promise.resolve(),
      i % 3 === 1 ? knex()(M.table).insert({ [M.owner]: a.id, [M.target]: actor.id }) : Promise.resolve(),
    ]);
    await Promise.all(work);
    await expectExact();
    // Actors 2 and 5 are neither blocked nor muted. (With the block rules, a like racing a block may be refused: count what stands.)
    const shown = await knex()(NOTIFY.notifications).where('user_id', a.id).whereIn('actor_id', [actors[2].id, actors[5].id]).count({ n: '*' }).first();
    expect(await unread(a)).toBe(Number(shown?.n));
    expect(Number(shown?.n)).toBe(2);
  });
});
