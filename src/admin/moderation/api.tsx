import { useFetchClient } from '@strapi/strapi/admin';

export type Report = { id: number; reason: string; details: string | null; createdAt: string; reporter: { id: number; username: string } | null };
export type Entry = { id: number; at: string; actor: string; action: string; kind: string; itemId: number; userId: number | null; label: string | null; note: string | null };
export type Author = { id: number; username: string; email: string; blocked: boolean; joinedAt: string; posts: number; comments: number; hiddenItems: number; reportsAgainst: number; openReportsAgainst: number };
export type Card = {
  kind: 'post' | 'comment';
  id: number;
  documentId: string;
  title: string | null;
  text: string;
  post: { id: number; title: string | null } | null;
  hidden: boolean;
  createdAt: string;
  /** A post's images in order (none for a comment). */
  media: CardImage[];
  openReports: number;
  reasons: string[];
  /** The oldest open reports, at most 20; openReports and reasons count them all. */
  reports: Report[];
  author: Author | null;
  log: Entry[];
};
export type CardImage = { id: number; url: string; mime: string; width: number | null; height: number | null; alternativeText: string | null; thumbnail: { url: string; width: number | null; height: number | null } };
export type Action = 'hide' | 'dismiss' | 'hide-and-block' | 'delete';

/** The console's admin API (src/moderation/routes.ts), with the panel's token. */
export function useModerationApi() {
  const { get, post } = useFetchClient();
  const message = (error: unknown) => {
    const e = error as { response?: { data?: { error?: { message?: string } } }; message?: string };
    return e?.response?.data?.error?.message ?? e?.message ?? 'Request failed';
  };
  return {
    message,
    queue: (cursor?: string) => get(`/moderation/queue?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`).then((r) => r.data as { data: Card[]; meta: { next: string | null; prev: string | null } }),
    item: (card: { kind: string; id: number }) => get(`/moderation/items/${card.kind}/${card.id}`).then((r) => (r.data as { data: Card }).data),
    act: (card: { kind: string; id: number }, action: Action, note?: string) => post(`/moderation/items/${card.kind}/${card.id}/${action}`, note ? { note } : {}).then((r) => r.data as { data: { reportsClosed: number; authorBlocked?: boolean } }),
    bulk: (items: Array<{ kind: string; id: number }>, action: Action, note?: string) =>
      post('/moderation/bulk', { action, items, ...(note ? { note } : {}) }).then((r) => r.data as { data: Array<{ kind: string; id: number; status: number; error?: string }> }),
    user: (id: number) => get(`/moderation/users/${id}`).then((r) => (r.data as { data: any }).data),
    block: (id: number, note: string, hideAll: boolean) => post(`/moderation/users/${id}/block`, { note, hideAll }).then((r) => (r.data as { data: { hidden: unknown[] } }).data),
    unblock: (id: number, note: string, restore: boolean) => post(`/moderation/users/${id}/unblock`, { ...(note ? { note } : {}), restore }).then((r) => (r.data as { data: { restored: unknown[] } }).data),
    stats: () => get('/moderation/stats').then((r) => (r.data as { data: unknown }).data as { openReports: number; reportsToday: number; hiddenThisWeek: number; perDay: Array<{ day: string; reports: number }> }),
  };
}

export const ago = (iso: string) => {
  const days = Math.floor((Date.now() - new Date(iso).getTime()) / 86_400_000);
  return days < 1 ? 'today' : days === 1 ? '1 day' : days < 60 ? `${days} days` : `${Math.floor(days / 30)} months`;
};
