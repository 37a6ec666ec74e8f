#!/usr/bin/env node
// Notifications benchmark (PostgreSQL): the notifications page 1 and the unread count of an author
// with many like notifications ÷ a newcomer's (p50), 1,000 open streams on one node (memory per
// stream), and the p99 delay from a like through one node to its event on a stream held by another
// node while likes run at a steady rate. Prints a Markdown table for docs/PERFORMANCE.md.
//   node bench/notifications.mjs [--likes 200000] [--duration 5] [--connections 16]
//                                [--streams 1000] [--rate 200] [--seconds 10]
import autocannon from 'autocannon';
import fs from 'node:fs';
import jwt from 'jsonwebtoken';
import os from 'node:os';
import pg from 'pg';
import { randomSecrets } from '../scripts/lib/secrets.js';
import { stopServer } from '../scripts/lib/server.js';
import { createDatabase, startStrapi } from './lib.mjs';
import { numOpt, argv } from './cli.mjs';

const LIKES = numOpt('likes', 200_000);
const DURATION = numOpt('duration', 5);
const CONNECTIONS = numOpt('connections', 16);
const STREAMS = numOpt('streams', 1000);
const RATE = numOpt('rate', 200);
const SECONDS = numOpt('seconds', 10);
const command = `node bench/notifications.mjs ${argv.join(' ')}`.trim();
const log = (s) => process.stderr.write(`${s}\n`);

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

/** A minimal SSE reader: calls onEvent(event, data) for each event. */
async function openStream(url, token, onEvent) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: controller.signal });
  if (res.status !== 200) throw new Error(`stream answered ${res.status}`);
  (async () => {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        let end;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) onEvent(event, data);
        }
      }
    } catch {
      // closed
    }
  })();
  return () => controller.abort();
}

async function load(url, token, duration = DURATION) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration, headers: { authorization: `Bearer ${token}` } });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { p50: result.latency.p50, p99: result.latency.p99, rps: Math.round(result.requests.average) };
}

