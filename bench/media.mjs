// Photos (issue 13): upload throughput and memory, where an upload's time goes, and what media
// cost a post read and a feed page. Against the compiled production server (run `npm run build`
// first) on a fresh database.
//
//   node bench/media.mjs [--db sqlite|postgres] [--uploads 24] [--concurrency 8] [--duration 5]
//
// Prints a Markdown section for docs/PERFORMANCE.md.
import fs from 'node:fs';
import os from 'node:os';
import autocannon from 'autocannon';
import sharp from 'sharp';
import { randomSecrets } from '../scripts/lib/secrets.js';
import { stopServer } from '../scripts/lib/server.js';
import { createDatabase, startStrapi } from './lib.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const DB = arg('db', 'sqlite');
const UPLOADS = Number(arg('uploads', 24));
const CONCURRENCY = Number(arg('concurrency', 8));
const DURATION = Number(arg('duration', 5));

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A 4000×3000 (12-megapixel) JPEG of about 2 MB: a photo-like gradient with grain. */
async function photo() {
  const grain = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 20 } } })
    .raw()
    .toBuffer();
  const base = sharp(grain, { raw: { width: 4000, height: 3000, channels: 3 } }).blur(0.8);
  let best = null;
  for (const quality of [70, 80, 88, 92, 95]) {
    const bytes = await base.clone().jpeg({ quality }).toBuffer();
    if (!best || Math.abs(bytes.length - 2e6) < Math.abs(best.length - 2e6)) best = bytes;
  }
  return best;
}

/** Peak resident memory of a process while `work` runs, sampled every 25 ms from /proc. */
async function peakRss(pid, work) {
  const read = () => {
    try {
      const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
      return Number(line.replace(/\D+/g, '')) * 1024;
    } catch {
      return 0;
    }
  };
  const before = read();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, read())), 25);
  try {
    const result = await work();
    return { result, before, peak: Math.max(peak, read()) };
  } finally {
    clearInterval(timer);
  }
}

async function upload(base, jwt, bytes, name = 'photo.jpg') {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'image/jpeg' }), name);
  const res = await fetch(`${base}/api/media`, { method: 'POST', headers: { authorization: `Bearer ${jwt}` }, body: form });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`upload: ${res.status} ${JSON.stringify(body)}`);
  return body.data;
}

