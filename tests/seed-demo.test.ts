import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import { seedDemo, type DemoResult } from '../src/demo/seed';
import { ROOT } from './helpers/env';
import { expectCountersExact, numericRows } from './helpers/exact';
import { useStrapi, type Api } from './helpers/strapi';

/**
 * The demo seed (`npm run seed:demo`, src/demo/seed.ts) on the run's fresh database: what it
 * writes goes through the app's services, so every counter equals its COUNT(*) and the home
 * timeline holds exactly the followed posts; a second run writes nothing; a run cut short is
 * topped up; the CLI finds the same data from another process while this one holds the database
 * (as `npm run develop` would), prints the logins, and refuses NODE_ENV=production.
 * A small network (30 users, 2 popular accounts) keeps it to seconds.
 */
let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)));

const SIZE = { users: 30, popular: 2, newcomers: 2 };
/** The home timelines of the demo accounts (other specs of the run share the database). */
const HOME = { home: true, homeReaders: '%@demo.example' };
const CLI = path.join(ROOT, 'scripts', 'seed-demo.mjs');

const created = (result: DemoResult) => Object.fromEntries(Object.entries(result.counts).map(([name, count]) => [name, count.created]));

async function demoTotals() {
  const [row] = await numericRows(
    strapi,
    `SELECT (SELECT count(*) FROM up_users WHERE email LIKE '%@demo.example') AS users,
            (SELECT count(*) FROM up_users_following_lnk) AS follows,
            (SELECT count(*) FROM posts) AS posts,
            (SELECT count(*) FROM posts_liked_by_lnk) AS likes,
            (SELECT count(*) FROM comments) AS comments,
            (SELECT count(*) FROM reports WHERE state = 'open') AS reports`
  );
  return row;
}

function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the demo seed', () => {
  let first: DemoResult;

  it('writes a small network through the services, with every counter exact', async () => {
    first = await seedDemo(strapi, SIZE);
    const totals = await demoTotals();
    expect(totals.users).toBe(SIZE.users);
    expect(totals.follows).toBeGreaterThan(SIZE.users);
    expect(totals.posts).toBeGreaterThan(SIZE.users);
    expect(totals.likes).toBeGreaterThan(SIZE.users);
    expect(totals.comments).toBeGreaterThan(10);
    expect(totals.reports).toBeGreaterThanOrEqual(3);
    for (const count of Object.values(first.counts)) expect(count).toMatchObject({ existing: 0 });
    await expectCountersExact(strapi, HOME);
    // Posts are spread over the last days, not all written this second.
    const dates = (await strapi.db.query('api::post.post').findMany({ select: ['createdAt'] })) as Array<{ createdAt: string | Date }>;
    expect(new Set(dates.map((post) => new Date(post.createdAt).toISOString().slice(0, 10))).size).toBeGreaterThan(5);
  });

  it('gives logins that work, with the counts the API shows', async () => {
    expect(first.logins.map((login) => login.role)).toEqual(['popular account', 'regular user', 'newcomer']);
    const [popular, , newcomer] = first.logins;
    const login = await http.post('/users/login').send({ email: popular.email, password: first.password });
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ email: popular.email, followers: popular.followers, posts: popular.posts });
    expect(popular.followers).toBeGreaterThan(5);
    const feed = await http.get('/posts/feed', login.body.jwt);
    expect(feed.status).toBe(200);
    expect(feed.body.data.length).toBeGreaterThan(0);
    const fresh = await http.post('/users/login').send({ email: newcomer.email, password: first.password });
    expect(fresh.body.user).toMatchObject({ following: 0, posts: 0 });
  });

  it('writes nothing the second time, and tops up what is missing', async () => {
    const before = await demoTotals();
    expect(created(await seedDemo(strapi, SIZE))).toEqual({ users: 0, follows: 0, posts: 0, likes: 0, comments: 0, reports: 0 });
    expect(await demoTotals()).toEqual(before);

    // A run cut short: some likes and a user's follows never written.
    const [liker] = await numericRows(strapi, `SELECT l.user_id AS id FROM posts_liked_by_lnk l JOIN up_users u ON u.id = l.user_id
       WHERE u.email LIKE '%@demo.example' GROUP BY l.user_id ORDER BY count(*) DESC, l.user_id LIMIT 1`);
    const lost = await strapi.db.connection('posts_liked_by_lnk').where({ user_id: liker.id }).delete();
    const unfollowed = await strapi.db.connection('up_users_following_lnk').where({ user_id: liker.id }).delete();
    expect(lost).toBeGreaterThan(0);
    const again = created(await seedDemo(strapi, SIZE));
    expect(again).toEqual({ users: 0, follows: unfollowed, posts: 0, likes: lost, comments: 0, reports: 0 });
    expect(await demoTotals()).toEqual(before);
    await expectCountersExact(strapi, HOME);
  });

  it('runs as `npm run seed:demo` from another process while this one holds the database', async () => {
    const run = await runCli(['--users', String(SIZE.users), '--popular', String(SIZE.popular), '--newcomers', String(SIZE.newcomers), '--no-build']);
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/users 0 new \(\+30 already there\)/);
    expect(run.stdout).toContain(`password for every demo account: ${first.password}`);
    expect(run.stdout).toContain(first.logins[0].email);
    await expectCountersExact(strapi);
  }, 120_000);

  it('refuses NODE_ENV=production unless forced', async () => {
    const run = await runCli(['--no-build'], { NODE_ENV: 'production' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/refuses NODE_ENV=production/);
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await expect(seedDemo(strapi, SIZE)).rejects.toThrow(/NODE_ENV=production/);
    } finally {
      process.env.NODE_ENV = previous;
    }
  });
});
