import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';
import { z } from 'zod/v4';
import type { ItemKind, ItemRef } from '../db/repositories/moderation';
import { answerPage, type KeyedPage } from '../lib/cursor-page';
import { bodyOf } from '../lib/input';
import { cachedAdminStrategy } from '../auth/cached-admin-authenticate';
import { READ_QUEUE, ACT_ON_QUEUE } from './permissions';
import { loadCards, loadQueuePage } from './cards';
import { actorOf, moderation, type ItemAction } from './service';

/**
 * The console's admin API, under /moderation: admin routes (the admin panel's JWT, not the app's),
 * each behind admin::isAuthenticatedAdmin and admin::hasPermissions with the console's own RBAC
 * actions (src/moderation/permissions.ts). Input is validated with zod; anything malformed is a
 * 400 in Strapi's envelope.
 */
const { ValidationError } = errors;

const Id = z.string().regex(/^[1-9]\d{0,9}$/, 'must be a positive whole number').transform(Number).pipe(z.number().int().max(2_147_483_647));
const Kind = z.enum(['post', 'comment']);
const Action = z.enum(['hide', 'dismiss', 'hide-and-block', 'delete']);
const Note = z.string().trim().min(1, 'must not be empty').max(1000, 'must be at most 1000 characters');
const NOTE_REQUIRED: ItemAction[] = ['hide', 'hide-and-block'];

const ItemBody = z.looseObject({ note: Note.optional() });
const BulkBody = z.looseObject({
  action: Action,
  items: z.array(z.strictObject({ kind: Kind, id: z.number().int().min(1).max(2_147_483_647) })).min(1).max(100),
  note: Note.optional(),
});
const BlockBody = z.looseObject({ note: Note, hideAll: z.boolean().optional() });
const UnblockBody = z.looseObject({ note: Note.optional(), restore: z.boolean().optional() });
const LogQuery = z.looseObject({
  kind: z.enum(['post', 'comment', 'user']).optional(),
  id: Id.optional(),
  before: Id.optional(),
  limit: z.string().regex(/^\d{1,3}$/).transform(Number).pipe(z.number().int().min(1).max(100)).optional(),
});

/** Parses or throws a 400 naming each bad field. */
function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: issue.path.map(String), message: `${[where, ...issue.path].join('.')}: ${issue.message}`, name: 'ValidationError' }));
  throw new ValidationError(issues[0]?.message ?? `Invalid ${where}`, { errors: issues });
}

const QUEUE_LIST = { name: 'moderation-queue', keyLength: 4 };

type Handler = (ctx: Context) => Promise<void>;