async function main() {
  const db = await createDatabase('postgres');
  const secrets = randomSecrets();
  const nodes = [];
  try {
    const env = { NOTIFICATION_STREAMS_PER_USER: '5' };
    nodes.push(await startStrapi(db, secrets, { env }));
    const [a] = nodes;
    const token = (id) => jwt.sign({ id }, secrets.JWT_SECRET, { expiresIn: '2h' });
    const client = new pg.Client(db.conn);
    await client.connect();
    const sql = async (text, params = []) => (await client.query(text, params)).rows;

    // Users: the author, the newcomer, and one actor per like (made in SQL, with the Authenticated role).
    const started = Date.now();
    const [{ id: role }] = await sql(`SELECT id FROM up_roles WHERE type = 'authenticated'`);
    const count = LIKES + Math.max(STREAMS, RATE * SECONDS) + 2;
    await sql(
      `INSERT INTO up_users (document_id, username, email, provider, password, confirmed, blocked, name, created_at, updated_at, published_at)
       SELECT md5('nb' || g), 'nb' || g, 'nb' || g || '@bench.example', 'local', 'x', true, false, 'Bench ' || g, now(), now(), now()
         FROM generate_series(1, $1::int) g`,
      [count]
    );
    await sql(`INSERT INTO up_users_role_lnk (user_id, role_id, user_ord) SELECT id, $1, 1 FROM up_users WHERE username LIKE 'nb%'`, [role]);
    const ids = (await sql(`SELECT id FROM up_users WHERE username LIKE 'nb%' ORDER BY id`)).map((r) => Number(r.id));
    const [author, newcomer, ...actors] = ids;
    const post = async (userId, title) => {
      const res = await fetch(`${a.url}/api/posts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token(userId)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title, description: '' }),
      });
      if (res.status !== 201) throw new Error(`POST /posts: ${res.status}`);
      return (await res.json()).data;
    };
    const viral = await post(author, 'the viral post');
    const fresh = await post(newcomer, 'a newcomer’s post');
    // Likes through the join table, so the triggers make every notification (in batches, to show progress).
    const BATCH = 20_000;
    for (let i = 0; i < LIKES; i += BATCH) {
      const slice = actors.slice(i, Math.min(LIKES, i + BATCH));
      await sql(`INSERT INTO posts_liked_by_lnk (post_id, user_id) SELECT $1, unnest($2::int[])`, [viral.id, slice]);
      log(`  ${Math.min(LIKES, i + BATCH)} / ${LIKES} likes (${Math.round((Date.now() - started) / 1000)} s)`);
    }
    // The newcomer has one page of notifications (20), so both pages carry the same 20 items and
    // the ratio shows what the author's 50,000 or 200,000 cost, not the size of the answer.
    await sql(`INSERT INTO posts_liked_by_lnk (post_id, user_id) SELECT $1, unnest($2::int[])`, [fresh.id, actors.slice(0, 20)]);
    await sql(`ANALYZE`);
    const seedS = Math.round((Date.now() - started) / 1000);
    const [{ n }] = await sql(`SELECT count(*)::int AS n FROM social_notifications WHERE user_id = $1`, [author]);
    const [{ unread }] = await sql(`SELECT unread FROM social_notification_unread WHERE user_id = $1`, [author]);
    log(`seeded ${n} notifications for the author (unread ${unread}) in ${seedS} s`);

    // Page 1 and the unread count: the author's ÷ the newcomer's.
    const results = {};
    // Warm-up of both (JIT, prepared statements, caches): the first load measured otherwise ran ~1.5× slower, whoever it was for.
    for (const path of ['/api/notifications', '/api/notifications/unread']) {
      for (const who of [author, newcomer]) await load(`${a.url}${path}`, token(who), 2);
    }
    for (const [name, path] of [['page 1', '/api/notifications'], ['unread', '/api/notifications/unread']]) {
      results[name] = { author: await load(`${a.url}${path}`, token(author)), newcomer: await load(`${a.url}${path}`, token(newcomer)) };
      log(`${name}: author p50 ${results[name].author.p50} ms, newcomer p50 ${results[name].newcomer.p50} ms`);
    }

    // 1,000 open streams on node B, fresh and idle (node A's heap still holds the loads' garbage,
    // which a collection during the measure would subtract), one per user: memory per stream.
    nodes.push(await startStrapi(db, secrets, { env }));
    const b = nodes[1];
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const idleRss = rssKb(b.child.pid);
    const closers = [];
    for (let i = 0; i < STREAMS; i += 1) closers.push(await openStream(`${b.url}/api/notifications/stream`, token(actors[i]), () => {}));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const streamsRss = rssKb(b.child.pid);
    const perStreamKb = (streamsRss - idleRss) / STREAMS;
    log(`${STREAMS} streams: RSS ${idleRss} → ${streamsRss} kB (${perStreamKb.toFixed(1)} kB a stream)`);

    // The author's stream on node A; likes of a new post through node B (which holds the 1,000 streams) at RATE a second.
    const target = await post(author, 'liked at a steady rate');
    const sent = new Map();
    const answered = new Map();
    const delays = [];
    const afterCommit = [];
    const statuses = new Map();
    closers.push(
      await openStream(`${a.url}/api/notifications/stream`, token(author), (event, data) => {
        const note = JSON.parse(data);
        const at = sent.get(note.actor.id);
        if (event === 'notification' && note.post?.id === target.id && at !== undefined) {
          delays.push(Date.now() - at);
          const done = answered.get(note.actor.id);
          // From the like's answer (its commit) to the event: what the notification pipeline adds.
          afterCommit.push(done === undefined ? 0 : Math.max(0, Date.now() - done));
        }
      })
    );
    const likers = actors.slice(LIKES, LIKES + RATE * SECONDS).length >= RATE * SECONDS ? actors.slice(LIKES, LIKES + RATE * SECONDS) : actors.slice(0, RATE * SECONDS);
    let failures = 0;
    const begin = Date.now();
    const pending = [];
    for (let i = 0; i < likers.length; i += 1) {
      const due = begin + (i * 1000) / RATE;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      sent.set(likers[i], Date.now());
      pending.push(
        fetch(`${b.url}/api/posts/like/${target.documentId}`, { method: 'POST', headers: { authorization: `Bearer ${token(likers[i])}` } })
          .then(async (res) => {
            answered.set(likers[i], Date.now());
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            await res.arrayBuffer();
            if (res.status !== 200) failures += 1;
          })
          .catch(() => {
            failures += 1;
            statuses.set('network', (statuses.get('network') ?? 0) + 1);
          })
      );
    }
    await Promise.all(pending);
    const achieved = likers.length / ((Date.now() - begin) / 1000);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const missing = likers.length - delays.length;
    log(`likes at ${achieved.toFixed(0)}/s: ${delays.length} events, ${missing} missing, ${failures} failed (${JSON.stringify(Object.fromEntries(statuses))}); p50 ${percentile(delays, 50)} ms, p99 ${percentile(delays, 99)} ms; after the answer p50 ${percentile(afterCommit, 50)} ms, p99 ${percentile(afterCommit, 99)} ms`);
    for (const close of closers) close();
    await client.end();

    const ratio = (r) => (r.author.p50 / Math.max(r.newcomer.p50, 0.01)).toFixed(2);
    const cpu = os.cpus();
    const lines = [
      `Command: \`${command}\` (PostgreSQL; ${cpu.length} × ${cpu[0]?.model ?? 'CPU'}; the machine was shared with three other engineers' test and benchmark runs, so absolute figures are noisy).`,
      `Seeded ${n.toLocaleString('en')} like notifications for one author in ${seedS} s (likes inserted in SQL, notifications made by the triggers).`,
      '',
      `| measure | author (${n.toLocaleString('en')} notifications) | newcomer (20, one page) | ratio (target ≤ 1.5) |`,
      '|---|---|---|---|',
      ...Object.entries(results).map(
        ([name, r]) => `| ${name}, p50 / p99 (${CONNECTIONS} connections, ${DURATION} s) | ${r.author.p50} / ${r.author.p99} ms (${r.author.rps}/s) | ${r.newcomer.p50} / ${r.newcomer.p99} ms (${r.newcomer.rps}/s) | ${ratio(r)} |`
      ),
      '',
      `| stream measure | value |`,
      '|---|---|',
      `| open streams on one node | ${STREAMS} (one per user) |`,
      `| node RSS idle → with the streams | ${(idleRss / 1024).toFixed(1)} → ${(streamsRss / 1024).toFixed(1)} MB |`,
      `| memory per stream | ${perStreamKb.toFixed(1)} kB |`,
      `| likes through node B | ${likers.length} sent at ${achieved.toFixed(0)}/s (target ${RATE}/s); answers ${JSON.stringify(Object.fromEntries(statuses))} |`,
      `| events on node A's stream | ${delays.length} (${missing} missing) |`,
      `| like sent → event on node A, p50 / p99 / max | ${percentile(delays, 50)} / ${percentile(delays, 99)} / ${Math.max(...delays)} ms (limit 2,000 ms) |`,
      `| like answered by node B → event on node A, p50 / p99 / max | ${percentile(afterCommit, 50)} / ${percentile(afterCommit, 99)} / ${Math.max(...afterCommit)} ms |`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await Promise.all(nodes.map((node) => stopServer(node)));
    await db.drop();
  }
}

main().catch((error) => {
  log(error.stack ?? String(error));
  process.exit(1);
});
