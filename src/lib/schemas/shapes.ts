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

export const Comment = z
  .object({ id, documentId, content: z.string(), createdAt: timestamp, author: Author.nullable() })
  .meta({ id: 'Comment' });

export const Post = z
  .object({
    id,
    documentId,
    title: z.string(),
    description: z.string().describe('"" when the post was created without one'),
    createdAt: timestamp,
    updatedAt: timestamp,
    author: Author.nullable(),
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

export const PublicProfile = z
  .object({
    id,
    documentId,
    username: z.string(),
    name: z.string().nullable(),
    ...counts,
    followedByMe: z.boolean().describe('false for anonymous callers'),
  })
  .meta({ id: 'PublicProfile', description: 'A user as others see them: never the email' });

export const OwnProfile = z
  .object({ id, documentId, username: z.string(), name: z.string().nullable(), email: z.email(), ...counts })
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
