import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import sharp from 'sharp';
import { Client } from 'pg';
import { cleanUpMedia, CLEANUP_LOCK_KEY } from '../src/api/media/services/clean-up';
import { adminSession, cm } from './helpers/admin';
import { createUser, type TestUser } from './helpers/fixtures';
import { pgAdminConfig } from './helpers/env';
import { useStrapi, type Api } from './helpers/strapi';

/**
 * Photos (issue 13): POST /media, what is refused and that nothing stays on disk, EXIF and
 * orientation, the attach rules and their race, avatars, deleting a post's media, the clean-up
 * task and its lock, the upload plugin's own route staying closed, the Content Manager's view.
 * Every fixture is made here with sharp.
 */
let strapi: Core.Strapi;
let http: Api;
// Every temporary file of the server (formidable's parts, sharp's and the plugin's working
// folders) goes to a folder of this spec's own, so "nothing left behind" can be checked.
const TMP = mkdtempSync(path.join(os.tmpdir(), 'media-spec-'));
const savedTmp = process.env.TMPDIR;
process.env.TMPDIR = TMP;
useStrapi((s, h) => ((strapi = s), (http = h)), { UPLOAD_TMP_DIR: TMP, MEDIA_CONCURRENCY: '2' });
afterAll(() => {
  process.env.TMPDIR = savedTmp;
  rmSync(TMP, { recursive: true, force: true });
});

const onPostgres = () => process.env.DATABASE_CLIENT === 'postgres';
const uploadsDir = () => path.join(strapi.dirs.static.public, 'uploads');
const listUploads = () => new Set(readdirSync(uploadsDir()).filter((name) => !name.startsWith('.')));
const listTmp = () => readdirSync(TMP);
type Envelope = { status: number; body: { error?: { status?: number; name?: string; details?: { errors?: Array<{ path: string[] }> } } } & Record<string, any> };
type Media = { id: number; url: string; mime: string; width: number; height: number; size: number; alternativeText: string | null; formats: Record<string, { url: string; width: number; height: number }> };

const solid = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 90 } } });
const jpeg = (w = 40, h = 30) => solid(w, h).jpeg().toBuffer();
const png = (w = 3, h = 2) => solid(w, h).png().toBuffer();
const webp = (w = 3, h = 2) => solid(w, h).webp().toBuffer();
const gif = (w = 3, h = 2) => solid(w, h).gif().toBuffer();
/** A JPEG with camera and GPS EXIF, stored 60×20 with orientation 6 (shown rotated: 20×60). */
const exifJpeg = () =>
  solid(60, 20)
    .jpeg()
    .withMetadata({
      orientation: 6,
      exif: {
        IFD0: { Make: 'SpyCam Industries', Model: 'Snoop 3000' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2964/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 792/100' },
      },
    })
    .toBuffer();
/** A PNG whose header says 10000×5000 (50 megapixels), with almost nothing after it. */
async function hugeHeaderPng(): Promise<Buffer> {
  const small = await png(1, 1);
  const header = Buffer.from(small.subarray(0, 33));
  header.writeUInt32BE(10_000, 16);
  header.writeUInt32BE(5_000, 20);
  // The IHDR CRC no longer matches and the pixel data is a 1×1 image's: only the header is read.
  return Buffer.concat([header, small.subarray(33)]);
}

/** A GIF of `frames` frames on a w×h screen, each frame one pixel: a tiny file, a huge decode. */
function animatedGif(w: number, h: number, frames: number): Buffer {
  const parts = [Buffer.from('GIF89a'), Buffer.from([w & 255, w >> 8, h & 255, h >> 8, 0x80, 0, 0]), Buffer.from([0, 0, 0, 255, 255, 255])];
  parts.push(Buffer.from([0x21, 0xff, 0x0b]), Buffer.from('NETSCAPE2.0'), Buffer.from([3, 1, 0, 0, 0]));
  for (let i = 0; i < frames; i++) {
    parts.push(Buffer.from([0x21, 0xf9, 4, 0, 10, 0, 0, 0]));
    // One pixel of colour i % 2 (LZW: clear, index, end), so consecutive frames differ.
    parts.push(Buffer.from([0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, i % 2 ? 0x4c : 0x44, 0x01, 0]));
  }
  parts.push(Buffer.from([0x3b]));
  return Buffer.concat(parts);
}

function upload(user: TestUser | null, bytes: Buffer | null, options: { filename?: string; type?: string; alternativeText?: string; field?: string } = {}) {
  const req = http.post('/media', user?.jwt);
  if (options.alternativeText !== undefined) req.field('alternativeText', options.alternativeText);
  if (bytes) req.attach(options.field ?? 'file', bytes, { filename: options.filename ?? 'image.png', contentType: options.type ?? 'application/octet-stream' });
  else req.field('nothing', 'here');
  return req;
}

async function uploadOk(user: TestUser, bytes: Buffer, options: Parameters<typeof upload>[2] = {}): Promise<Media> {
  const res = await upload(user, bytes, options);
  expect([res.status, res.body?.error]).toEqual([201, undefined]);
  return res.body.data as Media;
}

const getUrl = (url: string) => http.raw().get(url);

function expectEnvelope(res: Envelope, status: number) {
  expect([res.status, res.body?.error?.status]).toEqual([status, status]);
}

/** Runs a hostile request and checks it answered `status` and left no file in public/uploads or the temp folder. */
async function expectRefusedCleanly(status: number, send: () => PromiseLike<Envelope>): Promise<Envelope> {
  const before = listUploads();
  const res = await send();
  expectEnvelope(res, status);
  expect([...listUploads()].filter((name) => !before.has(name))).toEqual([]);
  // A body refused while it streams (413) has its part removed by formidable as it emits the
  // error (an unlink it does not wait for), so that one may land just after the answer.
  for (let waited = 0; listTmp().length > 0 && waited < 2000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(listTmp()).toEqual([]);
  return res;
}

let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  alice = await createUser(strapi);
  bob = await createUser(strapi);
});

