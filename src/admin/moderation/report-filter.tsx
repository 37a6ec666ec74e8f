/**
 * The Content Manager's report list opens on open reports: arriving at the list from anywhere
 * else without a filter, the URL gets `status = open` (the stored field is `state`). Removing the
 * filter on the list itself is respected.
 */
const REPORTS = /\/content-manager\/collection-types\/api::report\.report\/?$/;
const OPEN = 'filters[$and][0][state][$eq]=open';

export function reportsOpenOnOpen(): void {
  const wrap = (method: 'pushState' | 'replaceState') => {
    const original = window.history[method].bind(window.history);
    window.history[method] = (state: unknown, unused: string, url?: string | URL | null) => {
      if (url !== undefined && url !== null) {
        const next = new URL(String(url), window.location.href);
        const fromElsewhere = !REPORTS.test(window.location.pathname);
        if (REPORTS.test(next.pathname) && fromElsewhere && !next.search.includes('filters')) {
          next.search = next.search ? `${next.search}&${OPEN}` : `?${OPEN}`;
          return original(state, unused, next.pathname + next.search + next.hash);
        }
      }
      return original(state, unused, url);
    };
  };
  wrap('pushState');
  wrap('replaceState');
}