async function call(base, method, path, jwt, body) {
  const res = await fetch(`${base}/api${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(jwt ? { authorization: `Bearer ${jwt}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

async function p50(url, headers) {
  await autocannon({ url, headers, connections: 8, duration: 1 });
  const r = await autocannon({ url, headers, connections: 8, duration: DURATION });
  return { p50: r.latency.p50, rps: Math.round(r.requests.average), non2xx: r.non2xx };
}

/** Where an upload's CPU goes, measured in this process with the server's own steps. */
async function phases(bytes) {
  const times = {};
  let t = process.hrtime.bigint();
  await sharp(bytes).metadata();
  times.header = ms(t);
  t = process.hrtime.bigint();
  const clean = await sharp(bytes, { limitInputPixels: 40e6, failOn: 'error' }).rotate().jpeg({ quality: 88 }).toBuffer();
  times.clean = ms(t);
  for (const [key, size] of [['thumbnail', { width: 245, height: 156 }], ['small', { width: 500, height: 500 }], ['medium', { width: 750, height: 750 }]]) {
    t = process.hrtime.bigint();
    await sharp(clean).resize({ ...size, fit: 'inside' }).toBuffer();
    times[key] = ms(t);
  }
  return times;
}

const secrets = randomSecrets();
const db = await createDatabase(DB);
let server;
try {
  server = await startStrapi(db, secrets);
  const base = server.url;
  const reg = await call(base, 'POST', '/auth/local/register', null, { username: 'benchphotos', email: 'bench-photos@example.com', password: 'Bench-Passw0rd!' });
  if (reg.status !== 200) throw new Error(`register: ${reg.status} ${JSON.stringify(reg.body)}`);
  const jwt = reg.body.jwt;
  const auth = { authorization: `Bearer ${jwt}` };

  const bytes = await photo();
  const meta = await sharp(bytes).metadata();
  process.stderr.write(`photo: ${meta.width}×${meta.height}, ${(bytes.length / 1e6).toFixed(2)} MB\n`);

  // One upload alone, then UPLOADS at CONCURRENCY at once.
  let t = process.hrtime.bigint();
  await upload(base, jwt, bytes);
  const single = ms(t);
  const queue = Array.from({ length: UPLOADS }, (_, i) => i);
  t = process.hrtime.bigint();
  const { before, peak } = await peakRss(server.child.pid, () =>
    Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (queue.length > 0) {
        queue.pop();
        await upload(base, jwt, bytes);
      }
    }))
  );
  const burst = ms(t);
  const phase = await phases(bytes);

  // Reads: a post with 4 media beside one with none; a feed page of posts with media beside one without.
  const small = await sharp({ create: { width: 1200, height: 900, channels: 3, background: { r: 90, g: 120, b: 200 } } }).jpeg().toBuffer();
  const four = [];
  for (let i = 0; i < 4; i++) four.push((await upload(base, jwt, small, `s${i}.jpg`)).id);
  const withMedia = (await call(base, 'POST', '/posts', jwt, { title: 'four photos', description: 'x', media: four.slice(0, 4) })).body.data;
  const withoutMedia = (await call(base, 'POST', '/posts', jwt, { title: 'no photos', description: 'x' })).body.data;
  const readWith = await p50(`${base}/api/posts/${withMedia.documentId}`, auth);
  const readWithout = await p50(`${base}/api/posts/${withoutMedia.documentId}`, auth);
  // A second user whose feed is 20 posts with 4 media each, and a third with 20 posts without.
  const feeds = {};
  for (const [label, media] of [['with', true], ['without', false]]) {
    const r = await call(base, 'POST', '/auth/local/register', null, { username: `benchfeed${label}`, email: `bench-feed-${label}@example.com`, password: 'Bench-Passw0rd!' });
    const userJwt = r.body.jwt;
    for (let i = 0; i < 20; i++) {
      const ids = [];
      if (media) for (let k = 0; k < 4; k++) ids.push((await upload(base, userJwt, small, `f${i}-${k}.jpg`)).id);
      await call(base, 'POST', '/posts', userJwt, { title: `feed ${i}`, description: 'x', ...(media ? { media: ids } : {}) });
    }
    feeds[label] = await p50(`${base}/api/posts/feed?limit=20`, { authorization: `Bearer ${userJwt}` });
  }

  const mb = (n) => `${Math.round(n / 1024 / 1024)} MB`;
  const lines = [
    `### Photos (bench/media.mjs, ${DB})`,
    '',
    `\`node bench/media.mjs --db ${DB} --uploads ${UPLOADS} --concurrency ${CONCURRENCY} --duration ${DURATION}\`, ${new Date().toISOString().slice(0, 10)}, ` +
      `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), **on a loaded machine** (shared with other work while it ran: read the figures as an order of magnitude).`,
    '',
    `- Photo: ${meta.width}×${meta.height} JPEG, ${(bytes.length / 1e6).toFixed(2)} MB; stored with thumbnail, small and medium.`,
    `- One upload alone: ${Math.round(single)} ms.`,
    `- ${UPLOADS} uploads, ${CONCURRENCY} at a time: ${(UPLOADS / (burst / 1000)).toFixed(2)} images/s; server memory ${mb(before)} before, peak ${mb(peak)} (+${mb(peak - before)}).`,
    `- Where an upload's time goes (one image, in the benchmark's process): header ${phase.header.toFixed(0)} ms, ` +
      `decode + orientation + re-encode (EXIF removal) ${phase.clean.toFixed(0)} ms, thumbnail ${phase.thumbnail.toFixed(0)} ms, small ${phase.small.toFixed(0)} ms, medium ${phase.medium.toFixed(0)} ms.`,
    `- Post read p50: ${readWith.p50} ms with 4 media, ${readWithout.p50} ms without (${(readWith.p50 / Math.max(readWithout.p50, 0.01)).toFixed(2)}×); ${readWith.rps} vs ${readWithout.rps} req/s.`,
    `- Feed page of 20 posts p50: ${feeds.with.p50} ms with 4 media each, ${feeds.without.p50} ms without; ${feeds.with.rps} vs ${feeds.without.rps} req/s.`,
  ];
  console.log(lines.join('\n'));
} finally {
  if (server) await stopServer(server);
  await db.drop();
}