describe('POST /media', () => {
  it.each([
    ['JPEG', () => jpeg(), 'image/jpeg', '.jpg'],
    ['PNG', () => png(), 'image/png', '.png'],
    ['WebP', () => webp(), 'image/webp', '.webp'],
    ['GIF', () => gif(), 'image/gif', '.gif'],
  ])('a %s is stored, served with its type and nosniff, size in bytes', async (_kind, make, mime, ext) => {
    const bytes = await make();
    const m = await uploadOk(alice, bytes, { filename: 'misnamed.txt', type: 'text/plain', alternativeText: 'alt' });
    expect(m.mime).toBe(mime);
    expect(m.url).toMatch(new RegExp(`^/uploads/.+\\${ext}$`));
    expect(m.alternativeText).toBe('alt');
    const served = await getUrl(m.url).buffer(true);
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe(mime);
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    expect(served.body.length).toBe(m.size);
    expect(listTmp()).toEqual([]);
  });

  it('strips EXIF (camera and GPS) from the image and every format, after applying the orientation', async () => {
    const bytes = await exifJpeg();
    const before = await sharp(bytes).metadata();
    expect(before.exif).toBeDefined();
    expect(before.orientation).toBe(6);
    const m = await uploadOk(alice, bytes, { filename: 'home.jpg' });
    // Upright: the stored image is the rotated one.
    expect([m.width, m.height]).toEqual([20, 60]);
    for (const url of [m.url, ...Object.values(m.formats).map((f) => f.url)]) {
      const served = (await getUrl(url).buffer(true)).body as Buffer;
      const meta = await sharp(served).metadata();
      expect([url, meta.exif, meta.orientation]).toEqual([url, undefined, undefined]);
      expect(served.includes('SpyCam')).toBe(false);
      expect(served.includes('Snoop')).toBe(false);
    }
  });

  it('a 12-megapixel JPEG gets thumbnail, small and medium formats (no large)', async () => {
    const bytes = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 30 } } })
      .jpeg({ quality: 70 })
      .toBuffer();
    const m = await uploadOk(alice, bytes, { filename: 'big.jpg' });
    expect([m.width, m.height]).toEqual([4000, 3000]);
    expect(Object.keys(m.formats).sort()).toEqual(['medium', 'small', 'thumbnail']);
    expect([m.formats.medium.width, m.formats.small.width]).toEqual([750, 500]);
    for (const f of Object.values(m.formats)) expect((await getUrl(f.url)).status).toBe(200);
  }, 60_000);

  it('alternativeText is 0–1,500 characters', async () => {
    expect((await uploadOk(alice, await png(), { alternativeText: '🙂'.repeat(1500) })).alternativeText).toBe('🙂'.repeat(1500));
    await expectRefusedCleanly(400, async () => upload(alice, await png(), { alternativeText: 'a'.repeat(1501) }));
  });

  it('needs a token', async () => {
    expectEnvelope(await upload(null, await png()), 403);
  });
});

