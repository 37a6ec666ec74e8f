import type { Core } from '@strapi/strapi';
import sharp from 'sharp';
import { loadPosts, loadPostsByRows, INLINE_COMMENTS } from '../src/db/repositories/post-reads';
import { processRunsInUtc } from '../src/db/utc-timestamps';
import { isoFromJson } from '../src/db/repositories/post-views-pg';
import { createUser, type TestUser } from './helpers/fixtures';
import { useStrapi, type Api } from './helpers/strapi';

/**
 * The posts loader's two implementations give the same answer: on PostgreSQL in UTC, the
 * one-statement loader that builds each post's JSON in the database (post-views-pg.ts), and the
 * three-query loader that builds it from rows (SQLite's, and PostgreSQL's outside UTC). Compared
 * on every kind of post: with images in order, with more comments than the inline ones, with an
 * edit, a hidden comment, a like, a hidden post (its author's view), a comment by a blocked user,
 * and a post without an author; as a page (ids), a read by id and by documentId, with and without
 * a viewer. On SQLite both names run the same loader, so the comparison is PostgreSQL's.
 */
let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)));

const pg = () => strapi.db.dialect.client === 'postgres';

const send = async (req: PromiseLike<{ status: number; body: { data: { id: number; documentId: string } } }>, status = 201) => {
  const res = await req;
  expect(res.status).toBe(status);
  return res.body.data;
};

describe('posts loader', () => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  const ids: number[] = [];
  const documentIds: string[] = [];

  beforeAll(async () => {
    [alice, bob, carol] = await Promise.all([createUser(strapi), createUser(strapi, { name: 'Bob "the" Builder ✓' }), createUser(strapi)]);
    const image = (r: number) => sharp({ create: { width: 4, height: 3, channels: 3, background: { r, g: 40, b: 90 } } }).png().toBuffer();
    const media: number[] = [];
    for (const r of [10, 200]) media.push((await send(http.post('/media', alice.jwt).attach('file', await image(r), { filename: 'x.png' }))).id);

    // 1: two images (in the order given), more comments than are inline, an edit, a like.
    const rich = await send(http.post('/posts', alice.jwt).send({ title: 'Rich “post” \\ with \u202e marks', description: 'line\nbreak "quotes" 🎉', media: [media[1], media[0]] }));
    for (let i = 0; i < INLINE_COMMENTS + 3; i++) await send(http.post(`/posts/comment/${rich.documentId}`, i % 2 ? bob.jwt : carol.jwt).send({ content: `comment ${i} 💬` }));
    await send(http.put(`/posts/${rich.documentId}`, alice.jwt).send({ title: 'Rich “post”, edited' }), 200);
    await send(http.post(`/posts/like/${rich.documentId}`, bob.jwt).send({}), 200);
    // 2: a hidden comment, and a comment edited by its author.
    const second = await send(http.post('/posts', bob.jwt).send({ title: 'Second', description: '' }));
    const c1 = await send(http.post(`/posts/comment/${second.documentId}`, alice.jwt).send({ content: 'to hide' }));
    const c2 = await send(http.post(`/posts/comment/${second.documentId}`, carol.jwt).send({ content: 'to edit' }));
    await strapi.db.query('api::comment.comment').update({ where: { id: c1.id }, data: { hidden: true } });
    await send(http.put(`/comments/${c2.documentId}`, carol.jwt).send({ content: 'edited' }), 200);
    // 3: hidden by a moderator (only its author sees it).
    const hidden = await send(http.post('/posts', carol.jwt).send({ title: 'Hidden' }));
    await strapi.db.query('api::post.post').update({ where: { id: hidden.id }, data: { hidden: true } });
    // 4: no author (written as an admin would, without one).
    const orphan = await strapi.documents('api::post.post').create({ data: { title: 'No author', description: 'x', hidden: false } });
    for (const p of [rich, second, hidden, { id: orphan.id as number, documentId: orphan.documentId }]) {
      ids.push(p.id);
      documentIds.push(p.documentId);
    }
    // Timestamps of every precision PostgreSQL's to_json writes: a whole second, one fraction digit, microseconds.
    await strapi.db.connection.raw(`UPDATE posts SET created_at = '2026-01-02 03:04:05', updated_at = '2026-01-02 03:04:05.6' WHERE id = ?`, [second.id]);
    await strapi.db.connection.raw(`UPDATE posts SET created_at = '2026-01-02 03:04:05.123456' WHERE id = ?`, [hidden.id]);
    // carol blocks bob: bob's comments are not in carol's view.
    await send(http.post(`/users/block/${bob.id}`, carol.jwt).send({}), 200);
  });

  it('answers the same as the row loader, for every selector and viewer', async () => {
    const viewers = [undefined, alice.id, bob.id, carol.id];
    for (const viewer of viewers) {
      const page = await loadPosts(strapi, { ids: [...ids, 999_999_999] }, viewer);
      expect(page).toEqual(await loadPostsByRows(strapi, { ids: [...ids, 999_999_999] }, viewer));
      for (let i = 0; i < ids.length; i++) {
        expect(await loadPosts(strapi, { id: ids[i] }, viewer)).toEqual(await loadPostsByRows(strapi, { id: ids[i] }, viewer));
        expect(await loadPosts(strapi, { documentId: documentIds[i] }, viewer)).toEqual(await loadPostsByRows(strapi, { documentId: documentIds[i] }, viewer));
      }
    }
    // What was compared is what was meant: the rich post has its images in order and its inline comments,
    // the hidden post shows to its author only, and carol does not see bob's comments.
    const [rich] = await loadPosts(strapi, { id: ids[0] }, alice.id);
    expect(rich.media).toHaveLength(2);
    expect(rich.comments).toHaveLength(INLINE_COMMENTS);
    expect(rich.commentsCount).toBe(INLINE_COMMENTS + 3);
    expect(rich.editedAt).not.toBeNull();
    expect(await loadPosts(strapi, { id: ids[2] }, alice.id)).toEqual([]);
    expect(await loadPosts(strapi, { id: ids[2] }, carol.id)).toHaveLength(1);
    const [richForCarol] = await loadPosts(strapi, { id: ids[0] }, carol.id);
    expect(richForCarol.comments.some((c) => c.author?.id === bob.id)).toBe(false);
    const [orphan] = await loadPosts(strapi, { id: ids[3] });
    expect(orphan.author).toBeNull();
  });

  it('writes to_json timestamps as the API does', () => {
    expect(isoFromJson('2026-11-30T23:42:20')).toBe('2026-11-30T23:42:20.000Z');
    expect(isoFromJson('2026-11-30T23:42:20.6')).toBe('2026-11-30T23:42:20.600Z');
    expect(isoFromJson('2026-11-30T23:42:20.69')).toBe('2026-11-30T23:42:20.690Z');
    expect(isoFromJson('2026-11-30T23:42:20.698999')).toBe('2026-11-30T23:42:20.698Z');
    expect(isoFromJson(null)).toBeNull();
  });

  it('is the one-statement loader on PostgreSQL in UTC, byte for byte the same JSON', async () => {
    if (!pg() || !processRunsInUtc()) return;
    for (const viewer of [undefined, alice.id, carol.id]) {
      expect(JSON.stringify(await loadPosts(strapi, { ids }, viewer))).toBe(JSON.stringify(await loadPostsByRows(strapi, { ids }, viewer)));
    }
  });
});
