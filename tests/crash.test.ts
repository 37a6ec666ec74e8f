import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { isPostgres, pgAdminConfig } from './helpers/env';
import { stopServer, waitForHealth } from '../scripts/lib/server';
import { startNode, type AppNode } from './helpers/node-process';

/**
 * Nothing acknowledged is lost: under a write load, the server is killed with SIGKILL and
 * started again on the same database. Every write that got a 2xx must be there, and nothing may
 * be half-applied (no comment without its post, no like without its post or user).
 */
jest.setTimeout(240_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Ack =
  | { kind: 'post'; user: number; documentId: string }
  | { kind: 'like'; user: number; post: string }
  | { kind: 'follow'; user: number; target: number }
  | { kind: 'comment'; user: number; id: number };

const database = isPostgres() ? `social_crash_${process.pid}_${Date.now()}` : path.join(os.tmpdir(), `social-crash-${process.pid}.db`);
const dbEnv: Record<string, string> = isPostgres()
  ? { DATABASE_CLIENT: 'postgres', DATABASE_NAME: database }
  : { DATABASE_CLIENT: 'sqlite', DATABASE_FILENAME: database };
const env = { ...dbEnv, RATE_LIMIT_ENABLED: 'false', SERVE_ADMIN_PANEL: 'false' };

async function sql<T = Json>(query: string): Promise<T[]> {
  if (isPostgres()) {
    const client = new Client({ ...pgAdminConfig(), database });
    await client.connect();
    try {
      return (await client.query(query)).rows as T[];
    } finally {
      await client.end();
    }
  }
  const db = new Database(database, { readonly: true });
  try {
    return db.prepare(query).all() as T[];
  } finally {
    db.close();
  }
}

let node: AppNode;

beforeAll(async () => {
  if (isPostgres()) {
    const client = new Client(pgAdminConfig());
    await client.connect();
    await client.query(`CREATE DATABASE "${database}"`);
    await client.end();
  }
});

afterAll(async () => {
  if (node) await stopServer(node);
  if (isPostgres()) {
    const client = new Client(pgAdminConfig());
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await client.end();
  } else {
    for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(database + suffix, { force: true });
  }
});

async function call(base: string, method: string, url: string, token?: string, body?: unknown) {
  const res = await fetch(`${base}/api${url}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

it(`keeps every acknowledged write across a SIGKILL (${isPostgres() ? 'PostgreSQL' : 'SQLite'})`, async () => {
  node = await startNode(env);
  await waitForHealth(node);
  const base = node.url;
  const users = await Promise.all(
    Array.from({ length: 8 }, async (_, i) => {
      const username = `crash${i}x${process.pid}`;
      const res = await call(base, 'POST', '/auth/local/register', undefined, { username, email: `${username}@example.com`, password: 'Str0ng-Passw0rd!' });
      return { id: res.body.user.id as number, jwt: res.body.jwt as string };
    })
  );
  const posts: string[] = [];
  for (const u of users) posts.push((await call(base, 'POST', '/posts', u.jwt, { title: 'seed' })).body.data.documentId);

  const acks: Ack[] = [];
  let attempted = 0;
  let stop = false;
  const worker = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const u = users[(w + i) % users.length];
      const op = i % 4;
      attempted += 1;
      try {
        if (op === 0) {
          const res = await call(base, 'POST', '/posts', u.jwt, { title: `w${w} i${i}` });
          if (res.status === 201) {
            acks.push({ kind: 'post', user: u.id, documentId: res.body.data.documentId });
            posts.push(res.body.data.documentId);
          }
        } else if (op === 1) {
          const post = posts[(w * 7 + i) % posts.length];
          const res = await call(base, 'POST', `/posts/like/${post}`, u.jwt);
          if (res.status === 200) acks.push({ kind: 'like', user: u.id, post });
        } else if (op === 2) {
          const target = users[(w + i + 1) % users.length];
          const res = await call(base, 'POST', `/users/follow/${target.id}`, u.jwt);
          if (res.status === 200) acks.push({ kind: 'follow', user: u.id, target: target.id });
        } else {
          const post = posts[(w * 3 + i) % posts.length];
          const res = await call(base, 'POST', `/posts/comment/${post}`, u.jwt, { content: `c${w}.${i}` });
          if (res.status === 201) acks.push({ kind: 'comment', user: u.id, id: res.body.data.id });
        }
      } catch {
        // No answer: the server is gone. Such a write may or may not have happened.
        return;
      }
    }
  };
  const load = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  node.child.kill('SIGKILL');
  await node.exited;
  stop = true;
  await load;
  expect(acks.length).toBeGreaterThan(20);

  node = await startNode(env);
  await waitForHealth(node);

  const postRows = await sql<{ document_id: string }>('SELECT document_id FROM posts');
  const havePosts = new Set(postRows.map((r) => r.document_id));
  const likeRows = await sql<{ document_id: string; user_id: number }>(
    'SELECT p.document_id, l.user_id FROM posts_liked_by_lnk l JOIN posts p ON p.id = l.post_id'
  );
  const haveLikes = new Set(likeRows.map((r) => `${r.document_id}:${Number(r.user_id)}`));
  const followRows = await sql<{ user_id: number; inv_user_id: number }>('SELECT user_id, inv_user_id FROM up_users_following_lnk');
  const haveFollows = new Set(followRows.map((r) => `${Number(r.user_id)}:${Number(r.inv_user_id)}`));
  const commentRows = await sql<{ id: number }>('SELECT id FROM comments');
  const haveComments = new Set(commentRows.map((r) => Number(r.id)));

  const missing = acks.filter((a) =>
    a.kind === 'post' ? !havePosts.has(a.documentId)
    : a.kind === 'like' ? !haveLikes.has(`${a.post}:${a.user}`)
    : a.kind === 'follow' ? !haveFollows.has(`${a.user}:${a.target}`)
    : !haveComments.has(a.id)
  );
  expect(missing).toEqual([]);

  // Nothing half-applied: every comment has its post and author, every like its post and user.
  expect(await sql('SELECT c.id FROM comments c LEFT JOIN comments_post_lnk l ON l.comment_id = c.id WHERE l.id IS NULL')).toEqual([]);
  expect(await sql('SELECT c.id FROM comments c LEFT JOIN comments_author_lnk l ON l.comment_id = c.id WHERE l.id IS NULL')).toEqual([]);
  expect(await sql('SELECT p.id FROM posts p LEFT JOIN posts_author_lnk l ON l.post_id = p.id WHERE l.id IS NULL')).toEqual([]);
  // The API's counts agree with the rows after the restart.
  const sample = acks.find((a) => a.kind === 'like') as { post: string } | undefined;
  if (sample) {
    const expected = likeRows.filter((r) => r.document_id === sample.post).length;
    expect((await call(node.url, 'GET', `/posts/${sample.post}`)).body.data.likes).toBe(expected);
  }
  console.log(
    `crash (${isPostgres() ? 'postgres' : 'sqlite'}): ${attempted} writes attempted, ${acks.length} acknowledged, ` +
      `${acks.length - missing.length} found after SIGKILL and restart`
  );
});