describe('bad input: a 4xx in the envelope, nothing left on disk', () => {
  it('an SVG', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');
    await expectRefusedCleanly(400, () => upload(alice, svg, { filename: 'x.svg', type: 'image/svg+xml' }));
  });

  it('HTML named .png', async () => {
    await expectRefusedCleanly(400, () => upload(alice, Buffer.from('<html><script>alert(1)</script></html>'), { filename: 'x.png', type: 'image/png' }));
  });

  it('a truncated JPEG', async () => {
    const whole = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 30 } } }).jpeg().toBuffer();
    await expectRefusedCleanly(400, () => upload(alice, whole.subarray(0, Math.floor(whole.length / 2)), { filename: 'cut.jpg' }));
  });

  it('a truncated PNG', async () => {
    const whole = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 30 } } }).png().toBuffer();
    await expectRefusedCleanly(400, () => upload(alice, whole.subarray(0, Math.floor(whole.length / 2)), { filename: 'cut.png' }));
  });

  it('a polyglot: a GIF header followed by HTML', async () => {
    const polyglot = Buffer.concat([Buffer.from('GIF89a'), Buffer.from([10, 0, 10, 0, 0, 0, 0]), Buffer.from('<html><script>alert(document.cookie)</script></html>')]);
    await expectRefusedCleanly(400, () => upload(alice, polyglot, { filename: 'cat.gif', type: 'image/gif' }));
  });

  it('a valid GIF with HTML appended is stored without the HTML', async () => {
    const polyglot = Buffer.concat([await gif(4, 4), Buffer.from('<html><script>alert(document.cookie)</script></html>')]);
    const res = await upload(alice, polyglot, { filename: 'cat.gif' });
    // Either refused, or re-encoded: never served with the HTML in it.
    if (res.status === 201) {
      const served = (await getUrl(res.body.data.url).buffer(true)).body as Buffer;
      expect(served.includes('<script>')).toBe(false);
    } else expectEnvelope(res, 400);
  });

  it('an image whose header declares 50 megapixels', async () => {
    await expectRefusedCleanly(400, async () => upload(alice, await hugeHeaderPng(), { filename: 'bomb.png' }));
  });

  it('a complete 50-megapixel PNG of a few kB (a decompression bomb)', async () => {
    const bomb = await sharp({ create: { width: 10_000, height: 5_000, channels: 3, background: { r: 0, g: 0, b: 0 } }, limitInputPixels: false }).png({ compressionLevel: 9 }).toBuffer();
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await expectRefusedCleanly(400, () => upload(alice, bomb, { filename: 'bomb.png' }));
  }, 60_000);

  /** A multipart body written by hand: supertest's form-data would reduce the name to its basename. */
  async function rawUpload(user: TestUser, filename: string, bytes: Buffer): Promise<Envelope> {
    const boundary = 'rawboundary7e3f';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: image/png\r\n\r\n`),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return http.post('/media', user.jwt).set('Content-Type', `multipart/form-data; boundary=${boundary}`).send(body);
  }

  it('an animation whose frames together exceed 40 megapixels (11 frames of 2000×2000 in 300 bytes)', async () => {
    await expectRefusedCleanly(400, () => upload(alice, animatedGif(2000, 2000, 11), { filename: 'frames.gif' }));
    // The same file with fewer, smaller frames is stored, animated.
    const ok = await uploadOk(alice, animatedGif(20, 20, 3), { filename: 'frames.gif' });
    expect(ok.mime).toBe('image/gif');
    expect((await sharp((await getUrl(ok.url).buffer(true)).body as Buffer).metadata()).pages).toBe(3);
  });

  it.each(['../../../etc/passwd.png', '/abs/x.png', 'a/../../b.png', '..'])('a path in the file name (%s) is refused', async (filename) => {
    await expectRefusedCleanly(400, async () => rawUpload(alice, filename, await png()));
  });

  it('a Windows path in the file name is cut to its last segment by the parser (formidable), and stored under a name of ours', async () => {
    const before = listUploads();
    const res = await rawUpload(alice, '..\\..\\..\\windows\\boot.png', await png());
    expect(res.status).toBe(201);
    const row = await strapi.db.query('plugin::upload.file').findOne({ where: { id: res.body.data.id } });
    expect(row.name).toBe('boot.png');
    expect(res.body.data.url).toMatch(/^\/uploads\/boot_[0-9a-f]+\.png$/);
    expect([...listUploads()].filter((name) => !before.has(name)).every((name) => !name.includes('..'))).toBe(true);
  });

  it('two files in one request', async () => {
    const a = await png();
    await expectRefusedCleanly(400, () =>
      http.post('/media', alice.jwt).attach('file', a, { filename: 'a.png' }).attach('file', a, { filename: 'b.png' })
    );
    await expectRefusedCleanly(400, () =>
      http.post('/media', alice.jwt).attach('file', a, { filename: 'a.png' }).attach('other', a, { filename: 'b.png' })
    );
  });

  it('a file in another field', async () => {
    await expectRefusedCleanly(400, async () => upload(alice, await png(), { field: 'image' }));
  });

  it('no file', async () => {
    await expectRefusedCleanly(400, () => upload(alice, null));
    await expectRefusedCleanly(400, () => http.post('/media', alice.jwt).send({ file: 'not a file' }));
  });

  it('a multipart body without a boundary', async () => {
    const res = await expectRefusedCleanly(400, () =>
      http.post('/media', alice.jwt).set('Content-Type', 'multipart/form-data').send('--x\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\nabc\r\n--x--\r\n')
    );
    expect(res.body.error?.name).toBe('ValidationError');
  });

  it('a 1 GB upload is cut off at the limit: 413, and never more than the limit on disk', async () => {
    const { request } = await import('node:http');
    const url = new URL(http.base);
    const boundary = 'streamboundary';
    let largest = 0;
    const watch = setInterval(() => {
      let total = 0;
      for (const name of listTmp()) {
        try {
          total += statSync(path.join(TMP, name)).size;
        } catch {
          /* removed meanwhile */
        }
      }
      largest = Math.max(largest, total);
    }, 5);
    const sent = { bytes: 0 };
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, method: 'POST', path: '/api/media', headers: {
          authorization: `Bearer ${alice.jwt}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(1024 ** 3),
        } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        }
      );
      req.on('error', (error) => (sent.bytes > 0 ? undefined : reject(error)));
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.png"\r\nContent-Type: image/png\r\n\r\n`);
      const chunk = Buffer.alloc(256 * 1024, 1);
      const pump = () => {
        while (sent.bytes < 1024 ** 3 && !req.destroyed) {
          sent.bytes += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
      };
      pump();
    });
    clearInterval(watch);
    expect(status).toBe(413);
    expect(sent.bytes).toBeLessThan(256 * 1024 * 1024);
    expect(largest).toBeLessThanOrEqual(10 * 1024 * 1024 + 64 * 1024);
    await new Promise((r) => setTimeout(r, 200));
    expect(listTmp()).toEqual([]);
  }, 60_000);

  it('a body over 10 MB is a 413, refused while it streams in', async () => {
    const big = Buffer.alloc(11 * 1024 * 1024, 7);
    const res = await expectRefusedCleanly(413, () => upload(alice, big, { filename: 'big.png' }));
    expect(res.body.error?.name).toBe('PayloadTooLargeError');
  }, 60_000);

  it('30 concurrent uploads by one user: each answered, no 5xx, no file left over', async () => {
    const user = await createUser(strapi);
    const bytes = await Promise.all(Array.from({ length: 30 }, (_, i) => png(i + 1, 2)));
    const results = await Promise.all(bytes.map((b, i) => upload(user, b, { filename: `n${i}.png` })));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 201));
    expect(new Set(results.map((r) => r.body.data.id)).size).toBe(30);
    expect(listTmp()).toEqual([]);
  }, 120_000);
});

