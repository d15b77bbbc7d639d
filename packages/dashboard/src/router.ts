import { useEffect, useState } from 'react';

/**
 * Hash routes (`#/apps/app_…`): the server serves one page, and nothing secret is ever part of a
 * route, so a URL in the history or a screenshot gives nothing away.
 */
export function useRoute(): string {
  const [route, setRoute] = useState(() => location.hash.slice(1) || '/');
  useEffect(() => {
    const on = () => setRoute(location.hash.slice(1) || '/');
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function go(route: string): void {
  location.hash = route;
}
