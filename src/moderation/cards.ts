import type { Core } from '@strapi/strapi';
import { repositories } from '../db/repositories';
import { isPostgres } from '../db/dialect';
import { moderationRepository, type ItemRef, type ItemRow, type LogEntry } from '../db/repositories/moderation';
import { CARD_LOG_LIMIT, CARD_REPORT_LIMIT, cardTexts, queueCardPage } from '../db/repositories/moderation-cards';
import type { UserRecord } from '../db/repositories/user-record';
import { JsonItems } from '../lib/cursor-page';
import type { Position } from '../lib/cursor';
import type { MediaView } from '../lib/shapes';

/**
 * The console's cards: an item's content, its images, its open reports, its author's record and
 * the decisions so far. On PostgreSQL, one statement that writes the cards' JSON
 * (src/db/repositories/moderation-cards.ts), which for the queue also reads the page; on SQLite,
 * the same composed here from separate reads.
 */

type OpenReport = { kind: string; itemId: number; id: number; reason: string; details: string | null; createdAt: string; reporter: { id: number; username: string } | null };
type CardRow = { item: ItemRow; reports: OpenReport[]; log: LogEntry[]; media: MediaView[]; author: UserRecord | null };

/** An image of a card: the file, and the smallest of its formats as the thumbnail. */
const cardImage = (m: MediaView) => {
  const formats = Object.values(m.formats).sort((a, b) => (a.width ?? Infinity) - (b.width ?? Infinity));
  const thumb = m.formats.thumbnail ?? formats[0];
  return { id: m.id, url: m.url, mime: m.mime, width: m.width, height: m.height, alternativeText: m.alternativeText, thumbnail: thumb ? { url: thumb.url, width: thumb.width, height: thumb.height } : { url: m.url, width: m.width, height: m.height } };
};

/** The cards' parts from separate reads. */
async function cardRowsFromReads(strapi: Core.Strapi, refs: ItemRef[]): Promise<CardRow[]> {
  const repo = moderationRepository(strapi);
  const postIds = refs.filter((r) => r.kind === 'post').map((r) => r.id);
  const [items, reports, log, media] = await Promise.all([
    repo.items(refs),
    repo.openReports(refs),
    repo.entries({ items: refs, limit: 50 * Math.max(1, refs.length) }),
    repositories(strapi).media.ofPosts(postIds),
  ]);
  const authors = new Map((await repo.userRecords(items.flatMap((i) => (i.authorId === null ? [] : [i.authorId])))).map((u) => [u.id, u]));
  const byItem = new Map(items.map((item) => [`${item.kind}:${item.id}`, item]));
  return refs.flatMap((ref) => {
    const item = byItem.get(`${ref.kind}:${ref.id}`);
    if (!item) return [];
    return [
      {
        item,
        reports: reports.filter((r) => r.kind === ref.kind && r.itemId === ref.id),
        log: log.filter((e) => e.kind === ref.kind && e.itemId === ref.id).slice(0, CARD_LOG_LIMIT),
        media: item.kind === 'post' ? media.get(item.id) ?? [] : [],
        author: item.authorId === null ? null : authors.get(item.authorId) ?? null,
      },
    ];
  });
}

/** A card as the console shows it. */
function cardOf({ item, reports, log, media, author }: CardRow) {
  return {
    kind: item.kind,
    id: item.id,
    documentId: item.documentId,
    title: item.title,
    text: item.text,
    post: item.kind === 'comment' && item.postId !== null ? { id: item.postId, title: item.postTitle } : null,
    hidden: item.hidden,
    createdAt: item.createdAt,
    // A post's images in their order, each with the thumbnail the card shows (the upload
    // plugin's `thumbnail` format, else the smallest other format, else the file itself).
    media: media.map(cardImage),
    openReports: reports.length,
    reasons: [...new Set(reports.map((r) => r.reason))],
    // The oldest CARD_REPORT_LIMIT; openReports and reasons count them all.
    reports: reports.slice(0, CARD_REPORT_LIMIT).map(({ kind: _k, itemId: _i, ...r }) => r),
    author,
    log,
  };
}

export type Card = ReturnType<typeof cardOf>;

/** The cards from separate reads: SQLite's path, and on PostgreSQL the reference its one statement is tested against. */
export async function cardsFromReads(strapi: Core.Strapi, refs: ItemRef[]): Promise<Card[]> {
  return (await cardRowsFromReads(strapi, refs)).map(cardOf);
}

/** The cards of `refs`, in their order; items that are gone are left out. */
export async function loadCards(strapi: Core.Strapi, refs: ItemRef[]): Promise<Card[]> {
  if (isPostgres(strapi)) return (await cardTexts(strapi, refs)).map((text) => JSON.parse(text) as Card);
  return cardsFromReads(strapi, refs);
}

/**
 * A page of the queue with its cards. On PostgreSQL one statement, whose cards go out as the
 * JSON PostgreSQL wrote (JsonItems); on SQLite the page, then its cards.
 */
export async function loadQueuePage(strapi: Core.Strapi, limit: number, position: Position | null) {
  if (isPostgres(strapi)) {
    const { page, cards } = await queueCardPage(strapi, limit, position);
    return { page, data: new JsonItems(cards) };
  }
  const page = await moderationRepository(strapi).queuePage(limit, position);
  return { page, data: await cardsFromReads(strapi, page.items.map(({ item }) => ({ kind: item.kind, id: item.id }))) };
}
