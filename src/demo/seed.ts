/**
 * Writes the demo network (src/demo/plan.ts) into a development database through the app's own
 * services: the users-permissions plugin's user service for accounts (so passwords are hashed
 * and every account rule holds), and the post, comment, profile and report services for the
 * rest, exactly as the API routes call them. Every counter, ordered index and home-timeline row
 * (src/db/derived) is therefore written by the database triggers in the same transaction as the
 * row it derives from: nothing here computes a counter.
 *
 * Safe to run twice: each stage first reads what the demo accounts (emails @demo.example)
 * already have, and only writes what the plan adds to it (a first run cut short is topped up; a
 * complete one writes nothing).
 *
 * Not seeded yet, because the app does not have them yet: images (the media issue) and
 * notifications (their issue). Each will be one more entry of STAGES, e.g. `images` after
 * `posts`, and `notifications` last.
 *
 * Used by scripts/seed-demo.mjs (`npm run seed:demo`) and tests/seed-demo.test.ts.
 */
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { tables } from '../db/tables';
import type { ReportReason } from '../lib/report-input';
import { DEFAULT_OPTIONS, DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, planDemo, type DemoOptions, type DemoPlan, type PostKey } from './plan';

export { DEFAULT_OPTIONS, DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, planDemo };
export type { DemoOptions, DemoPlan };

const USER = 'plugin::users-permissions.user';
const POST = 'api::post.post';
const COMMENT = 'api::comment.comment';
const REPORT = 'api::report.report';

/** How a caller follows the work: one bar per stage. */
export type Progress = { start(stage: string, total: number): void; tick(count?: number): void; end(): void };
export const silentProgress: Progress = { start() {}, tick() {}, end() {} };

type Row = { id: number; documentId: string };
type Caller = Row;
type Ref = { id: number };
type ReportInput = { reason: ReportReason; details: string };
/** The services' methods the seeder calls (src/api/*\/services), typed here by what they are given. */
type PostService = {
  createPost(author: Caller, input: { title: string; description: string }): Promise<Row>;
  like(ref: Ref, userId: number): Promise<unknown>;
  addComment(ref: Ref, author: Caller, content: string): Promise<Row>;
  report(ref: Ref, reporter: Caller, input: ReportInput): Promise<unknown>;
};
type CommentService = { report(ref: Ref, reporter: Caller, input: ReportInput): Promise<unknown> };
type ProfileService = { follow(followerId: number, ref: Ref): Promise<unknown> };
type UserService = { add(values: Record<string, unknown>): Promise<Row> };

/** What a stage shares with the next: the rows the plan's indexes stand for, as they are found or made. */
type Context = {
  strapi: Core.Strapi;
  plan: DemoPlan;
  knex: Knex;
  /** How many writes run at once: 1 on SQLite (one writer, one connection), a few on PostgreSQL. */
  parallel: number;
  users: Array<Row | undefined>;
  /** Per author index, their demo posts in id order. */
  posts: Row[][];
  /** Per `${author}:${n}` post key, the demo comments on it in id order. */
  comments: Map<string, Row[]>;
};
export type StageCount = { created: number; existing: number };
type Stage = { name: string; run: (ctx: Context, progress: Progress) => Promise<StageCount> };

const keyOf = (post: PostKey) => `${post.author}:${post.n}`;

/** Runs `work` over `items`, `parallel` at a time, ticking the progress bar once per item. */
async function each<T>(items: T[], parallel: number, progress: Progress, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += parallel) {
    const batch = items.slice(i, i + parallel);
    await Promise.all(batch.map(work));
    progress.tick(batch.length);
  }
}

const postAt = (ctx: Context, post: PostKey): Row | undefined => ctx.posts[post.author]?.[post.n];
const userAt = (ctx: Context, index: number): Row => {
  const row = ctx.users[index];
  if (!row) throw new Error(`demo user #${index} is missing`);
  return row;
};
const idsOf = (rows: Array<Row | undefined>) => rows.flatMap((row) => (row ? [row.id] : []));

