/** The shapes the API answers with (see docs/API.md). Every field is listed: nothing else leaks. */
export type Author = { id: number; documentId: string; username: string; name: string | null };

export type CommentView = {
  id: number;
  documentId: string;
  content: string;
  createdAt: string;
  /** Set when the author edits it; null until then. */
  editedAt: string | null;
  author: Author | null;
};

/** An uploaded image (the media issue fills these; until then lists are empty and avatars null). */
export type MediaView = {
  id: number;
  url: string;
  mime: string;
  width: number | null;
  height: number | null;
  size: number;
  alternativeText: string | null;
  formats: Record<string, { url: string; width: number | null; height: number | null }>;
};

export type PostView = {
  id: number;
  documentId: string;
  title: string;
  description: string;
  createdAt: string;
  updatedAt: string;
  /** Set when the author edits it (not when a moderator does); null until then. */
  editedAt: string | null;
  author: Author | null;
  media: MediaView[];
  /** Set by moderators; a hidden post is shown only to its author. */
  hidden: boolean;
  likes: number;
  likedByMe: boolean;
  commentsCount: number;
  comments: CommentView[];
};

/** A notification (API.md, "Notifications"). */
export type NotificationView = {
  id: number;
  type: 'follow' | 'like' | 'comment';
  createdAt: string;
  read: boolean;
  actor: Author;
  post: { id: number; documentId: string; title: string } | null;
  comment: CommentView | null;
};

export type Counts = { followers: number; following: number; posts: number };

/** The answer of a like or an unlike. */
export type LikeState = { id: number; documentId: string; likes: number; likedByMe: boolean };

/** A page of `all_posts`, with Strapi's page-number pagination. */
export type PostPage = {
  data: PostView[];
  pagination: { page: number; pageSize: number; pageCount: number; total: number };
};

/** A report as its author sees it (`status` is the Content Manager's `state`). */
export type ReportView = {
  id: number;
  documentId: string;
  reason: 'spam' | 'abuse' | 'illegal' | 'other';
  details: string | null;
  status: string;
  createdAt: string;
};

export type OwnProfile = {
  id: number;
  documentId: string;
  username: string;
  name: string | null;
  email: string;
  bio: string;
  avatar: MediaView | null;
  createdAt: string;
} & Counts;

/** The caller's relation to a user; all false for anonymous callers. */
export type Relation = { followedByMe: boolean; followsMe: boolean; blockedByMe: boolean; mutedByMe: boolean };

export type PublicProfile = {
  id: number;
  documentId: string;
  username: string;
  name: string | null;
  bio: string;
  avatar: MediaView | null;
  createdAt: string;
} & Counts & Relation;

export const AUTHOR_FIELDS = ['id', 'documentId', 'username', 'name'] as const;

type AuthorRow = { id: number; documentId: string; username: string; name?: string | null } | null | undefined;

export function toAuthor(row: AuthorRow): Author | null {
  if (!row) return null;
  return { id: row.id, documentId: row.documentId, username: row.username, name: row.name ?? null };
}

/** Dates from the query engine may be Date objects or strings depending on the dialect. */
export function iso(value: unknown): string {
  if (typeof value === 'string' && /^\d+$/.test(value)) return new Date(Number(value)).toISOString();
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return new Date(value).toISOString();
  return String(value);
}

/** A nullable date as ISO 8601, or null. */
export const isoOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : iso(value));
