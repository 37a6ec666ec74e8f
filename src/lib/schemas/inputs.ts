import { z } from 'zod/v4';
import { REPORT_REASONS } from '../report-input';

/**
 * What the routes read from a request: path parameters, the query and JSON bodies. Lengths are
 * Unicode characters after trimming (JSON Schema's maxLength counts the same way). Bodies are
 * loose objects: unknown fields are ignored, as the contract says, so the description allows
 * them. These describe; the controllers validate (src/lib/input.ts), and the tests hold the two
 * together.
 */
export const PostRef = z.string().describe('A post: its documentId or its numeric id');
export const CommentRef = z.string().describe('A comment: its documentId or its numeric id');
export const UserRef = z.string().describe('A user: numeric id, documentId, or email (raw or with %40)');
export const EmailRef = z.string().describe('An email, raw or with %40; matched without regard to case');

export const PageQuery = z
  .object({
    page: z.int().min(1).optional().describe('Default 1'),
    pageSize: z.int().min(1).optional().describe('Default 25; more than 100 is capped at 100'),
  })
  .optional();

export const CursorQuery = {
  limit: z.int().min(1).max(40).optional().describe('Items per page, 1–40; default 20'),
  cursor: z.string().optional().describe('meta.next or meta.prev of an earlier page of this list'),
};

const title = z.string().min(1).max(200);
const description = z.string().max(10_000);
const content = z.string().min(1).max(5_000);
const password = z.string().min(1).max(1_000);
const email = z.string().min(1).max(320);
const mediaIds = z.array(z.int().positive()).max(4).describe("Up to 4 media ids of the caller's uploads, in display order");

export const PostInput = z
  .looseObject({ title, description: description.optional().describe('Default ""'), media: mediaIds.optional() })
  .meta({ id: 'PostInput' });

export const CommentInput = z
  .union([z.looseObject({ content }), z.looseObject({ comment: content.describe('The original app’s name for content') })])
  .meta({ id: 'CommentInput', description: '`content`, or `comment` for clients of the original app; content wins when both are sent' });

export const ReportInput = z
  .looseObject({ reason: z.enum(REPORT_REASONS), details: z.string().max(1_000).optional() })
  .meta({ id: 'ReportInput' });

export const LoginInput = z
  .union([z.looseObject({ email, password }), z.looseObject({ identifier: email.describe('Accepted for email'), password })])
  .meta({ id: 'LoginInput', description: '`email` (or `identifier`) and `password`; email wins when both are sent' });

export const PasswordConfirmation = z.looseObject({ password: password.describe('The current password') }).meta({ id: 'PasswordConfirmation' });

export const PostEdit = z
  .looseObject({ title: title.optional(), description: description.optional(), media: mediaIds.optional() })
  .meta({ id: 'PostEdit', description: 'At least one of title, description and media' });

export const CommentEdit = z.looseObject({ content }).meta({ id: 'CommentEdit' });

export const ProfileEdit = z
  .looseObject({
    name: z.string().max(100).optional(),
    bio: z.string().max(500).optional(),
    avatar: z.int().positive().nullable().optional().describe("A media id of the caller's uploads, or null to remove it"),
  })
  .meta({ id: 'ProfileEdit', description: 'At least one of name, bio and avatar' });

export const MediaUpload = z
  .looseObject({
    file: z.string().meta({ format: 'binary' }).describe('One JPEG, PNG, WebP or GIF, at most 10 MB and 40 megapixels'),
    alternativeText: z.string().max(1_500).optional().describe('0–1,500 characters'),
  })
  .meta({ id: 'MediaUpload', description: 'multipart/form-data: one image in the field `file`' });

/** A search's query string (API.md, "Search"). */
export const SearchQuery = {
  q: z.string().describe('The search text: 1–100 characters after trimming. Words are letters and digits; everything else only separates them'),
  ...CursorQuery,
};

export const NotificationsRead = z
  .looseObject({ upTo: z.int().positive().nullable().optional().describe('Mark read those with an id up to this one; left out (or null): all') })
  .meta({ id: 'NotificationsRead' });
