import type { Core } from '@strapi/strapi';
import { expectCountersExact } from './helpers/exact';
import { createUser, type TestUser } from './helpers/fixtures';
import { useStrapi, type Api } from './helpers/strapi';

/**
 * Search (API.md Part 2, "Search"), on whichever database the run uses: posts by whole words
 * through the database's full-text engine, users by word prefix with the exact username first,
 * both kept in step by triggers with every kind of write, obeying hiding and blocks; and the
 * search strings of every hostile kind, which get a 400 or a harmless answer, never a 5xx.
 */
let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)));

type Item = { id: number; documentId: string };
const letters = 'abcdefghijklmnopqrstuvwxyz';
/** A fresh word of letters only (no digits: a digit would make it a different token kind for PostgreSQL's parser). */
const word = (n = 10) => Array.from({ length: n }, () => letters[Math.floor(Math.random() * 26)]).join('');
const users = (n: number) => Promise.all(Array.from({ length: n }, () => createUser(strapi)));

const post = async (author: TestUser, title: string, description = '') => {
  const res = await http.post('/posts', author.jwt).send({ title, description });
  expect(res.status).toBe(201);
  return res.body.data as Item;
};

/** Every page of a search (following `next`), as ids. */
async function search(kind: 'posts' | 'users', q: string, token?: string, limit = 2): Promise<number[]> {
  const found: number[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const url = `/search/${kind}?q=${encodeURIComponent(q)}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await http.get(url, token);
    expect([url, res.status]).toEqual([url, 200]);
    found.push(...res.body.data.map((item: Item) => item.id));
    cursor = res.body.meta.next;
    if (cursor === null) return found;
  }
  throw new Error('no end after 100 pages');
}

/** Every page of a search read upwards from its last page (following `prev` until an empty page), as ids in list order. */
async function searchUpwards(kind: 'posts' | 'users', q: string, limit: number): Promise<number[]> {
  let url = `/search/${kind}?q=${encodeURIComponent(q)}&limit=${limit}`;
  for (let page = 0; page < 100; page++) {
    const res = await http.get(url);
    expect(res.status).toBe(200);
    if (res.body.meta.next === null) break;
    url = `/search/${kind}?q=${encodeURIComponent(q)}&limit=${limit}&cursor=${encodeURIComponent(res.body.meta.next)}`;
  }
  const found: number[] = [];
  let res = await http.get(url);
  found.unshift(...res.body.data.map((item: Item) => item.id));
  for (let page = 0; page < 100; page++) {
    res = await http.get(`/search/${kind}?q=${encodeURIComponent(q)}&limit=${limit}&cursor=${encodeURIComponent(res.body.meta.prev)}`);
    expect(res.status).toBe(200);
    if (res.body.data.length === 0) return found;
    found.unshift(...res.body.data.map((item: Item) => item.id));
  }
  throw new Error('no top after 100 pages');
}

/** Runs `body` with every PostgreSQL search planned one way (SEARCH_PLAN, src/db/search-pages.ts). */
async function withPlan(plan: 'walk' | 'index', body: () => Promise<void>): Promise<void> {
  process.env.SEARCH_PLAN = plan;
  try {
    await body();
  } finally {
    delete process.env.SEARCH_PLAN;
  }
}
const withIndexPlan = (body: () => Promise<void>) => withPlan('index', body);
const withWalkPlan = (body: () => Promise<void>) => withPlan('walk', body);

describe('post search', () => {
  test('every word, whole words, any case, title or description, newest first, paged', async () => {
    const [a] = await users(1);
    const [w1, w2] = [word(), word()];
    const both = await post(a, `${w1} and ${w2}`);
    const only1 = await post(a, `just ${w1}`);
    await post(a, `${w1}x ${w2}y`, `pre${w1} ${w2}s`);
    const inDescription = await post(a, 'a title', `Here, ${w2.toUpperCase()}! meets (${w1}).`);
    expect(await search('posts', `${w1} ${w2}`, undefined, 1)).toEqual([inDescription.id, both.id]);
    expect(await search('posts', `${w2.toUpperCase()}   ${w1}`)).toEqual([inDescription.id, both.id]);
    expect(await search('posts', w1)).toEqual([inDescription.id, only1.id, both.id]);
    expect(await search('posts', w1.slice(0, 6))).toEqual([]);
  });

  test('the same answers when every word counts as common (SQLite: the newest-first plan)', async () => {
    const [a] = await users(1);
    const [w1, w2] = [word(), word()];
    const both = await post(a, `${w1} ${w2}`);
    await post(a, `${w1} alone`);
    await post(a, `${w1}x ${w2}`);
    const again = await post(a, 'other', `${w2.toUpperCase()} then ${w1}`);
    process.env.SEARCH_COMMON_WORD_POSTS = '1';
    try {
      expect(await search('posts', `${w1} ${w2}`, undefined, 1)).toEqual([again.id, both.id]);
      expect(await search('posts', `${w1} nosuchword${word(4)}`)).toEqual([]);
    } finally {
      delete process.env.SEARCH_COMMON_WORD_POSTS;
    }
    expect(await search('posts', `${w1} ${w2}`, undefined, 1)).toEqual([again.id, both.id]);
  });

  test('the walk and the index plan give the same pages, read down and up, with hiding and blocks', async () => {
    const [a, b] = await users(2);
    const [w, rare] = [word(), word()];
    const made: Array<Item & { author: TestUser; n: number }> = [];
    for (let n = 0; n < 7; n++) {
      const author = n % 2 ? b : a;
      made.unshift({ ...(await post(author, `${w} number ${n}`, n === 3 ? rare : '')), author, n });
    }
    // One of them hidden by a moderator: gone for everyone but its author.
    const hidden = made[1];
    await strapi.documents('api::post.post').update({ documentId: hidden.documentId, data: { hidden: true } as never });
    const shown = made.filter((p) => p !== hidden).map((p) => p.id);
    const check = async () => {
      for (const limit of [1, 2, 3, 20]) {
        expect(await search('posts', w, undefined, limit)).toEqual(shown);
        expect(await searchUpwards('posts', w, limit)).toEqual(shown);
      }
      expect(await search('posts', `${rare} ${w}`)).toEqual([made.find((p) => p.n === 3)!.id]);
      expect(await search('posts', w, b.jwt, 2)).toEqual(made.map((p) => p.id));
    };
    await check();
    await withWalkPlan(check);
    await withIndexPlan(check);
    expect((await http.post(`/users/block/${b.id}`, a.jwt)).status).toBe(200);
    const ofA = made.filter((p) => p.author === a && p !== hidden).map((p) => p.id);
    expect(await search('posts', w, a.jwt, 2)).toEqual(ofA);
    await withWalkPlan(async () => expect(await search('posts', w, a.jwt, 2)).toEqual(ofA));
    await withIndexPlan(async () => expect(await search('posts', w, a.jwt, 2)).toEqual(ofA));
  });

  test('kept in step by triggers: edits, hiding, deletes, the Content Manager', async () => {
    const [a, b] = await users(2);
    const [old, fresh, cm] = [word(), word(), word()];
    const p = await post(a, `${old} title`);
    expect(await search('posts', old)).toEqual([p.id]);
    expect((await http.put(`/posts/${p.documentId}`, a.jwt).send({ title: `${fresh} title` })).status).toBe(200);
    expect(await search('posts', old)).toEqual([]);
    expect(await search('posts', fresh)).toEqual([p.id]);
    await strapi.documents('api::post.post').update({ documentId: p.documentId, data: { description: `${cm} by a moderator`, hidden: true } as never });
    expect(await search('posts', cm, a.jwt)).toEqual([p.id]);
    expect(await search('posts', cm, b.jwt)).toEqual([]);
    expect(await search('posts', cm)).toEqual([]);
    expect((await http.delete(`/posts/${p.documentId}`, a.jwt)).status).toBe(200);
    expect(await search('posts', fresh, a.jwt)).toEqual([]);
    await expectCountersExact(strapi);
  });

  test('results obey blocks', async () => {
    const [a, b] = await users(2);
    const w = word();
    const pa = await post(a, `${w} from a`);
    const pb = await post(b, `${w} from b`);
    expect((await http.post(`/users/block/${a.id}`, b.jwt)).status).toBe(200);
    expect(await search('posts', w, a.jwt)).toEqual([pa.id]);
    expect(await search('posts', w, b.jwt)).toEqual([pb.id]);
    expect(await search('posts', w)).toEqual([pb.id, pa.id]);
  });
});

describe('user search', () => {
  test('word prefix of username or name, any case, exact username first, paged; kept in step; obeys blocks', async () => {
    const w = `q${word(9)}`;
    const named = await createUser(strapi, { name: `Jo ${w.toUpperCase()}son` });
    const inside = await createUser(strapi, { name: `Jo x${w}` });
    const [viewer] = await users(1);
    // Usernames are set directly (the fixture makes random ones); the triggers see every writer.
    const setUsername = (u: TestUser, username: string) =>
      strapi.db.query('plugin::users-permissions.user').update({ where: { id: u.id }, data: { username } });
    const prefixed = await createUser(strapi);
    await setUsername(prefixed, `${w}fan`);
    const exact = await createUser(strapi);
    await setUsername(exact, w);

    const found = await search('users', w, undefined, 1);
    expect(found[0]).toBe(exact.id);
    expect([...found].sort((x, y) => x - y)).toEqual([named.id, prefixed.id, exact.id].sort((x, y) => x - y));
    expect((await search('users', w.toUpperCase()))[0]).toBe(exact.id);
    const byPrefix = await search('users', w.slice(0, 5));
    expect([byPrefix.includes(named.id), byPrefix.includes(prefixed.id), byPrefix.includes(inside.id)]).toEqual([true, true, false]);
    expect(await search('users', `jo ${w.slice(0, 4)}`)).toEqual([named.id]);

    // Renamed: found by the new name only.
    const other = `r${word(9)}`;
    await strapi.db.query('plugin::users-permissions.user').update({ where: { id: named.id }, data: { name: `Ann ${other}` } });
    expect(await search('users', other)).toEqual([named.id]);
    expect((await search('users', w)).includes(named.id)).toBe(false);

    // Blocks, either way.
    expect((await http.post(`/users/block/${viewer.id}`, exact.jwt)).status).toBe(200);
    expect((await search('users', w, viewer.jwt)).includes(exact.id)).toBe(false);
    expect((await search('users', w, exact.jwt)).includes(viewer.id)).toBe(false);
    expect((await search('users', w, prefixed.jwt))[0]).toBe(exact.id);

    // Deleted: gone.
    await strapi.db.query('plugin::users-permissions.user').delete({ where: { id: prefixed.id } });
    expect((await search('users', w)).includes(prefixed.id)).toBe(false);
    await expectCountersExact(strapi);
  });

  test('the exact username first, then by id: the same pages down and up, by the walk and by the index plan', async () => {
    const w = `k${word(9)}`;
    const others: TestUser[] = [];
    for (let i = 0; i < 5; i++) others.push(await createUser(strapi, { name: `${w}${i} Smith` }));
    const exact = await createUser(strapi);
    await strapi.db.query('plugin::users-permissions.user').update({ where: { id: exact.id }, data: { username: w } });
    const expected = [exact.id, ...others.map((u) => u.id)];
    const check = async () => {
      for (const limit of [1, 2, 4, 20]) {
        expect(await search('users', w, undefined, limit)).toEqual(expected);
        expect(await searchUpwards('users', w, limit)).toEqual(expected);
      }
      // Not the exact username: every match by id.
      expect(await search('users', `${w}3`)).toEqual([others[3].id]);
      expect(await search('users', `smith ${w}`, undefined, 2)).toEqual(others.map((u) => u.id));
    };
    await check();
    await withWalkPlan(check);
    await withIndexPlan(check);
    // The exact user blocked by the viewer: left out, the rest unchanged.
    expect((await http.post(`/users/block/${exact.id}`, others[0].jwt)).status).toBe(200);
    expect(await search('users', w, others[0].jwt, 2)).toEqual(others.map((u) => u.id));
  });
});

describe('search strings', () => {
  /** Strings of every hostile kind (the issue's list): SQL and full-text operators, wildcards, quotes, unicode. */
  const hostile = [
    "'; DROP TABLE posts; --",
    "' OR '1'='1",
    '%',
    '_',
    '%%__%%',
    '"',
    "'",
    '`',
    '\\',
    '" OR ""="',
    'a OR b',
    'a AND NOT b',
    'NEAR(a b)',
    'a NEAR/2 b',
    'title:a',
    '{title description}: a',
    '^a',
    'a*',
    '*',
    '-a',
    '+a',
    'a & b | !c',
    'a <-> b',
    'a:*',
    '!!',
    '()',
    '(((',
    'a:AB',
    '\\x00',
    '\u200f\u202eabc\u202c',
    '\u200b',
    'ä ö ü ß Ω 中文 العربية עברית',
    '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
    '😀'.repeat(100),
    '👨‍👩‍👧‍👦',
  ];

  test('each gets a 200 page (found by its words only) and never a 5xx', async () => {
    const [a] = await users(1);
    const w = word();
    // Text a wildcard or an operator would wrongly match.
    await post(a, `${w}abc 100% ${w}s`, `50% off ${w}x`);
    for (const kind of ['posts', 'users'] as const) {
      for (const q of [...hostile, `${w}%`, `${w}_`, `${w}*`, `${w}:*`, `"${w}"*`, `${w} OR x`, `NEAR(${w})`]) {
        const res = await http.get(`/search/${kind}?q=${encodeURIComponent(q)}`);
        expect([kind, q, res.status]).toEqual([kind, q, 200]);
        expect(Array.isArray(res.body.data)).toBe(true);
        if (q.includes(w)) expect([kind, q, res.body.data]).toEqual([kind, q, []]);
      }
    }
    // Quotes are plain text: the word inside still matches as a word.
    const exactly = await post(a, `say "${w}" now`);
    expect(await search('posts', `"${w}"`)).toEqual([exactly.id]);
    expect(await search('posts', `'${w}'`)).toEqual([exactly.id]);
  });

  test('q missing, empty, blank, over 100 characters, repeated or with NUL is a 400; 100 emoji are fine', async () => {
    for (const kind of ['posts', 'users']) {
      for (const query of ['', '?q=', '?q=%20%20', '?q=%09%0A%0D', `?q=${'x'.repeat(101)}`, `?q=${encodeURIComponent('😀'.repeat(101))}`, '?q=a&q=b', '?q[a]=b', '?q=a%00b']) {
        const res = await http.get(`/search/${kind}${query}`);
        expect([kind, query, res.status, res.body.error?.name]).toEqual([kind, query, 400, 'ValidationError']);
      }
      expect((await http.get(`/search/${kind}?q=${encodeURIComponent(` ${'😀'.repeat(100)} `)}`)).status).toBe(200);
      expect((await http.get(`/search/${kind}?q=x&cursor=nonsense`)).status).toBe(400);
      expect((await http.get(`/search/${kind}?q=x&limit=41`)).status).toBe(400);
    }
  });

  test('a cursor belongs to its own search', async () => {
    const [a] = await users(1);
    const w = word();
    await post(a, w);
    await post(a, w);
    const first = await http.get(`/search/posts?q=${w}&limit=1`);
    expect(first.body.meta.next).toEqual(expect.any(String));
    expect(first.headers.link).toContain(`q=${w}`);
    expect((await http.get(`/search/posts?q=${w}&limit=1&cursor=${encodeURIComponent(first.body.meta.next)}`)).status).toBe(200);
    expect((await http.get(`/search/posts?q=other&limit=1&cursor=${encodeURIComponent(first.body.meta.next)}`)).status).toBe(400);
    expect((await http.get(`/search/users?q=${w}&limit=1&cursor=${encodeURIComponent(first.body.meta.next)}`)).status).toBe(400);
  });
});