describe('media on posts', () => {
  const newPost = (user: TestUser, media?: unknown, title = 'with photos') => http.post('/posts', user.jwt).send({ title, ...(media === undefined ? {} : { media }) });

  it('keeps the order given, on create, read and edit', async () => {
    const m = await Promise.all([1, 2, 3, 4].map(async (w) => uploadOk(alice, await png(w, 2))));
    const order = [m[2].id, m[0].id, m[3].id, m[1].id];
    const created = await newPost(alice, order);
    expect(created.status).toBe(201);
    expect(created.body.data.media.map((x: Media) => x.id)).toEqual(order);
    const read = await http.get(`/posts/${created.body.data.documentId}`);
    expect(read.body.data.media.map((x: Media) => x.id)).toEqual(order);
    const edited = await http.put(`/posts/${created.body.data.documentId}`, alice.jwt).send({ media: [m[1].id, m[0].id] });
    expect(edited.status).toBe(200);
    expect(edited.body.data.media.map((x: Media) => x.id)).toEqual([m[1].id, m[0].id]);
    expect(edited.body.data.editedAt).not.toBeNull();
    // The feed and the public timeline carry them too.
    const feed = await http.get('/posts/feed?limit=5', alice.jwt);
    expect(feed.body.data.find((p: { id: number }) => p.id === created.body.data.id).media.map((x: Media) => x.id)).toEqual([m[1].id, m[0].id]);
    // The detached ones are free again: another post may take them.
    expect((await newPost(alice, [m[2].id, m[3].id])).status).toBe(201);
  });

  it('refuses more than 4, duplicates, non-ids, unknown ids, others’ uploads and uploads attached elsewhere; a refusal attaches nothing', async () => {
    const five = await Promise.all([1, 2, 3, 4, 5].map(async (w) => uploadOk(alice, await png(w, 3))));
    const ids = five.map((m) => m.id);
    for (const media of [ids, [ids[0], ids[0]], ['1'], [1.5], 'x', [0], [987654321]]) {
      expectEnvelope(await newPost(alice, media), 400);
    }
    const bobs = await uploadOk(bob, await png(7, 7));
    const stolen = await newPost(alice, [ids[0], bobs.id]);
    expectEnvelope(stolen, 400);
    expect(stolen.body.error.details.errors[0].path).toEqual(['media']);
    const first = await newPost(alice, [ids[0]]);
    expect(first.status).toBe(201);
    expectEnvelope(await newPost(alice, [ids[1], ids[0]]), 400);
    const other = await newPost(alice, undefined, 'no photos yet');
    expectEnvelope(await http.put(`/posts/${other.body.data.documentId}`, alice.jwt).send({ media: [ids[0]] }), 400);
    // The refused post with ids[1] attached nothing: ids[1] is still free.
    expect((await newPost(alice, [ids[1], ids[2], ids[3], ids[4]])).status).toBe(201);
    // Bob cannot edit Alice's post's media.
    expectEnvelope(await http.put(`/posts/${first.body.data.documentId}`, bob.jwt).send({ media: [bobs.id] }), 403);
  });

  it('the attach race: two posts with the same upload, sent together, exactly one wins (10 rounds)', async () => {
    for (let round = 0; round < 10; round++) {
      const m = await uploadOk(alice, await png(round + 1, 5));
      const [a, b] = await Promise.all([newPost(alice, [m.id], `race a${round}`), newPost(alice, [m.id], `race b${round}`)]);
      expect([a.status, b.status].sort()).toEqual([201, 400]);
      const links = await strapi.db.connection('files_related_mph').where({ file_id: m.id });
      expect(links).toHaveLength(1);
    }
  }, 60_000);

  it('the attach race between edits of two posts', async () => {
    const [p1, p2] = [(await newPost(alice, undefined, 'edit race 1')).body.data, (await newPost(alice, undefined, 'edit race 2')).body.data];
    for (let round = 0; round < 10; round++) {
      const m = await uploadOk(alice, await png(round + 1, 7));
      const results = await Promise.all([p1, p2].map((p) => http.put(`/posts/${p.documentId}`, alice.jwt).send({ media: [m.id] })));
      expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
      expect(await strapi.db.connection('files_related_mph').where({ file_id: m.id })).toHaveLength(1);
      await Promise.all([p1, p2].map((p) => http.put(`/posts/${p.documentId}`, alice.jwt).send({ media: [] })));
    }
  }, 60_000);

  it('the attach race between a post and an avatar', async () => {
    for (let round = 0; round < 5; round++) {
      const m = await uploadOk(alice, await png(round + 1, 6));
      const [a, b] = await Promise.all([newPost(alice, [m.id], `race c${round}`), http.put('/users/users', alice.jwt).send({ avatar: m.id })]);
      const won = [a.status === 201, b.status === 200];
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(won[0] ? b.status : a.status).toBe(400);
      expect(await strapi.db.connection('files_related_mph').where({ file_id: m.id })).toHaveLength(1);
    }
    await http.put('/users/users', alice.jwt).send({ avatar: null });
  }, 60_000);

  it('PostgreSQL: the row lock alone decides the race too (the UNIQUE index dropped for the test)', async () => {
    if (!onPostgres()) return;
    const { ATTACH_INDEX, ensureMediaTables } = await import('../src/db/repositories/media');
    await strapi.db.connection.raw(`DROP INDEX ${ATTACH_INDEX}`);
    try {
      // Edits of two existing posts and an avatar: unlike two new posts by one author (which
      // take turns on the author's counter row), nothing else orders these transactions.
      const [p1, p2] = [(await newPost(alice, undefined, 'lock race 1')).body.data, (await newPost(alice, undefined, 'lock race 2')).body.data];
      for (let round = 0; round < 10; round++) {
        const m = await uploadOk(alice, await png(round + 1, 4));
        const results = await Promise.all([
          http.put(`/posts/${p1.documentId}`, alice.jwt).send({ media: [m.id] }),
          http.put(`/posts/${p2.documentId}`, alice.jwt).send({ media: [m.id] }),
          http.put('/users/users', alice.jwt).send({ avatar: m.id }),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400]);
        expect(await strapi.db.connection('files_related_mph').where({ file_id: m.id })).toHaveLength(1);
        // Free the winner's hold for the next round.
        await Promise.all([
          http.put(`/posts/${p1.documentId}`, alice.jwt).send({ media: [] }),
          http.put(`/posts/${p2.documentId}`, alice.jwt).send({ media: [] }),
          http.put('/users/users', alice.jwt).send({ avatar: null }),
        ]);
      }
    } finally {
      await ensureMediaTables(strapi);
    }
  }, 60_000);

  it('the database refuses a second link of one upload, whatever the code does (the UNIQUE index)', async () => {
    const m = await uploadOk(alice, await png(9, 9));
    const post = await newPost(alice, [m.id]);
    expect(post.status).toBe(201);
    // The first link is there, and so is the index (a spec run once left it out: say which).
    expect(await strapi.db.connection('files_related_mph').where({ file_id: m.id, field: 'media' })).toHaveLength(1);
    const { ATTACH_INDEX } = await import('../src/db/repositories/media');
    const indexed = onPostgres()
      ? await strapi.db.connection.raw('SELECT 1 FROM pg_indexes WHERE indexname = ?', [ATTACH_INDEX]).then((r: { rows: unknown[] }) => r.rows)
      : await strapi.db.connection.raw("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", [ATTACH_INDEX]);
    expect([ATTACH_INDEX, (indexed as unknown[]).length]).toEqual([ATTACH_INDEX, 1]);
    const link = { file_id: m.id, related_id: post.body.data.id + 100000, related_type: 'api::post.post', field: 'media', order: 1 };
    // Matched by its message: better-sqlite3 is a native module, bound to the VM context of the
    // first spec file that loaded it, so after another spec its errors are not `instanceof Error`
    // here and `rejects.toThrow` reports "did not throw" (it did).
    const refused = await strapi.db.connection('files_related_mph').insert(link).then(() => null, (error: { message?: unknown }) => String(error?.message));
    expect(refused).toMatch(/unique|UNIQUE/);
  });

  it('deleting a post deletes its media, every format, row and file', async () => {
    const big = await uploadOk(alice, await jpeg(1200, 900));
    const small = await uploadOk(alice, await png(4, 4));
    expect(Object.keys(big.formats).length).toBeGreaterThan(1);
    const post = await newPost(alice, [big.id, small.id]);
    const urls = [big.url, small.url, ...Object.values(big.formats).map((f) => f.url)];
    for (const url of urls) expect((await getUrl(url)).status).toBe(200);
    expect((await http.delete(`/posts/${post.body.data.documentId}`, alice.jwt)).status).toBe(200);
    for (const url of urls) {
      expect([url, (await getUrl(url)).status]).toEqual([url, 404]);
      expect(listUploads().has(path.basename(url))).toBe(false);
    }
    expect(await strapi.db.query('plugin::upload.file').count({ where: { id: { $in: [big.id, small.id] } } })).toBe(0);
  });

  it('the Content Manager sees a post’s images, in order, and so does a moderator', async () => {
    const m = await Promise.all([1, 2, 3].map(async (w) => uploadOk(alice, await png(w, 8))));
    const post = await newPost(alice, [m[2].id, m[0].id, m[1].id]);
    const doc = await strapi.documents('api::post.post').findOne({ documentId: post.body.data.documentId, populate: ['media'] as never });
    expect((doc as unknown as { media: Array<{ id: number }> }).media.map((f) => f.id)).toEqual([m[2].id, m[0].id, m[1].id]);
    // The edit view has the field, and a moderator reads it through the Content Manager's API.
    const contentTypes = strapi.plugin('content-manager').service('content-types');
    const configuration = await contentTypes.findConfiguration(contentTypes.findContentType('api::post.post'));
    expect(JSON.stringify(configuration.layouts.edit)).toContain('"media"');
    const mod = await adminSession(strapi);
    const read = await mod.get(cm('api::post.post', post.body.data.documentId));
    expect(read.status).toBe(200);
    expect(read.body.data.media.map((f: { id: number }) => f.id)).toEqual([m[2].id, m[0].id, m[1].id]);
  });
});

