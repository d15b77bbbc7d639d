/**
 * Where to go after signing in again. When a session ends (expiry, sign-out on another tab, a
 * revoked root key) the dashboard moves to `#/sign-in?return=<route>` and, once signed in, to that
 * route. The return value is read from the address bar, so anyone can craft it: it is accepted
 * only as a same-origin relative route of this dashboard (`/apps/app_…`), never a URL with a
 * scheme or host (`https://…`, `//evil.example`, `/\evil`), and never the sign-in page itself.
 * Routes hold ids only, never a secret (router.ts), so the return path gives nothing away either.
 */
export const SIGN_IN = '/sign-in';

const MAX_RETURN_CHARS = 256;
/** Path segments of letters, digits, `_`, `-`, `.`; an optional query of the same plus `=` and `&`. */
const SAFE_ROUTE = /^(\/[A-Za-z0-9_.-]*)+(\?[A-Za-z0-9_.=&-]*)?$/;

/** The validated return route, or `/` for anything else. */
export function safeReturnPath(raw: string | null | undefined): string {
  if (!raw || raw.length > MAX_RETURN_CHARS) return '/';
  if (!SAFE_ROUTE.test(raw) || raw.startsWith('//') || raw.split('/').some((seg) => seg === '..')) return '/';
  if (raw === SIGN_IN || raw.startsWith(`${SIGN_IN}?`) || raw.startsWith(`${SIGN_IN}/`)) return '/';
  return raw;
}

/** The sign-in route that returns to `route` afterwards (none for the home page). */
export function signInRoute(route: string): string {
  const back = safeReturnPath(route);
  return back === '/' ? SIGN_IN : `${SIGN_IN}?return=${encodeURIComponent(back)}`;
}

/** The return route a sign-in route carries, validated. */
export function returnPathOf(route: string): string {
  if (route !== SIGN_IN && !route.startsWith(`${SIGN_IN}?`)) return '/';
  const q = new URLSearchParams(route.slice(SIGN_IN.length + 1));
  return safeReturnPath(q.get('return'));
}
