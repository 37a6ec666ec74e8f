import { z } from 'zod/v4';
import { REPORT_REASONS } from '../report-input';

/**
 * The shapes the API answers with, as zod schemas (Strapi's route `response` format). `meta.id`
 * names each one: @strapi/openapi writes an identified schema once, under components.schemas,
 * and refers to it wherever a route nests it, so a generated client gets one `Post` type.
 * `z.object` is strict in the description (additionalProperties: false): a field the code adds
 * without adding it here fails tests/openapi.test.ts. The TypeScript shapes (src/lib/shapes.ts)
 * are checked against these at compile time (./shapes-match.ts).
 */
const id = z.int().positive().describe('Numeric id');
const documentId = z.string().describe('Strapi documentId (cuid2)');
const timestamp = z.iso.datetime().describe('ISO 8601, UTC');
const count = z.int().nonnegative();

export const Author = z
  .object({ id, documentId, username: z.string(), name: z.string().nullable() })
  .meta({ id: 'Author', description: 'The author of a post or a comment' });

const editedAt = timestamp.nullable().describe("Set when the author edits it (a moderator's edit leaves it alone); null until then");

export const Comment = z
  .object({ id, documentId, content: z.string(), createdAt: timestamp, editedAt, author: Author.nullable() })
  .meta({ id: 'Comment' });

const formatOf = z.object({ url: z.string(), width: z.int().nullable(), height: z.int().nullable() });

export const Media = z
  .object({
    id,
    url: z.string().describe('Absolute, or starting with /uploads/ on this server'),
    mime: z.string(),
    width: z.int().nullable(),
    height: z.int().nullable(),
    size: count.describe('Bytes'),
    alternativeText: z.string().nullable(),
    formats: z.record(z.string(), formatOf).describe('thumbnail, small, medium: the sizes made of the image'),
  })
  .meta({ id: 'Media', description: 'An uploaded image' });

export const Post = z
  .object({
    id,
    documentId,
    title: z.string(),
    description: z.string().describe('"" when the post was created without one'),
    createdAt: timestamp,
    updatedAt: timestamp,
    editedAt,
    author: Author.nullable(),
    media: z.array(Media).describe('Its images, in display order'),
    hidden: z.boolean().describe('true only for a post a moderator hid; only its author ever sees it'),
    likes: count,
    likedByMe: z.boolean().describe('false for anonymous callers'),
    commentsCount: count.describe('All visible comments'),
    comments: z.array(Comment).describe('The first 25 visible comments, oldest first'),
  })
  .meta({ id: 'Post' });

export const LikeState = z
  .object({ id, documentId, likes: count, likedByMe: z.boolean() })
  .meta({ id: 'LikeState', description: "A post's like count and whether the caller likes it" });

/** What a delete answers: the key of what is gone. */
export const DeletedEntry = z.object({ id, documentId }).meta({ id: 'DeletedEntry' });

const counts = {
  followers: count,
  following: count,
  posts: count.describe('Visible posts (the owner also counts their hidden ones)'),
};

const profileFields = {
  bio: z.string().describe('"" when not set'),
  avatar: Media.nullable(),
  createdAt: timestamp,
};

export const PublicProfile = z
  .object({
    id,
    documentId,
    username: z.string(),
    name: z.string().nullable(),
    ...profileFields,
    ...counts,
    followedByMe: z.boolean().describe('Whether the caller follows this user; false for anonymous callers'),
    followsMe: z.boolean().describe('Whether this user follows the caller; false for anonymous callers'),
    blockedByMe: z.boolean().describe('Whether the caller blocked this user; false for anonymous callers'),
    mutedByMe: z.boolean().describe('Whether the caller muted this user; false for anonymous callers'),
  })
  .meta({ id: 'PublicProfile', description: 'A user as others see them: never the email' });

export const OwnProfile = z
  .object({ id, documentId, username: z.string(), name: z.string().nullable(), email: z.email(), ...profileFields, ...counts })
  .meta({ id: 'OwnProfile', description: "The caller's own profile" });

export const Report = z
  .object({
    id,
    documentId,
    reason: z.enum(REPORT_REASONS),
    details: z.string().nullable(),
    status: z.enum(['open', 'resolved', 'dismissed']),
    createdAt: timestamp,
  })
  .meta({ id: 'Report', description: 'A report to the moderators' });

export const Pagination = z
  .object({
    page: z.int().positive(),
    pageSize: z.int().positive().describe('The size used, after the cap of 100'),
    pageCount: count,
    total: count,
  })
  .meta({ id: 'Pagination' });

export const Notification = z
  .object({
    id,
    type: z.enum(['follow', 'like', 'comment']),
    createdAt: timestamp,
    read: z.boolean(),
    actor: Author.describe('Who followed, liked or commented'),
    post: z.object({ id, documentId, title: z.string() }).nullable().describe('The post liked or commented on; null for a follow'),
    comment: Comment.nullable().describe('The comment; null for a like or a follow'),
  })
  .meta({ id: 'Notification', description: 'Someone followed the caller, liked or commented on one of their posts' });

export const UnreadCount = z.object({ count }).meta({ id: 'UnreadCount', description: 'How many notifications are unread' });