describe('the Moderator role of a database from before photos', () => {
  it('gets the media fields once, at the next start', async () => {
    const { addModeratorMediaFields, MODERATOR_CODE } = await import('../src/bootstrap/moderator-role');
    const role = await strapi.db.query('admin::role').findOne({ where: { code: MODERATOR_CODE } });
    const postRead = () =>
      strapi.db.query('admin::permission').findOne({ where: { role: role.id, action: 'plugin::content-manager.explorer.read', subject: 'api::post.post' } });
    const before = await postRead();
    const without = before.properties.fields.filter((f: string) => f !== 'media');
    await strapi.db.query('admin::permission').update({ where: { id: before.id }, data: { properties: { ...before.properties, fields: without } } });
    const store = strapi.store({ type: 'plugin', name: 'social' });
    await store.delete({ key: 'moderator-role-media-fields' });
    await addModeratorMediaFields(strapi);
    expect((await postRead()).properties.fields).toEqual([...without, 'media']);
    // Once: an administrator's later removal stays.
    await strapi.db.query('admin::permission').update({ where: { id: before.id }, data: { properties: { ...before.properties, fields: without } } });
    await addModeratorMediaFields(strapi);
    expect((await postRead()).properties.fields).toEqual(without);
    await strapi.db.query('admin::permission').update({ where: { id: before.id }, data: { properties: before.properties } });
  });
});

