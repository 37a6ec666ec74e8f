import type { Core } from '@strapi/strapi';
import { tables } from '../src/db/tables';
import { expectCountersExact, numericRows } from './helpers/exact';
import { createPost, createUser, uniq, type TestUser } from './helpers/fixtures';
import { useStrapi, type Api } from './helpers/strapi';

/**
 * Blocks and mutes (API.md Part 2, "Blocks and mutes"), on whichever database the run uses: the
 * routes, every effect a block has on the two users (follows removed in one transaction with the
 * counters and home timelines exact; no follow, like or comment across it; the other's posts a
 * 404; the other's posts, comments and profile in no list), mutes (feed and public timeline
 * only), a follow racing a block, and a user with 1,000 blocks.
 */
let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)));

type Item = { id: number; documentId: string };
const users = (n: number) => Promise.all(Array.from({ length: n }, () => createUser(strapi)));

const act = (verb: string, a: TestUser, b: TestUser) => http.post(`/users/${verb}/${b.id}`, a.jwt);
const ok = async (verb: string, a: TestUser, b: TestUser) => {
  const res = await act(verb, a, b);
  expect([verb, res.status]).toEqual([verb, 200]);
  return res.body;
};
const post = async (author: TestUser, title = uniq('post ')) => {
  const res = await http.post('/posts', author.jwt).send({ title });
  expect(res.status).toBe(201);
  return res.body.data as Item;
};
const comment = async (author: TestUser, on: Item, content = 'a comment') => {
  const res = await http.post(`/posts/comment/${on.documentId}`, author.jwt).send({ content });
  expect(res.status).toBe(201);
  return res.body.data as Item;
};

