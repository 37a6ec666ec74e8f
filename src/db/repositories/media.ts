import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import type { MediaView } from '../../lib/shapes';
import { isPostgres, isUniqueViolation, pgIntArray, q } from '../dialect';
import { prepared } from '../prepared';
import { tables } from '../tables';

/**
 * Uploads through the API (POST /media), on top of the upload plugin's files.
 *
 * - `social_media` (our own table, never dropped): one row per API upload, with its uploader, its
 *   size in bytes (the plugin keeps kB rounded to 10 bytes) and since when it is attached to
 *   nothing (`free_since`, NULL while attached). The plugin's file row does not say which API
 *   user uploaded it; this does. Deleting the file row deletes it (ON DELETE CASCADE); deleting
 *   the user leaves it with no owner, for the clean-up task.
 * - Attachments are the upload plugin's own morph links (`files_related_mph`: file, related type
 *   and id, field, order), written for the post's `media` field and the user's `avatar` field, so
 *   the Content Manager shows them, in order. A partial UNIQUE index on the file column, for
 *   those two fields, makes "attached nowhere else" a rule of the database: two requests racing
 *   for one upload cannot both write a link, whatever the lock does.
 */
export const MEDIA_TABLE = 'social_media';
export const POST_UID = 'api::post.post';
export const USER_UID = 'plugin::users-permissions.user';
const FILE_UID = 'plugin::upload.file';
const ATTACHED_ONCE = 'social_media_attached_once';
const RELATED_INDEX = 'social_media_related';

export type Db = Knex | Knex.Transaction;
type Row = Record<string, unknown>;

/** The plugin's morph link table of files, from Strapi's metadata. */
export type MorphTable = { table: string; file: string; type: string; id: string; field: string; order: string };

type MorphJoinTable = {
  name: string;
  joinColumn: { name: string };
  morphColumn: { typeColumn: { name: string }; idColumn: { name: string } };
};

export function morphTable(strapi: Core.Strapi): MorphTable {
  const meta = strapi.db.metadata.get(FILE_UID as never) as unknown as { attributes: Record<string, { joinTable?: MorphJoinTable }> };
  const joinTable = meta.attributes.related?.joinTable;
  if (!joinTable) throw new Error('plugin::upload.file.related has no join table');
  return {
    table: joinTable.name,
    file: joinTable.joinColumn.name,
    type: joinTable.morphColumn.typeColumn.name,
    id: joinTable.morphColumn.idColumn.name,
    field: 'field',
    order: 'order',
  };
}

export const filesTable = (strapi: Core.Strapi): string => (strapi.db.metadata.get(FILE_UID as never) as unknown as { tableName: string }).tableName;

/** Creates what the media rules need, if missing (idempotent; run at every start-up). */
export async function ensureMediaTables(strapi: Core.Strapi): Promise<void> {
  const knex = strapi.db.connection as Knex;
  const m = morphTable(strapi);
  const files = filesTable(strapi);
  const users = tables(strapi).users;
  const time = isPostgres(strapi) ? 'timestamptz' : 'datetime';
  await knex.raw(
    `CREATE TABLE IF NOT EXISTS ${q(MEDIA_TABLE)} (
       file_id integer PRIMARY KEY REFERENCES ${q(files)} (id) ON DELETE CASCADE,
       user_id integer REFERENCES ${q(users)} (id) ON DELETE SET NULL,
       bytes bigint,
       created_at ${time} NOT NULL,
       free_since ${time}
     )`
  );
  await knex.raw(`CREATE INDEX IF NOT EXISTS social_media_free ON ${q(MEDIA_TABLE)} (free_since)`);
  await knex.raw(`CREATE INDEX IF NOT EXISTS social_media_owner ON ${q(MEDIA_TABLE)} (user_id)`);
  // One link per file among posts' media and users' avatars (other fields, e.g. an admin's own
  // content types, are not ours to restrict).
  await knex.raw(
    `CREATE UNIQUE INDEX IF NOT EXISTS ${ATTACHED_ONCE} ON ${q(m.table)} (${q(m.file)})
       WHERE ${q(m.field)} IN ('media', 'avatar') AND ${q(m.type)} IN ('${POST_UID}', '${USER_UID}')`
  );
  // A page of posts reads its media by (related id, type, field) in order.
  await knex.raw(`CREATE INDEX IF NOT EXISTS ${RELATED_INDEX} ON ${q(m.table)} (${q(m.id)}, ${q(m.type)}, ${q(m.field)}, ${q(m.order)})`);
}

/** Why an attach was refused, for the service to word. */
export class AttachRefused extends Error {
  constructor(readonly reason: 'not-yours' | 'attached') {
    super(reason);
  }
}

type FormatRow = { url?: unknown; width?: unknown; height?: unknown };

const intOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** A file row (with the media columns) as the API shows it. */
export function toMediaView(row: Row, prefix = ''): MediaView {
  const get = (key: string) => row[`${prefix}${key}`];
  let formats = get('formats');
  if (typeof formats === 'string') {
    try {
      formats = JSON.parse(formats);
    } catch {
      formats = null;
    }
  }
  const out: MediaView['formats'] = {};
  for (const [key, value] of Object.entries((formats as Record<string, FormatRow> | null) ?? {})) {
    if (value && typeof value.url === 'string') out[key] = { url: value.url, width: intOrNull(value.width), height: intOrNull(value.height) };
  }
  const bytes = get('bytes');
  return {
    id: Number(get('file_id')),
    url: String(get('url')),
    mime: String(get('mime')),
    width: intOrNull(get('width')),
    height: intOrNull(get('height')),
    // Uploads of the Media Library have no row of ours: the plugin's kB, back in bytes.
    size: bytes == null ? Math.round(Number(get('size_kb') ?? 0) * 1000) : Number(bytes),
    alternativeText: (get('alternative_text') as string | null) ?? null,
    formats: out,
  };
}

/** The file columns a media view needs, from files `f` and social_media `sm`, each prefixed. */
export const mediaColumns = (prefix: string): string[] => [
  `f.id AS ${prefix}file_id`,
  `f.url AS ${prefix}url`,
  `f.mime AS ${prefix}mime`,
  `f.width AS ${prefix}width`,
  `f.height AS ${prefix}height`,
  `f.size AS ${prefix}size_kb`,
  `f.alternative_text AS ${prefix}alternative_text`,
  `f.formats AS ${prefix}formats`,
  `sm.bytes AS ${prefix}bytes`,
];