describe('avatars', () => {
  it('set to an own upload, shown on both profiles, cleared with null', async () => {
    const user = await createUser(strapi);
    const m = await uploadOk(user, await jpeg());
    const set = await http.put('/users/users', user.jwt).send({ avatar: m.id });
    expect(set.status).toBe(200);
    expect(set.body.avatar).toMatchObject({ id: m.id, url: m.url, mime: 'image/jpeg' });
    expect((await http.get(`/users/${user.id}/profile`)).body.avatar.id).toBe(m.id);
    expect((await http.get('/users/users', user.jwt)).body.avatar.id).toBe(m.id);
    const second = await uploadOk(user, await png());
    expect((await http.put('/users/users', user.jwt).send({ avatar: second.id })).body.avatar.id).toBe(second.id);
    // The first one is free again.
    expect((await http.post('/posts', user.jwt).send({ title: 'old avatar', media: [m.id] })).status).toBe(201);
    const cleared = await http.put('/users/users', user.jwt).send({ avatar: null, name: 'Same Name' });
    expect([cleared.status, cleared.body.avatar, cleared.body.name]).toEqual([200, null, 'Same Name']);
  });

  it('refuses another’s upload, one on a post, and non-ids, and changes nothing then', async () => {
    const user = await createUser(strapi);
    const others = await uploadOk(bob, await png());
    const onPost = await uploadOk(user, await png(2, 2));
    expect((await http.post('/posts', user.jwt).send({ title: 'p', media: [onPost.id] })).status).toBe(201);
    for (const avatar of [others.id, onPost.id, 'x', 0, [1]]) {
      const res = await http.put('/users/users', user.jwt).send({ avatar, name: 'Changed' });
      expectEnvelope(res, 400);
    }
    const me = await http.get('/users/users', user.jwt);
    expect([me.body.avatar, me.body.name]).toEqual([null, user.name]);
  });
});

