/**
 * The dashboard's one way to the admin API: same-origin fetch with the session cookie (HttpOnly:
 * this code never sees it) and the CSRF token held in memory only. A problem+json answer becomes
 * an ApiError carrying its catalogue code; an ended session notifies the app, which shows the
 * sign-in form over the page the user was on.
 */
export interface Problem {
  readonly code: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly errors?: readonly { readonly pointer: string; readonly message: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

let csrfToken: string | undefined;
const signedOutListeners = new Set<() => void>();

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-keyward-csrf'] = csrfToken;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => ({ code: 'INTERNAL', title: 'The server sent an unreadable answer', status: res.status }))) as unknown;
  if (!res.ok) {
    const problem = json as Problem;
    if (problem.code === 'UNAUTHORIZED' && !path.startsWith('/v1/console/session')) for (const l of signedOutListeners) l();
    throw new ApiError(problem);
  }
  return json as T;
}

/** Plain words for the codes a dashboard user meets; anything else shows the server's own title and detail. */
const PLAIN: Record<string, string> = {
  UNAUTHORIZED: 'That key is not a valid root key, or your session has ended. Sign in again.',
  INSUFFICIENT_PERMISSION: 'Your root key does not have the permission for this.',
  VALIDATION_FAILED: 'Some fields are not valid.',
  CONFLICT: 'Someone changed this at the same time. Reload and try again.',
  NOT_FOUND: 'It does not exist any more.',
  FORBIDDEN: 'This request was refused. Reload the page and try again.',
  LAST_ROOT_KEY: 'This is the last root key with full power. Create another one first.',
  STORE_UNAVAILABLE: 'The server cannot reach its database right now.',
};

export function plainWords(err: unknown): string {
  if (err instanceof ApiError) {
    const p = err.problem;
    const fields = p.errors?.length ? ` ${p.errors.map((e) => `${e.pointer.replace(/^\/body\//, '').replaceAll('/', '.')}: ${e.message}`).join('; ')}.` : '';
    return `${PLAIN[p.code] ?? p.title}${p.detail && !PLAIN[p.code] ? ` ${p.detail}` : ''}${fields}`;
  }
  return 'The server could not be reached. Check your connection and try again.';
}