/** Every page of a list (limit 2, following `next`), or up to `until`. */
async function walk(path: string, token?: string, until?: (items: Item[]) => boolean): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 500; page++) {
    const url = `${path}${path.includes('?') ? '&' : '?'}limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await http.get(url, token);
    expect([url, res.status]).toEqual([url, 200]);
    items.push(...res.body.data);
    if (until?.(items)) return items;
    cursor = res.body.meta.next;
    if (cursor === null) return items;
  }
  throw new Error(`${path}: no end after 500 pages`);
}
const ids = (items: Item[]) => items.map((item) => item.id);

const followRows = (a: TestUser, b: TestUser) => {
  const F = tables(strapi).follows;
  return numericRows(
    strapi,
    `SELECT count(*) AS n FROM "${F.table}" WHERE ("${F.owner}" = ? AND "${F.target}" = ?) OR ("${F.owner}" = ? AND "${F.target}" = ?)`,
    [a.id, b.id, b.id, a.id]
  );
};

describe('block and unblock', () => {
  test('answer the profile with blockedByMe; twice changes nothing; 400 oneself, 404 nobody, 403 without a token', async () => {
    const [a, b] = await users(2);
    for (let i = 0; i < 2; i++) expect((await ok('block', a, b)).blockedByMe).toBe(true);
    expect(ids(await walk('/users/blocks', a.jwt))).toEqual([b.id]);
    expect((await http.get(`/users/${b.id}/profile`, a.jwt)).body.blockedByMe).toBe(true);
    // The blocked user sees the blocker's profile, and blockedByMe says what they did themselves.
    const seen = await http.get(`/users/${a.id}/profile`, b.jwt);
    expect([seen.status, seen.body.blockedByMe]).toEqual([200, false]);
    for (let i = 0; i < 2; i++) expect((await ok('unblock', a, b)).blockedByMe).toBe(false);
    expect(await walk('/users/blocks', a.jwt)).toEqual([]);
    for (const verb of ['block', 'unblock', 'mute', 'unmute']) {
      expect([verb, (await act(verb, a, a)).status]).toEqual([verb, 400]);
      expect([verb, (await http.post(`/users/${verb}/987654321`, a.jwt)).status]).toEqual([verb, 404]);
      expect([verb, (await http.post(`/users/${verb}/${b.id}`)).status]).toEqual([verb, 403]);
      expect([verb, (await http.post(`/users/${verb}/${b.documentId}`, a.jwt)).status]).toEqual([verb, 200]);
    }
  });

  test('a block removes the follows both ways, with counters and home timelines exact; unblocking restores none', async () => {
    const [a, b, c] = await users(3);
    for (const [x, y] of [[a, b], [b, a], [c, a], [c, b]] as const) expect((await http.post(`/users/follow/${y.id}`, x.jwt)).status).toBe(200);
    const pa = await post(a);
    const pb = await post(b);
    expect(ids(await walk('/posts/feed', a.jwt))).toEqual([pb.id, pa.id]);
    const res = await ok('block', b, a);
    expect([res.followedByMe, res.followsMe, res.followers, res.following]).toEqual([false, false, 1, 0]);
    expect(await followRows(a, b)).toEqual([{ n: 0 }]);
    expect(ids(await walk('/posts/feed', a.jwt))).toEqual([pa.id]);
    expect(ids(await walk('/posts/feed', b.jwt))).toEqual([pb.id]);
    expect(ids(await walk('/posts/feed', c.jwt))).toEqual([pb.id, pa.id]);
    await expectCountersExact(strapi);
    await ok('unblock', b, a);
    expect(await followRows(a, b)).toEqual([{ n: 0 }]);
    expect((await http.get('/users/users', a.jwt)).body).toMatchObject({ followers: 1, following: 0 });
  });

  test('a block written by the Content Manager removes the follows too (a trigger), counters exact', async () => {
    const [a, b] = await users(2);
    for (const [x, y] of [[a, b], [b, a]] as const) expect((await http.post(`/users/follow/${y.id}`, x.jwt)).status).toBe(200);
    await strapi.db.query('plugin::users-permissions.user').update({ where: { id: a.id }, data: { blocking: { connect: [b.id] } } as never });
    expect((await http.get(`/users/${b.id}/profile`, a.jwt)).body).toMatchObject({ blockedByMe: true, followedByMe: false, followsMe: false });
    expect(await followRows(a, b)).toEqual([{ n: 0 }]);
    expect((await http.post(`/users/follow/${a.id}`, b.jwt)).status).toBe(403);
    await expectCountersExact(strapi);
  });

  test('neither can follow the other, nor like or comment on the other’s posts (403); unlike and unfollow stay allowed', async () => {
    const [a, b] = await users(2);
    const pa = await post(a);
    const pb = await post(b);
    expect((await http.post(`/posts/like/${pa.documentId}`, b.jwt)).status).toBe(200);
    await ok('block', a, b);
    for (const [x, y, p] of [[a, b, pb], [b, a, pa]] as const) {
      for (const res of [
        await http.post(`/users/follow/${y.id}`, x.jwt),
        await http.get(`/users/follow/${y.id}`, x.jwt),
        await http.post(`/posts/like/${p.documentId}`, x.jwt),
        await http.post(`/posts/comment/${p.documentId}`, x.jwt).send({ content: 'let me in' }),
      ]) {
        expect([res.status, res.body.error?.name]).toEqual([403, 'ForbiddenError']);
      }
      expect((await http.post(`/users/unfollow/${y.id}`, x.jwt)).status).toBe(200);
    }
    // b's like from before the block can still be taken back.
    const unlike = await http.post(`/posts/unlike/${pa.documentId}`, b.jwt);
    expect([unlike.status, unlike.body.data.likes, unlike.body.data.likedByMe]).toEqual([200, 0, false]);
    await expectCountersExact(strapi);
  });

  test('to each of the two, the other’s posts answer 404 (read, comments, likes, report); to others and anonymous they do not', async () => {
    const [a, b, c] = await users(3);
    const pa = await post(a);
    await ok('block', b, a);
    for (const path of [`/posts/${pa.documentId}`, `/posts/${pa.id}`, `/posts/${pa.documentId}/comments`, `/posts/${pa.documentId}/likes`]) {
      expect([path, (await http.get(path, b.jwt)).status]).toEqual([path, 404]);
      expect([path, (await http.get(path, c.jwt)).status]).toEqual([path, 200]);
      expect([path, (await http.get(path)).status]).toEqual([path, 200]);
    }
    expect((await http.post(`/posts/report/${pa.documentId}`, b.jwt).send({ reason: 'spam' })).status).toBe(404);
    expect((await http.put(`/posts/${pa.documentId}`, b.jwt).send({ title: 'mine now' })).status).toBe(404);
    await ok('unblock', b, a);
    expect((await http.get(`/posts/${pa.documentId}`, b.jwt)).status).toBe(200);
  });

  test('the other’s posts, comments and profile appear in no list of either', async () => {
    const [a, b, c] = await users(3);
    const sentinel = await post(c);
    const pa = await post(a);
    const pb = await post(b);
    const pc = await post(c);
    const ca = await comment(a, pc, 'from a');
    const cb = await comment(b, pc, 'from b');
    for (const u of [a, b]) {
      expect((await http.post(`/users/follow/${c.id}`, u.jwt)).status).toBe(200);
      expect((await http.post(`/posts/like/${pc.documentId}`, u.jwt)).status).toBe(200);
    }
    await ok('block', a, b);
    for (const [me, other, mine, theirs, myComment, theirComment] of [
      [a, b, pa, pb, ca, cb],
      [b, a, pb, pa, cb, ca],
    ] as const) {
      const timeline = ids(await walk('/posts/public', me.jwt, (items) => items.some((p) => p.id === sentinel.id)));
      expect([timeline.includes(mine.id), timeline.includes(theirs.id), timeline.includes(pc.id)]).toEqual([true, false, true]);
      expect(await walk(`/users/${other.id}/posts`, me.jwt)).toEqual([]);
      expect(ids(await walk(`/posts/${pc.documentId}/comments`, me.jwt))).toEqual([myComment.id]);
      const read = await http.get(`/posts/${pc.documentId}`, me.jwt);
      expect([read.body.data.comments.map((x: Item) => x.id), read.body.data.commentsCount]).toEqual([[myComment.id], 2]);
      expect(ids(await walk(`/posts/${pc.documentId}/likes`, me.jwt))).toEqual([me.id]);
      expect(ids(await walk(`/users/${c.id}/followers`, me.jwt))).toEqual([me.id]);
      expect((await http.get(`/users/${other.id}/profile`, me.jwt)).status).toBe(200);
      expect(theirComment.id).not.toBe(myComment.id);
    }
    // A third user and anonymous see everything.
    for (const token of [c.jwt, undefined]) {
      expect(ids(await walk(`/posts/${pc.documentId}/comments`, token))).toEqual([ca.id, cb.id]);
      expect(ids(await walk(`/posts/${pc.documentId}/likes`, token)).sort()).toEqual([a.id, b.id].sort());
      expect(ids(await walk(`/users/${b.id}/posts`, token))).toEqual([pb.id]);
    }
    expect(ids(await walk(`/users/${c.id}/following`, c.jwt))).toEqual([]);
  });

  test('a follow racing a block never survives it, on either side, and the counters stay exact', async () => {
    // Users made one after another (24 password hashes at once starve the pool on a busy machine).
    const pairs: TestUser[][] = [];
    for (let i = 0; i < 12; i++) pairs.push([await createUser(strapi), await createUser(strapi)]);
    await Promise.all(
      pairs.map(async ([a, b], i) => {
        const [follow, block] = await Promise.all([
          http.post(`/users/follow/${i % 2 ? b.id : a.id}`, (i % 2 ? a : b).jwt),
          http.post(`/users/block/${b.id}`, a.jwt),
        ]);
        expect(block.status).toBe(200);
        expect([200, 403]).toContain(follow.status);
      })
    );
    for (const [a, b] of pairs) expect(await followRows(a, b)).toEqual([{ n: 0 }]);
    await expectCountersExact(strapi);
  });
});

describe('mute and unmute', () => {
  test('mutedByMe; twice changes nothing; the muted user’s posts leave the muter’s feed and public timeline only', async () => {
    const [a, b, c] = await users(3);
    expect((await http.post(`/users/follow/${b.id}`, a.jwt)).status).toBe(200);
    expect((await http.post(`/users/follow/${a.id}`, b.jwt)).status).toBe(200);
    const sentinel = await post(c);
    const pb = await post(b);
    const pa = await post(a);
    for (let i = 0; i < 2; i++) expect((await ok('mute', a, b)).mutedByMe).toBe(true);
    expect(ids(await walk('/users/mutes', a.jwt))).toEqual([b.id]);
    expect(ids(await walk('/posts/feed', a.jwt))).toEqual([pa.id]);
    const timeline = ids(await walk('/posts/public', a.jwt, (items) => items.some((p) => p.id === sentinel.id)));
    expect([timeline.includes(pa.id), timeline.includes(pb.id)]).toEqual([true, false]);
    // Everything else is unchanged, and the muted user cannot tell.
    expect((await http.get(`/posts/${pb.documentId}`, a.jwt)).status).toBe(200);
    expect(ids(await walk(`/users/${b.id}/posts`, a.jwt))).toEqual([pb.id]);
    expect((await http.get(`/users/${b.id}/profile`, a.jwt)).body).toMatchObject({ followedByMe: true, followsMe: true, mutedByMe: true });
    expect((await http.get(`/users/${a.id}/profile`, b.jwt)).body).toMatchObject({ followedByMe: true, mutedByMe: false, blockedByMe: false });
    expect(ids(await walk('/posts/feed', b.jwt))).toEqual([pa.id, pb.id]);
    expect((await http.post(`/posts/like/${pa.documentId}`, b.jwt)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await ok('unmute', a, b)).mutedByMe).toBe(false);
    expect(ids(await walk('/posts/feed', a.jwt))).toEqual([pa.id, pb.id]);
    expect(await walk('/users/mutes', a.jwt)).toEqual([]);
  });
});

describe('lists of blocks and mutes', () => {
  test('most recent first, paged, only the caller’s own; a token and a good cursor needed', async () => {
    const [a, x, y, z] = await users(4);
    for (const verb of ['block', 'mute']) {
      const path = `/users/${verb}s`;
      for (const u of [z, x, y]) await ok(verb, a, u);
      expect(ids(await walk(path, a.jwt))).toEqual([y.id, x.id, z.id]);
      await ok(verb, a, x);
      expect(ids(await walk(path, a.jwt))).toEqual([y.id, x.id, z.id]);
      expect(await walk(path, x.jwt)).toEqual([]);
      expect((await http.get(path)).status).toBe(403);
      expect((await http.get(`${path}?cursor=nonsense`, a.jwt)).status).toBe(400);
      // A cursor of another list (a's follower list) is refused here.
      const other = await http.get(`${path}?limit=1`, a.jwt);
      expect((await http.get(`/users/${a.id}/followers?cursor=${encodeURIComponent(other.body.meta.next)}`, a.jwt)).status).toBe(400);
    }
  });
});

describe('a user with 1,000 blocks', () => {
  test('the feed and the post read answer right', async () => {
    const [reader, friend] = await users(2);
    const B = tables(strapi).blocks;
    // 1,000 other users, blocked by the reader: rows written directly (users through the plugin would take minutes).
    const knex = strapi.db.connection;
    const U = tables(strapi).users;
    const stamp = uniq('blk');
    const now = new Date();
    await knex.batchInsert(
      U,
      Array.from({ length: 1000 }, (_, i) => ({
        document_id: `${stamp}${i}`,
        username: `${stamp}_${i}`,
        email: `${stamp}_${i}@example.com`,
        provider: 'local',
        confirmed: true,
        blocked: false,
        created_at: now,
        updated_at: now,
        published_at: now,
      })),
      200
    );
    const blocked = (await knex(U).select('id').where('username', 'like', `${stamp}%`).orderBy('id')) as Array<{ id: number }>;
    expect(blocked.length).toBe(1000);
    await knex.batchInsert(B.table, blocked.map(({ id }) => ({ [B.owner]: reader.id, [B.target]: id })), 200);
    expect((await http.post(`/users/follow/${friend.id}`, reader.jwt)).status).toBe(200);
    const p = await post(friend);
    const mine = await post(reader);
    expect(ids(await walk('/posts/feed', reader.jwt))).toEqual([mine.id, p.id]);
    expect((await http.get(`/posts/${p.documentId}`, reader.jwt)).status).toBe(200);
    const theirs = await createPost(strapi, { documentId: `${stamp}999` } as TestUser);
    expect((await http.get(`/posts/${theirs.documentId}`, reader.jwt)).status).toBe(404);
    expect((await http.get(`/posts/${theirs.documentId}`, friend.jwt)).status).toBe(200);
  });
});