describe('the clean-up task', () => {
  it('deletes uploads attached to nothing for 24 hours, files included; keeps younger and attached ones', async () => {
    const { media } = (await import('../src/db/repositories')).repositories(strapi);
    const old = await uploadOk(alice, await png(11, 3));
    const young = await uploadOk(alice, await png(12, 3));
    const attached = await uploadOk(alice, await png(13, 3));
    expect((await http.post('/posts', alice.jwt).send({ title: 'keeps it', media: [attached.id] })).status).toBe(201);
    const dayAgo = new Date(Date.now() - 25 * 3_600_000);
    await media.setFreeSince(old.id, dayAgo);
    // An attached upload with a stale clock is still attached.
    await media.setFreeSince(attached.id, dayAgo);
    expect(await cleanUpMedia(strapi)).toBeGreaterThanOrEqual(1);
    expect((await getUrl(old.url)).status).toBe(404);
    expect(listUploads().has(path.basename(old.url))).toBe(false);
    expect((await getUrl(young.url)).status).toBe(200);
    expect((await getUrl(attached.url)).status).toBe(200);
  });

  it('an upload detached by an edit is deleted 24 hours later', async () => {
    const { media } = (await import('../src/db/repositories')).repositories(strapi);
    const m = await uploadOk(alice, await png(14, 3));
    const post = await http.post('/posts', alice.jwt).send({ title: 'detach', media: [m.id] });
    await http.put(`/posts/${post.body.data.documentId}`, alice.jwt).send({ media: [] });
    expect((await cleanUpMedia(strapi, new Date(Date.now() + 23 * 3_600_000)))).toBeGreaterThanOrEqual(0);
    expect((await getUrl(m.url)).status).toBe(200);
    await cleanUpMedia(strapi, new Date(Date.now() + 25 * 3_600_000));
    expect((await getUrl(m.url)).status).toBe(404);
    void media;
  });

  it('deletes the media of a post deleted in the Content Manager at its next run', async () => {
    const m = await uploadOk(alice, await png(18, 3));
    const post = await http.post('/posts', alice.jwt).send({ title: 'deleted by a moderator', media: [m.id] });
    await strapi.documents('api::post.post').delete({ documentId: post.body.data.documentId });
    expect((await getUrl(m.url)).status).toBe(200);
    await cleanUpMedia(strapi);
    expect((await getUrl(m.url)).status).toBe(404);
  });

  it('deletes the uploads of a deleted account: its posts’ media, its avatar and its free uploads', async () => {
    const user = await createUser(strapi);
    const onPost = await uploadOk(user, await png(15, 3));
    const avatar = await uploadOk(user, await png(16, 3));
    const free = await uploadOk(user, await png(17, 3));
    expect((await http.post('/posts', user.jwt).send({ title: 'soon gone', media: [onPost.id] })).status).toBe(201);
    expect((await http.put('/users/users', user.jwt).send({ avatar: avatar.id })).status).toBe(200);
    expect((await http.delete('/users/users', user.jwt).send({ password: user.password })).status).toBe(200);
    await cleanUpMedia(strapi);
    for (const m of [onPost, avatar, free]) expect([m.id, (await getUrl(m.url)).status]).toEqual([m.id, 404]);
  });

  it('runs on one node at a time (PostgreSQL advisory lock)', async () => {
    if (!onPostgres()) return;
    const connection = strapi.config.get('database.connection') as { connection: Record<string, unknown> };
    const other = new Client({ ...pgAdminConfig(), database: connection.connection.database as string });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [CLEANUP_LOCK_KEY]);
      expect(await cleanUpMedia(strapi)).toBeNull();
      await other.query('SELECT pg_advisory_unlock($1)', [CLEANUP_LOCK_KEY]);
      expect(await cleanUpMedia(strapi)).not.toBeNull();
    } finally {
      await other.end();
    }
  });

  it('is a Strapi cron task', () => {
    const tasks = strapi.config.get('server.cron') as { enabled: boolean; tasks: Record<string, { options: { rule: string } }> };
    expect(tasks.enabled).toBe(true);
    expect(tasks.tasks.mediaCleanUp.options.rule).toBe('17 * * * *');
  });
});