/** Backdates a row the way the Content Manager would write it: the triggers copy the new date into the ordered indexes. */
async function backdate(strapi: Core.Strapi, uid: string, id: number, at: Date): Promise<void> {
  await strapi.db.query(uid as never).update({ where: { id }, data: { createdAt: at, updatedAt: at } });
}

const users: Stage = {
  name: 'users',
  async run(ctx, progress) {
    const { strapi, plan } = ctx;
    const found = (await strapi.db.query(USER).findMany({
      where: { email: { $endsWith: `@${DEMO_EMAIL_DOMAIN}` } },
      select: ['id', 'documentId', 'email'],
    })) as Array<Row & { email: string }>;
    const byEmail = new Map(found.map((row) => [row.email, { id: row.id, documentId: row.documentId }]));
    ctx.users = plan.users.map((user) => byEmail.get(user.email));
    const missing = plan.users.filter((user) => !byEmail.has(user.email));
    const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } });
    const service = strapi.plugin('users-permissions').service('user') as unknown as UserService;
    progress.start('users', plan.users.length);
    progress.tick(plan.users.length - missing.length);
    // bcrypt makes each account cost tens of ms of CPU; on PostgreSQL a few at once keep the database busy meanwhile.
    await each(missing, ctx.parallel, progress, async (user) => {
      const values = { email: user.email, password: DEMO_PASSWORD, name: user.name, bio: user.bio, provider: 'local', confirmed: true, blocked: false, role: role.id };
      let created: Row;
      try {
        created = await service.add({ ...values, username: user.username });
      } catch {
        // A developer's own account already has this username (unique without regard to case).
        created = await service.add({ ...values, username: `${user.username}_demo${user.index}` });
      }
      await backdate(strapi, USER, created.id, user.joinedAt);
      ctx.users[user.index] = { id: created.id, documentId: created.documentId };
    });
    progress.end();
    return { created: missing.length, existing: plan.users.length - missing.length };
  },
};

const follows: Stage = {
  name: 'follows',
  async run(ctx, progress) {
    const F = tables(ctx.strapi).follows;
    const ids = idsOf(ctx.users);
    const rows = (await ctx.knex(F.table).select(`${F.owner} as a`, `${F.target} as b`).whereIn(F.owner, ids)) as Array<{ a: number; b: number }>;
    const have = new Set(rows.map((row) => `${Number(row.a)}:${Number(row.b)}`));
    const missing = ctx.plan.follows.filter(([a, b]) => !have.has(`${userAt(ctx, a).id}:${userAt(ctx, b).id}`));
    const profiles = ctx.strapi.service('api::profile.profile') as unknown as ProfileService;
    progress.start('follows', ctx.plan.follows.length);
    progress.tick(ctx.plan.follows.length - missing.length);
    await each(missing, ctx.parallel, progress, async ([a, b]) => {
      await profiles.follow(userAt(ctx, a).id, { id: userAt(ctx, b).id });
    });
    progress.end();
    return { created: missing.length, existing: ctx.plan.follows.length - missing.length };
  },
};

