#!/usr/bin/env node
// Where a request's time goes: loads a few probe routes on the production server (quick-size
// data) so the framework's share can be told from ours. Not part of `npm run bench`.
//   node bench/probe.mjs [--db sqlite|postgres] [--duration S] [--cpu-prof DIR] [--keep]
import autocannon from 'autocannon';
import jwt from 'jsonwebtoken';
import { randomSecrets } from '../scripts/lib/secrets.js';
import { stopServer } from '../scripts/lib/server.js';
import { createDatabase, startStrapi } from './lib.mjs';
import { seed } from './seed.mjs';
import { opt, argv } from './cli.mjs';

const kind = opt('db', 'sqlite');
const duration = Number(opt('duration', 5));
const cpuProf = opt('cpu-prof', '');

const db = await createDatabase(kind);
const secrets = randomSecrets();
let strapi;
try {
  strapi = await startStrapi(db, secrets);
  await stopServer(strapi);
  const s = await seed(db, { users: 500, posts: 5000, likes: 50000, viral: 10000, heavy: 1000, follows: 5000, comments: 5000 });
  strapi = await startStrapi(db, secrets, { nodeArgs: cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : [] });
  const token = jwt.sign({ id: s.users.actors[0] }, secrets.JWT_SECRET, { expiresIn: '1h' });
  const auth = { authorization: `Bearer ${token}` };
  const heavy = jwt.sign({ id: s.users.heavy }, secrets.JWT_SECRET, { expiresIn: '1h' });
  const probes = [
    ['GET /_health (no route)', '/_health', {}],
    ['GET /api/posts/{unliked}, Public', `/api/posts/${s.unliked.documentId}`, {}],
    ['GET /api/posts/{unliked}, token', `/api/posts/${s.unliked.documentId}`, auth],
    ['GET /api/users/users, token', '/api/users/users', auth],
    ['GET /api/posts/all_posts, heavy user', '/api/posts/all_posts', { authorization: `Bearer ${heavy}` }],
  ];
  for (const [label, path, headers] of probes) {
    await autocannon({ url: strapi.url + path, headers, connections: 32, duration: 1 });
    const r = await autocannon({ url: strapi.url + path, headers, connections: 32, duration });
    console.log(`${label.padEnd(36)} ${String(Math.round(r.requests.average)).padStart(6)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  non-2xx ${r.non2xx}`);
  }
} finally {
  await stopServer(strapi);
  if (argv.includes('--keep')) console.log(`kept database ${db.name}`);
  else await db.drop();
}