describe('files under /uploads', () => {
  it('anything but the four image types is sent as a download, with nosniff (files of the admin’s Media Library)', async () => {
    const file = path.join(uploadsDir(), `planted-${Date.now()}.html`);
    writeFileSync(file, '<script>alert(1)</script>');
    try {
      const res = await getUrl(`/uploads/${path.basename(file)}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/octet-stream');
      expect(res.headers['content-disposition']).toBe('attachment');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect((await getUrl('/uploads/nothing-here.png')).headers['x-content-type-options']).toBe('nosniff');
    } finally {
      rmSync(file, { force: true });
    }
  });
});

describe('the API description', () => {
  it('describes POST /media as a multipart upload with a binary file', async () => {
    const doc = (await http.get('/openapi.json')).body as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>> };
    const body = JSON.stringify(doc.paths['/media'].post.requestBody?.content['multipart/form-data']);
    expect(body).toContain('binary');
    expect(body).toContain('alternativeText');
  });
});

describe('the upload plugin’s own routes', () => {
  it('are granted to no role by default', async () => {
    const granted = await strapi.db.query('plugin::users-permissions.permission').findMany({
      where: { action: { $startsWith: 'plugin::upload.' } },
      populate: ['role'],
    });
    expect(granted.map((p: { action: string; role: { type: string } }) => `${p.role?.type}:${p.action}`)).toEqual([]);
  });

  it('POST /api/upload and GET /api/upload/files answer 403 to a user and to Public', async () => {
    const a = await png();
    expectEnvelope(await http.post('/upload', alice.jwt).attach('files', a, { filename: 'a.png' }), 403);
    expectEnvelope(await http.post('/upload').attach('files', a, { filename: 'a.png' }), 403);
    expectEnvelope(await http.get('/upload/files', alice.jwt), 403);
    expectEnvelope(await http.get('/upload/files'), 403);
    expect(listTmp()).toEqual([]);
  });
});