const posts: Stage = {
  name: 'posts',
  async run(ctx, progress) {
    const A = tables(ctx.strapi).postAuthor;
    const t = tables(ctx.strapi);
    const rows = (await ctx
      .knex(`${A.table} as a`)
      .join(`${t.posts} as p`, 'p.id', `a.${A.owner}`)
      .select('p.id', 'p.document_id', `a.${A.target} as author_id`)
      .whereIn(`a.${A.target}`, idsOf(ctx.users))
      .orderBy('p.id')) as Array<{ id: number; document_id: string; author_id: number }>;
    const byAuthor = new Map<number, Row[]>();
    for (const row of rows) {
      const list = byAuthor.get(Number(row.author_id)) ?? [];
      list.push({ id: Number(row.id), documentId: row.document_id });
      byAuthor.set(Number(row.author_id), list);
    }
    ctx.posts = ctx.plan.posts.map((_, index) => byAuthor.get(userAt(ctx, index).id) ?? []);
    const planned = ctx.plan.posts.flat();
    const missing = planned.filter((post) => ctx.posts[post.author].length <= post.n);
    const service = ctx.strapi.service(POST) as unknown as PostService;
    progress.start('posts', planned.length);
    progress.tick(planned.length - missing.length);
    // One author's posts in order, so that the n-th planned post is the n-th row.
    const byPlannedAuthor = [...new Set(missing.map((post) => post.author))].map((author) => missing.filter((post) => post.author === author));
    await each(byPlannedAuthor, ctx.parallel, silentProgress, async (list) => {
      for (const post of list) {
        const created = await service.createPost(userAt(ctx, post.author), { title: post.title, description: post.description });
        await backdate(ctx.strapi, POST, created.id, post.createdAt);
        ctx.posts[post.author][post.n] = { id: created.id, documentId: created.documentId };
        progress.tick();
      }
    });
    progress.end();
    return { created: missing.length, existing: planned.length - missing.length };
  },
};

const likes: Stage = {
  name: 'likes',
  async run(ctx, progress) {
    const L = tables(ctx.strapi).likes;
    const rows = (await ctx.knex(L.table).select(`${L.owner} as p`, `${L.target} as u`).whereIn(L.target, idsOf(ctx.users))) as Array<{ p: number; u: number }>;
    const have = new Set(rows.map((row) => `${Number(row.p)}:${Number(row.u)}`));
    const wanted = ctx.plan.likes.filter(([post]) => postAt(ctx, post));
    const missing = wanted.filter(([post, user]) => !have.has(`${postAt(ctx, post)!.id}:${userAt(ctx, user).id}`));
    const service = ctx.strapi.service(POST) as unknown as PostService;
    progress.start('likes', wanted.length);
    progress.tick(wanted.length - missing.length);
    await each(missing, ctx.parallel, progress, async ([post, user]) => {
      await service.like({ id: postAt(ctx, post)!.id }, userAt(ctx, user).id);
    });
    progress.end();
    return { created: missing.length, existing: wanted.length - missing.length };
  },
};

const comments: Stage = {
  name: 'comments',
  async run(ctx, progress) {
    const t = tables(ctx.strapi);
    const C = t.commentPost;
    const CA = t.commentAuthor;
    const rows = (await ctx
      .knex(`${C.table} as l`)
      .join(`${t.comments} as c`, 'c.id', `l.${C.owner}`)
      .join(`${CA.table} as ca`, `ca.${CA.owner}`, 'c.id')
      .select('c.id', 'c.document_id', `l.${C.target} as post_id`)
      .whereIn(`ca.${CA.target}`, idsOf(ctx.users))
      .orderBy('c.id')) as Array<{ id: number; document_id: string; post_id: number }>;
    const byPost = new Map<number, Row[]>();
    for (const row of rows) {
      const list = byPost.get(Number(row.post_id)) ?? [];
      list.push({ id: Number(row.id), documentId: row.document_id });
      byPost.set(Number(row.post_id), list);
    }
    ctx.comments = new Map();
    for (const post of ctx.plan.posts.flat()) {
      const row = postAt(ctx, post);
      if (row) ctx.comments.set(keyOf(post), byPost.get(row.id) ?? []);
    }
    const wanted = ctx.plan.comments.filter((comment) => ctx.comments.has(keyOf(comment.post)));
    const missing = wanted.filter((comment) => ctx.comments.get(keyOf(comment.post))!.length <= comment.n);
    const service = ctx.strapi.service(POST) as unknown as PostService;
    progress.start('comments', wanted.length);
    progress.tick(wanted.length - missing.length);
    const byPlannedPost = [...new Set(missing.map((comment) => keyOf(comment.post)))].map((key) => missing.filter((comment) => keyOf(comment.post) === key));
    await each(byPlannedPost, ctx.parallel, silentProgress, async (list) => {
      for (const comment of list) {
        const created = await service.addComment({ id: postAt(ctx, comment.post)!.id }, userAt(ctx, comment.author), comment.content);
        await backdate(ctx.strapi, COMMENT, created.id, comment.createdAt);
        ctx.comments.get(keyOf(comment.post))![comment.n] = { id: created.id, documentId: created.documentId };
        progress.tick();
      }
    });
    progress.end();
    return { created: missing.length, existing: wanted.length - missing.length };
  },
};

