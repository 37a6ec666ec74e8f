/** The shapes the API answers with (see docs/API.md). Every field is listed: nothing else leaks. */
export type Author = { id: number; documentId: string; username: string; name: string | null };

export type CommentView = {
  id: number;
  documentId: string;
  content: string;
  createdAt: string;
  author: Author | null;
};

export type PostView = {
  id: number;
  documentId: string;
  title: string;
  description: string;
  createdAt: string;
  updatedAt: string;
  author: Author | null;
  /** Set by moderators; a hidden post is shown only to its author. */
  hidden: boolean;
  likes: number;
  likedByMe: boolean;
  commentsCount: number;
  comments: CommentView[];
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
} & Counts;

export type PublicProfile = {
  id: number;
  documentId: string;
  username: string;
  name: string | null;
} & Counts & { followedByMe: boolean };

export const AUTHOR_FIELDS = ['id', 'documentId', 'username', 'name'] as const;

type AuthorRow = { id: number; documentId: string; username: string; name?: string | null } | null | undefined;

export function toAuthor(row: AuthorRow): Author | null {
  if (!row) return null;
  return { id: row.id, documentId: row.documentId, username: row.username, name: row.name ?? null };
}

/** Dates from the query engine may be Date objects or strings depending on the dialect. */
export function iso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return new Date(value).toISOString();
  return String(value);
}
