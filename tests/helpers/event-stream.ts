/**
 * A Server-Sent Events client for the tests: opens the stream with the token in the Authorization
 * header, parses events and comment lines as they arrive, and says when the server ended it.
 */
export type SseEvent = { event: string; data: string; id?: string };

export type EventStream = {
  status: number;
  headers: Headers;
  /** The body, when the answer is not a stream (an error envelope). */
  json: () => Promise<unknown>;
  events: SseEvent[];
  comments: string[];
  /** The first event matching `predicate` within `ms`, removed from `events`; null if none came. */
  next: (predicate?: (event: SseEvent) => boolean, ms?: number) => Promise<SseEvent | null>;
  /** Resolves with true when the server ends the stream within `ms`. */
  ended: (ms: number) => Promise<boolean>;
  close: () => Promise<void>;
};

export async function openEventStream(url: string, token?: string): Promise<EventStream> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { headers, signal: controller.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let done = false;
  let wake: (() => void) | undefined;
  const isStream = res.ok && (res.headers.get('content-type') ?? '').startsWith('text/event-stream');

  const pump = async () => {
    if (!isStream || !res.body) return;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let current: SseEvent = { event: '', data: '' };
    let lines: string[] = [];
    try {
      for (;;) {
        const { value, done: finished } = await reader.read();
        if (finished) break;
        text += decoder.decode(value, { stream: true });
        const parts = text.split('\n');
        text = parts.pop() ?? '';
        for (const line of parts) {
          if (line === '') {
            if (lines.length > 0) events.push({ ...current, event: current.event || 'message', data: lines.join('\n') });
            current = { event: '', data: '' };
            lines = [];
          } else if (line.startsWith(':')) comments.push(line.slice(1).trim());
          else {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') current.event = value;
            else if (field === 'data') lines.push(value);
            else if (field === 'id') current.id = value;
          }
        }
        wake?.();
      }
    } catch {
      // aborted by close()
    }
    done = true;
    wake?.();
  };
  void pump();

  const waitFor = async <T>(check: () => T | undefined, ms: number): Promise<T | undefined> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = check();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };

  return {
    status: res.status,
    headers: res.headers,
    json: async () => (isStream ? null : res.json()),
    events,
    comments,
    async next(predicate = () => true, ms = 5000) {
      const event = await waitFor(() => {
        const i = events.findIndex(predicate);
        return i >= 0 ? events.splice(i, 1)[0] : done ? null : undefined;
      }, ms);
      return event ?? null;
    },
    async ended(ms: number) {
      return (await waitFor(() => (done ? true : undefined), ms)) === true;
    },
    async close() {
      controller.abort();
      await res.body?.cancel().catch(() => {});
    },
  };
}
