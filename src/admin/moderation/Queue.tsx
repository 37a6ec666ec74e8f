import * as React from 'react';
import { Link } from 'react-router-dom';
import { Badge, Box, Button, Flex, Typography } from '@strapi/design-system';
import { Layouts } from '@strapi/strapi/admin';
import { ago, useModerationApi, type Action, type Card as CardData } from './api';

const key = (c: { kind: string; id: number }) => `${c.kind}:${c.id}`;
const NEEDS_NOTE: Action[] = ['hide', 'hide-and-block'];
const DONE: Record<Action, string> = { hide: 'Hidden', dismiss: 'Dismissed', 'hide-and-block': 'Hidden and blocked', delete: 'Deleted' };

const inputStyle: React.CSSProperties = { width: '100%', padding: 8, borderRadius: 4, border: '1px solid #dcdce4', fontFamily: 'inherit', fontSize: 14 };

/**
 * The queue: open reports grouped by item, most reported and oldest first. Keyboard: j / k move
 * between cards, h hide, d dismiss, b hide and block, x select; a note is asked for (the card's
 * note field gets the focus) before hiding or blocking, and Enter in it confirms.
 */
export function Queue() {
  const api = useModerationApi();
  const [cards, setCards] = React.useState<CardData[]>([]);
  const [next, setNext] = React.useState<string | null>(null);
  const [loading, setLoading] = React.useState(true);
  const [status, setStatus] = React.useState('');
  const [current, setCurrent] = React.useState(0);
  const [selected, setSelected] = React.useState<Set<string>>(new Set());
  const [notes, setNotes] = React.useState<Record<string, string>>({});
  const [pending, setPending] = React.useState<Record<string, Action | undefined>>({});
  const [confirmDelete, setConfirmDelete] = React.useState<string | null>(null);
  const [bulkNote, setBulkNote] = React.useState('');
  const noteRefs = React.useRef<Record<string, HTMLTextAreaElement | null>>({});

  const load = React.useCallback(async (cursor?: string) => {
    setLoading(true);
    try {
      const page = await api.queue(cursor);
      setCards((old) => (cursor ? [...old, ...page.data.filter((c) => !old.some((o) => key(o) === key(c)))] : page.data));
      setNext(page.meta.next);
    } catch (error) {
      setStatus(api.message(error));
    } finally {
      setLoading(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  React.useEffect(() => {
    load();
  }, [load]);

  const remove = (keys: string[]) => {
    setCards((old) => old.filter((c) => !keys.includes(key(c))));
    setSelected((old) => new Set([...old].filter((k) => !keys.includes(k))));
  };

  /**
   * After a decision, the other cards by the same authors are read again: their records (posts,
   * hidden items, reports against them, blocked) changed with it. A card whose item left the
   * queue meanwhile (another moderator) goes.
   */
  const refreshAuthorsOf = async (acted: CardData[]) => {
    const authors = new Set(acted.flatMap((c) => (c.author ? [c.author.id] : [])));
    const actedKeys = new Set(acted.map(key));
    const others = cards.filter((c) => c.author && authors.has(c.author.id) && !actedKeys.has(key(c)));
    if (!others.length) return;
    const fresh = await Promise.all(others.map((c) => api.item(c).then((f) => [key(c), f] as const, () => [key(c), null] as const)));
    const byKey = new Map(fresh);
    setCards((old) =>
      old.flatMap((c) => {
        if (!byKey.has(key(c))) return [c];
        const f = byKey.get(key(c));
        return f?.openReports ? [f] : [];
      })
    );
  };

  const act = async (card: CardData, action: Action) => {
    const k = key(card);
    const note = (notes[k] ?? '').trim();
    if (NEEDS_NOTE.includes(action) && !note) {
      setPending((p) => ({ ...p, [k]: action }));
      setStatus(`A note is needed to ${action === 'hide' ? 'hide' : 'hide and block'}: write it on the card, then press Enter.`);
      noteRefs.current[k]?.focus();
      return;
    }
    if (action === 'delete' && confirmDelete !== k) {
      setConfirmDelete(k);
      return;
    }
    setConfirmDelete(null);
    try {
      const result = await api.act(card, action, note || undefined);
      setStatus(`${DONE[action]}: ${card.kind} #${card.id}, ${result.data.reportsClosed} report(s) closed${result.data.authorBlocked ? ', author blocked' : ''}.`);
      remove([k]);
      await refreshAuthorsOf([card]);
    } catch (error) {
      setStatus(api.message(error));
      if ((error as { response?: { status?: number } }).response?.status === 409) remove([k]);
    }
  };

  const bulk = async (action: Action) => {
    const items = cards.filter((c) => selected.has(key(c))).map((c) => ({ kind: c.kind, id: c.id }));
    if (!items.length) return;
    if (NEEDS_NOTE.includes(action) && !bulkNote.trim()) {
      setStatus('A note is needed for the selected cards.');
      return;
    }
    try {
      const result = await api.bulk(items, action, bulkNote.trim() || undefined);
      const done = result.data.filter((r) => r.status === 200 || r.status === 409 || r.status === 404);
      setStatus(`${DONE[action]}: ${result.data.filter((r) => r.status === 200).length} of ${items.length}; ${result.data.filter((r) => r.status !== 200).length} already handled.`);
      remove(done.map(key));
      await refreshAuthorsOf(cards.filter((c) => done.some((d) => key(d) === key(c))));
    } catch (error) {
      setStatus(api.message(error));
    }
  };

  React.useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable)) return;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const card = cards[current];
      if (event.key === 'j') setCurrent((i) => Math.min(i + 1, cards.length - 1));
      else if (event.key === 'k') setCurrent((i) => Math.max(i - 1, 0));
      else if (!card) return;
      else if (event.key === 'h') act(card, 'hide');
      else if (event.key === 'd') act(card, 'dismiss');
      else if (event.key === 'b') act(card, 'hide-and-block');
      else if (event.key === 'x') setSelected((old) => {
        const copy = new Set(old);
        if (copy.has(key(card))) copy.delete(key(card));
        else copy.add(key(card));
        return copy;
      });
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  return (
    <>
      <Layouts.Header title="Moderation" subtitle={`${cards.length}${next ? '+' : ''} reported item(s) in the queue · keys: j/k move, h hide, d dismiss, b hide and block, x select`} />
      <Layouts.Content>
        <Box role="status" aria-live="polite" paddingBottom={4}>
          <Typography variant="omega" textColor="primary600">
            {status}
          </Typography>
        </Box>
        {selected.size > 0 && (
          <Box padding={4} marginBottom={4} background="primary100" hasRadius aria-label="Bulk actions">
            <Flex gap={2} alignItems="center">
              <Typography fontWeight="bold">{selected.size} selected</Typography>
              <input aria-label="Note for the selected cards" placeholder="Note (needed to hide or block)" style={{ ...inputStyle, width: 320 }} value={bulkNote} onChange={(e) => setBulkNote(e.target.value)} />
              <Button onClick={() => bulk('hide')}>Hide selected</Button>
              <Button variant="secondary" onClick={() => bulk('dismiss')}>
                Dismiss selected
              </Button>
            </Flex>
          </Box>
        )}
        {!loading && cards.length === 0 && (
          <Box padding={8} background="neutral0" hasRadius>
            <Typography>The queue is empty: no open reports.</Typography>
          </Box>
        )}
        <Flex direction="column" alignItems="stretch" gap={4}>
          {cards.map((card, index) => {
            const k = key(card);
            return (
              <Box
                key={k}
                tag="article"
                aria-label={`Reported ${card.kind} #${card.id}`}
                data-card={k}
                padding={5}
                background="neutral0"
                hasRadius
                shadow="tableShadow"
                style={{ outline: index === current ? '2px solid #4945ff' : undefined }}
                onClick={() => setCurrent(index)}
              >
                <Flex gap={4} alignItems="flex-start">
                  <input type="checkbox" aria-label={`Select ${card.kind} #${card.id}`} checked={selected.has(k)} onChange={() => setSelected((old) => {
                    const copy = new Set(old);
                    if (copy.has(k)) copy.delete(k);
                    else copy.add(k);
                    return copy;
                  })} />
                  <Box style={{ flex: 2 }}>
                    <Flex gap={2} paddingBottom={2}>
                      <Badge>{card.kind}</Badge>
                      <Badge active>{card.openReports} open report{card.openReports === 1 ? '' : 's'}</Badge>
                      {card.reasons.map((r) => (
                        <Badge key={r}>{r}</Badge>
                      ))}
                      {card.hidden && <Badge>hidden</Badge>}
                    </Flex>
                    {card.title !== null && (
                      <Typography tag="h2" variant="delta">
                        {card.title}
                      </Typography>
                    )}
                    {card.post && (
                      <Typography variant="pi" textColor="neutral600">
                        on the post “{card.post.title}”
                      </Typography>
                    )}
                    <Box paddingTop={2} paddingBottom={2}>
                      <Typography tag="p" style={{ whiteSpace: 'pre-wrap' }} data-testid="card-text">
                        {card.text}
                      </Typography>
                    </Box>
                    {card.media?.length > 0 && (
                      <Flex gap={2} paddingBottom={2} wrap="wrap" aria-label="Images" data-testid="card-media">
                        {card.media.map((m, i) => (
                          <a key={m.id} href={m.url} target="_blank" rel="noreferrer" title="Open the full image">
                            <img
                              src={m.thumbnail.url}
                              alt={m.alternativeText || `Image ${i + 1} of ${card.media.length} of ${card.kind} #${card.id}`}
                              loading="lazy"
                              style={{ display: 'block', height: 96, width: 'auto', maxWidth: 160, objectFit: 'cover', borderRadius: 4, border: '1px solid #dcdce4' }}
                            />
                          </a>
                        ))}
                      </Flex>
                    )}
                    <Typography variant="sigma">Reports</Typography>
                    <ul style={{ margin: '4px 0 8px 16px', listStyle: 'disc' }}>
                      {card.reports.map((r) => (
                        <li key={r.id}>
                          <Typography variant="pi">
                            <b>{r.reason}</b> by {r.reporter?.username ?? 'a deleted user'}, {ago(r.createdAt)} ago{r.details ? ` — “${r.details}”` : ''}
                          </Typography>
                        </li>
                      ))}
                    </ul>
                    {card.openReports > card.reports.length && (
                      <Typography variant="pi" textColor="neutral600">
                        and {card.openReports - card.reports.length} more open report(s): the oldest {card.reports.length} are listed.
                      </Typography>
                    )}
                    {card.log.length > 0 && (
                      <>
                        <Typography variant="sigma">Decisions</Typography>
                        <ul style={{ margin: '4px 0 0 16px', listStyle: 'disc' }} aria-label="Decisions">
                          {card.log.map((e) => (
                            <li key={e.id}>
                              <Typography variant="pi">
                                {e.action} by {e.actor} on {new Date(e.at).toLocaleString()}
                                {e.note ? ` — ${e.note}` : ''}
                              </Typography>
                            </li>
                          ))}
                        </ul>
                      </>
                    )}
                  </Box>
                  <Box style={{ flex: 1 }} aria-label="Author">
                    {card.author ? (
                      <>
                        <Link to={`users/${card.author.id}`}>
                          <Typography fontWeight="bold" textColor="primary600">
                            {card.author.username}
                          </Typography>
                        </Link>
                        {card.author.blocked && <Badge>blocked</Badge>}
                        <Typography tag="p" variant="pi" textColor="neutral600" data-testid="author-record">
                          account {ago(card.author.joinedAt)} old · {card.author.posts} posts · {card.author.comments} comments · {card.author.hiddenItems} hidden · {card.author.reportsAgainst} reports against · {card.author.blocked ? 'blocked' : 'not blocked'}
                        </Typography>
                      </>
                    ) : (
                      <Typography variant="pi">author deleted</Typography>
                    )}
                    <Box paddingTop={3}>
                      <textarea
                        ref={(el) => {
                          noteRefs.current[k] = el;
                        }}
                        aria-label={`Note for ${card.kind} #${card.id}`}
                        placeholder="Note (needed to hide or block)"
                        rows={2}
                        style={inputStyle}
                        value={notes[k] ?? ''}
                        onChange={(e) => setNotes((n) => ({ ...n, [k]: e.target.value }))}
                        onKeyDown={(e) => {
                          if (e.key === 'Enter' && !e.shiftKey && pending[k]) {
                            e.preventDefault();
                            act(card, pending[k] as Action);
                          }
                        }}
                      />
                    </Box>
                    <Flex gap={2} paddingTop={2} wrap="wrap">
                      <Button size="S" onClick={() => act(card, 'hide')}>
                        Hide
                      </Button>
                      <Button size="S" variant="secondary" onClick={() => act(card, 'dismiss')}>
                        Dismiss
                      </Button>
                      <Button size="S" variant="danger-light" onClick={() => act(card, 'hide-and-block')}>
                        Hide and block
                      </Button>
                      <Button size="S" variant="danger" onClick={() => act(card, 'delete')}>
                        {confirmDelete === k ? 'Confirm delete' : 'Delete'}
                      </Button>
                    </Flex>
                  </Box>
                </Flex>
              </Box>
            );
          })}
        </Flex>
        {next && (
          <Box paddingTop={4}>
            <Button variant="tertiary" loading={loading} onClick={() => load(next)}>
              Load more
            </Button>
          </Box>
        )}
      </Layouts.Content>
    </>
  );
}