const reports: Stage = {
  name: 'reports',
  async run(ctx, progress) {
    const postService = ctx.strapi.service(POST) as unknown as PostService;
    const commentService = ctx.strapi.service(COMMENT) as unknown as CommentService;
    let created = 0;
    let existing = 0;
    progress.start('reports', ctx.plan.reports.length);
    for (const report of ctx.plan.reports) {
      const post = postAt(ctx, report.post);
      const target = report.kind === 'post' ? post : ctx.comments.get(keyOf(report.post))?.[report.comment];
      if (target) {
        const reporter = userAt(ctx, report.reporter);
        // Once filed, never again: not even after a moderator closed it.
        const filed = await ctx.strapi.db.query(REPORT).findOne({ where: { reporter: { id: reporter.id }, [report.kind]: { id: target.id } }, select: ['id'] });
        if (filed) existing += 1;
        else {
          const input = { reason: report.reason, details: report.details };
          await (report.kind === 'post' ? postService.report({ id: target.id }, reporter, input) : commentService.report({ id: target.id }, reporter, input));
          created += 1;
        }
      }
      progress.tick();
    }
    progress.end();
    return { created, existing };
  },
};

/** In order: each stage reads what the ones before it found or made. */
export const STAGES: Stage[] = [users, follows, posts, likes, comments, reports];

export type DemoLogin = { role: string; username: string; email: string; name: string; followers: number; posts: number };
export type DemoResult = { counts: Record<string, StageCount>; logins: DemoLogin[]; password: string };

/**
 * Seeds (or tops up) the demo network on a loaded Strapi. Refuses NODE_ENV=production unless
 * `force`: the demo accounts share a published password.
 */
export async function seedDemo(
  strapi: Core.Strapi,
  options: Partial<DemoOptions> & { force?: boolean; progress?: Progress } = {}
): Promise<DemoResult> {
  if (process.env.NODE_ENV === 'production' && !options.force) {
    throw new Error('Refusing to seed demo data with NODE_ENV=production (demo accounts share a published password); pass force to override.');
  }
  const plan = planDemo({ ...DEFAULT_OPTIONS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) });
  const knex = strapi.db.connection;
  const postgres = strapi.db.dialect.client === 'postgres';
  if (!postgres) {
    // This process's own connection only: WAL with synchronous=NORMAL skips the fsync of every
    // commit (a power cut may lose the last commits, never corrupt the file). Demo data only.
    await knex.raw('PRAGMA synchronous = NORMAL');
  }
  const ctx: Context = { strapi, plan, knex, parallel: postgres ? 4 : 1, users: [], posts: [], comments: new Map() };
  const progress = options.progress ?? silentProgress;
  const counts: Record<string, StageCount> = {};
  for (const stage of STAGES) counts[stage.name] = await stage.run(ctx, progress);

  const t = tables(strapi);
  const F = t.follows;
  const followers = (id: number) => ctx.knex(F.table).where(F.target, id).count({ n: '*' }).first();
  const show = async (role: string, index: number): Promise<DemoLogin> => {
    const user = plan.users[index];
    const row = await followers(userAt(ctx, index).id);
    return { role, username: user.username, email: user.email, name: user.name, followers: Number(row?.n ?? 0), posts: ctx.posts[index]?.length ?? 0 };
  };
  const regular = plan.users.findIndex((user, i) => user.role === 'regular' && plan.posts[i].length >= 3);
  const logins = [
    await show('popular account', 0),
    await show('regular user', regular >= 0 ? regular : plan.users.findIndex((user) => user.role === 'regular')),
    await show('newcomer', plan.users.length - 1),
  ];
  return { counts, logins, password: DEMO_PASSWORD };
}
