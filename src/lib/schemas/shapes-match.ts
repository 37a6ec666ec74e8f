import type { z } from 'zod/v4';
import type { Author as AuthorView, CommentView, OwnProfile as OwnProfileView, PostView, PublicProfile as PublicProfileView } from '../shapes';
import type { LikeState as LikeStateView, MediaView, NotificationView, PostPage, ReportView } from '../shapes';
import type { Author, Comment, LikeState, Media, Notification, OwnProfile, Pagination, Post, PublicProfile, Report } from './shapes';

/**
 * Compile-time half of "the description cannot drift from the code": each response schema and
 * the TypeScript type the services return must describe the same values. A field added to a
 * view and not to its schema (or the reverse) fails `tsc`; tests/openapi.test.ts checks real
 * answers against the served description at run time. Types only: nothing here runs.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Describes<Schema extends z.ZodType, View> = Same<z.output<Schema>, View>;
type Holds<Check extends true> = Check;

// The service types a report's `status` as a string; the schema names the content type's three
// states, so for `status` only the schema-to-view direction is checked.
type ReportOutput = z.output<typeof Report>;
type ReportDescribed = Same<Omit<ReportOutput, 'status'>, Omit<ReportView, 'status'>> extends true
  ? [ReportOutput['status']] extends [ReportView['status']]
    ? true
    : false
  : false;

export type ViewsMatchSchemas = [
  Holds<Describes<typeof Author, AuthorView>>,
  Holds<Describes<typeof Comment, CommentView>>,
  Holds<Describes<typeof Media, MediaView>>,
  Holds<Describes<typeof Post, PostView>>,
  Holds<Describes<typeof LikeState, LikeStateView>>,
  Holds<Describes<typeof Pagination, PostPage['pagination']>>,
  Holds<Describes<typeof PublicProfile, PublicProfileView>>,
  Holds<Describes<typeof OwnProfile, OwnProfileView>>,
  Holds<ReportDescribed>,
  Holds<Describes<typeof Notification, NotificationView>>,
];