export function mediaRepository(strapi: Core.Strapi) {
  const knex = (): Knex => strapi.db.connection;

  /**
   * Locks the caller's uploads among `fileIds` (PostgreSQL: FOR UPDATE, so two attaches of one
   * upload take turns and the second sees the first's link) and checks each is the caller's and
   * linked nowhere but to (`type`, `relatedId`, `field`).
   */
  const claim = async (trx: Db, ownerId: number, fileIds: number[], keep: { type: string; id: number; field: string }): Promise<void> => {
    if (fileIds.length === 0) return;
    const m = morphTable(strapi);
    const owned = trx(MEDIA_TABLE).select('file_id').whereIn('file_id', fileIds).where('user_id', ownerId);
    if (isPostgres(strapi)) owned.forUpdate();
    const mine = new Set(((await owned) as Array<{ file_id: unknown }>).map((row) => Number(row.file_id)));
    if (fileIds.some((id) => !mine.has(id))) throw new AttachRefused('not-yours');
    const elsewhere = await trx(m.table)
      .select(m.file)
      .whereIn(m.file, fileIds)
      .whereIn(m.field, ['media', 'avatar'])
      .whereIn(m.type, [POST_UID, USER_UID])
      .whereNot((b) => b.where({ [m.type]: keep.type, [m.id]: keep.id, [m.field]: keep.field }))
      .first();
    if (elsewhere) throw new AttachRefused('attached');
  };

  /** Replaces the links of (type, id, field) by `fileIds`, in order; unlinked uploads become free. */
  const relink = async (trx: Db, ownerId: number, target: { type: string; id: number; field: string }, fileIds: number[]): Promise<void> => {
    await claim(trx, ownerId, fileIds, target);
    const m = morphTable(strapi);
    const where = { [m.type]: target.type, [m.id]: target.id, [m.field]: target.field };
    const before = ((await trx(m.table).select(m.file).where(where)) as Row[]).map((row) => Number(row[m.file]));
    await trx(m.table).where(where).delete();
    if (fileIds.length > 0) {
      try {
        await trx(m.table).insert(fileIds.map((fileId, i) => ({ [m.file]: fileId, ...where, [m.order]: i + 1 })));
      } catch (error) {
        // SQLite has no row lock to take: a racing attach that got there first is refused here.
        if (isUniqueViolation(error)) throw new AttachRefused('attached');
        throw error;
      }
      await trx(MEDIA_TABLE).whereIn('file_id', fileIds).update({ free_since: null });
    }
    const freed = before.filter((id) => !fileIds.includes(id));
    if (freed.length > 0) await trx(MEDIA_TABLE).whereIn('file_id', freed).update({ free_since: new Date() });
  };

  return {
    /** The upload plugin's file row for a stored image (what its own upload() writes). */
    async createFileRow(fileData: Record<string, unknown>): Promise<number> {
      const { filepath: _path, getStream: _stream, tmpWorkingDirectory: _dir, stream: _s, buffer: _b, ...data } = fileData;
      const created = (await strapi.db.query(FILE_UID as never).create({ data })) as { id: number };
      return created.id;
    },

    /** Records an API upload of `userId`, attached to nothing yet; `bytes` null when unknown to the byte. */
    async recordUpload(fileId: number, userId: number, bytes: number | null): Promise<void> {
      const now = new Date();
      await knex()(MEDIA_TABLE).insert({ file_id: fileId, user_id: userId, bytes, created_at: now, free_since: now });
    },

    async view(fileId: number): Promise<MediaView | null> {
      const row = (await knex()
        .select(knex().raw(mediaColumns('').join(', ')))
        .from(`${filesTable(strapi)} as f`)
        .leftJoin(`${MEDIA_TABLE} as sm`, 'sm.file_id', 'f.id')
        .where('f.id', fileId)
        .first()) as Row | undefined;
      return row ? toMediaView(row) : null;
    },

    /** The post's media, in order (a post's `media` field). */
    setPostMedia: (trx: Db, ownerId: number, postId: number, fileIds: number[]) => relink(trx, ownerId, { type: POST_UID, id: postId, field: 'media' }, fileIds),

    /** The user's avatar (the user's `avatar` field), or none. */
    setAvatar: (trx: Db, userId: number, fileId: number | null) => relink(trx, userId, { type: USER_UID, id: userId, field: 'avatar' }, fileId === null ? [] : [fileId]),

    /** The file ids linked to a post's `media`. */
    async postFileIds(db: Db, postId: number): Promise<number[]> {
      const m = morphTable(strapi);
      const rows = (await db(m.table).select(m.file).where({ [m.type]: POST_UID, [m.id]: postId, [m.field]: 'media' })) as Row[];
      return rows.map((row) => Number(row[m.file]));
    },

    /** The media of each post, in display order: one query for a page. */
    async ofPosts(postIds: number[] | { documentId: string }): Promise<Map<number, MediaView[]>> {
      const result = new Map<number, MediaView[]>();
      if (Array.isArray(postIds) && postIds.length === 0) return result;
      const m = morphTable(strapi);
      const db = knex();
      const query = db(`${m.table} as l`)
        .join(`${filesTable(strapi)} as f`, 'f.id', `l.${m.file}`)
        .leftJoin(`${MEDIA_TABLE} as sm`, 'sm.file_id', 'f.id')
        .select(db.raw(`l.${q(m.id)} AS post_id, ${mediaColumns('').join(', ')}`))
        .where(`l.${m.type}`, POST_UID)
        .where(`l.${m.field}`, 'media')
        .orderBy([`l.${m.id}`, `l.${m.order}`]);
      if (!Array.isArray(postIds)) query.whereRaw(`l.${q(m.id)} = (SELECT id FROM ${q(tables(strapi).posts)} WHERE document_id = ?)`, [postIds.documentId]);
      else if (isPostgres(strapi)) query.whereRaw(`l.${q(m.id)} = ANY(?::int[])`, [pgIntArray(postIds)]);
      else query.whereIn(`l.${m.id}`, postIds);
      for (const row of (await prepared(strapi, query)) as Row[]) {
        const postId = Number(row.post_id);
        const list = result.get(postId) ?? [];
        list.push(toMediaView(row));
        result.set(postId, list);
      }
      return result;
    },

    /**
     * API uploads to delete: attached to nothing (no link to an existing post or user) since
     * before `cutoff`, or whose uploader is gone. At most `limit`.
     */
    async expired(cutoff: Date, limit: number): Promise<number[]> {
      const m = morphTable(strapi);
      const t = tables(strapi);
      const rows = (await knex()
        .raw(
          `SELECT sm.file_id FROM ${q(MEDIA_TABLE)} sm
            WHERE (sm.user_id IS NULL OR sm.free_since IS NULL OR sm.free_since < ?)
              AND NOT EXISTS (SELECT 1 FROM ${q(m.table)} l
                               WHERE l.${q(m.file)} = sm.file_id AND (
                                 (l.${q(m.type)} = '${POST_UID}' AND EXISTS (SELECT 1 FROM ${q(t.posts)} p WHERE p.id = l.${q(m.id)}))
                                 OR (l.${q(m.type)} = '${USER_UID}' AND EXISTS (SELECT 1 FROM ${q(t.users)} u WHERE u.id = l.${q(m.id)}))
                                 OR l.${q(m.type)} NOT IN ('${POST_UID}', '${USER_UID}')))
            ORDER BY sm.file_id LIMIT ${Math.trunc(limit)}`,
          [cutoff]
        )
        .then((r: unknown) => (Array.isArray(r) ? r : (r as { rows: Row[] }).rows))) as Row[];
      return rows.map((row) => Number(row.file_id));
    },

    /** Moves an upload's free time (tests: "a day ago"). */
    async setFreeSince(fileId: number, when: Date | null): Promise<void> {
      await knex()(MEDIA_TABLE).where('file_id', fileId).update({ free_since: when });
    },
  };
}

export const ATTACH_INDEX = ATTACHED_ONCE;