export function moderationRoutes(strapi: Core.Strapi) {
  const svc = () => moderation(strapi);
  const actor = (ctx: Context) => actorOf(ctx.state.user);

  /** Cards for items: content, images, open reports, author record, decisions so far (src/moderation/cards.ts). */
  const cards = (refs: ItemRef[]) => loadCards(strapi, refs);

  const queue: Handler = async (ctx) => {
    await answerPage(strapi, ctx, QUEUE_LIST, async (request) => {
      const { page, data } = await loadQueuePage(strapi, request.limit, request.position);
      return { page: page as unknown as KeyedPage<number>, data };
    });
  };

  const refOf = (ctx: Context): ItemRef => ({ kind: parse(Kind, ctx.params.kind, 'kind') as ItemKind, id: parse(Id, ctx.params.id, 'id') });

  const item: Handler = async (ctx) => {
    const ref = refOf(ctx);
    const [card] = await cards([ref]);
    if (!card) throw new errors.NotFoundError(`No ${ref.kind} with id ${ref.id}`);
    ctx.body = { data: card };
  };

  const act: Handler = async (ctx) => {
    const ref = refOf(ctx);
    const action = parse(Action, ctx.params.action, 'action');
    const body = parse(ItemBody, bodyOf(ctx.request.body), 'body');
    if (NOTE_REQUIRED.includes(action) && body.note === undefined) parse(z.object({ note: Note }), body, 'body');
    ctx.body = { data: await svc().actOnItem(ref, action, actor(ctx), body.note) };
  };

  const bulk: Handler = async (ctx) => {
    const body = parse(BulkBody, bodyOf(ctx.request.body), 'body');
    if (NOTE_REQUIRED.includes(body.action) && body.note === undefined) parse(z.object({ note: Note }), body, 'body');
    const seen = new Set<string>();
    const refs = body.items.filter((r) => !seen.has(`${r.kind}:${r.id}`) && seen.add(`${r.kind}:${r.id}`)) as ItemRef[];
    ctx.body = { data: await svc().actOnItems(refs, body.action, actor(ctx), body.note) };
  };

  const log: Handler = async (ctx) => {
    const query = parse(LogQuery, ctx.query, 'query');
    if ((query.kind === undefined) !== (query.id === undefined)) parse(z.object({ kind: z.string(), id: z.string() }), {}, 'query');
    const limit = query.limit ?? 50;
    const filter = query.kind === 'user' ? { userId: query.id } : query.kind ? { items: [{ kind: query.kind as ItemKind, id: query.id as number }] } : {};
    ctx.body = { data: await svc().repo.entries({ ...filter, before: query.before, limit }) };
  };

  const user: Handler = async (ctx) => {
    const id = parse(Id, ctx.params.id, 'id');
    const { repo } = svc();
    const [record] = await repo.userRecords([id]);
    if (!record) throw new errors.NotFoundError(`No user with id ${id}`);
    const [content, reports, history, suspension] = await Promise.all([repo.contentOf(id, 50), repo.reportsAgainst(id, 50), repo.entries({ userId: id, limit: 100 }), repo.lastSuspension(strapi.db.connection, id)]);
    const hid = (suspension?.detail as { hidden?: unknown[] } | null)?.hidden ?? [];
    ctx.body = { data: { ...record, ...content, reports, history, lastSuspension: record.blocked && suspension ? { at: suspension.at, hidden: hid.length } : null } };
  };

  const block: Handler = async (ctx) => {
    const id = parse(Id, ctx.params.id, 'id');
    const body = parse(BlockBody, bodyOf(ctx.request.body), 'body');
    ctx.body = { data: await svc().block(id, actor(ctx), body.note, body.hideAll === true) };
  };

  const unblock: Handler = async (ctx) => {
    const id = parse(Id, ctx.params.id, 'id');
    const body = parse(UnblockBody, bodyOf(ctx.request.body), 'body');
    ctx.body = { data: await svc().unblock(id, actor(ctx), body.note, body.restore === true) };
  };

  const stats: Handler = async (ctx) => {
    const now = new Date();
    const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const week = new Date(now.getTime() - 7 * 86_400_000);
    const days = Array.from({ length: 30 }, (_, i) => new Date(today.getTime() - (29 - i) * 86_400_000));
    ctx.body = { data: await svc().repo.stats(today, week, days) };
  };

  const policies = (action: string) => ['admin::isAuthenticatedAdmin', { name: 'admin::hasPermissions', config: { actions: [action] } }];
  // The admin panel's session tokens through the cached `admin` strategy, admin API tokens
  // through Strapi's own `admin-token` one, as on every admin route (src/auth/cached-admin-authenticate.ts).
  const auth = { scope: [], strategies: [cachedAdminStrategy(strapi), 'admin-token'] };
  const route = (method: string, path: string, handler: Handler, action: string) => ({ method, path, handler, config: { auth, policies: policies(action) } });

  return [
    route('GET', '/queue', queue, READ_QUEUE),
    route('GET', '/items/:kind/:id', item, READ_QUEUE),
    route('POST', '/items/:kind/:id/:action', act, ACT_ON_QUEUE),
    route('POST', '/bulk', bulk, ACT_ON_QUEUE),
    route('GET', '/log', log, READ_QUEUE),
    route('GET', '/users/:id', user, READ_QUEUE),
    route('POST', '/users/:id/block', block, ACT_ON_QUEUE),
    route('POST', '/users/:id/unblock', unblock, ACT_ON_QUEUE),
    route('GET', '/stats', stats, READ_QUEUE),
  ];
}

/** Mounts the routes as an admin router under /moderation (called from register()). */
export function registerModerationRoutes(strapi: Core.Strapi): void {
  strapi.server.routes({ type: 'admin', prefix: '/moderation', routes: moderationRoutes(strapi) } as never);
}
