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

/**
 * Plain words for the codes a dashboard user meets, chosen by the catalogue code (never by the
 * server's message text, which is written for developers and may change). A code without an entry
 * still gets a sentence of ours, naming the code, with the server's title for context.
 */
const PLAIN: Record<string, string> = {
  UNAUTHORIZED: 'That key is not a valid root key, or your session has ended. Sign in again.',
  INSUFFICIENT_PERMISSION: 'Your root key does not have the permission for this.',
  VALIDATION_FAILED: 'Some fields are not valid.',
  MALFORMED_JSON: 'The request was not valid JSON. Reload the page and try again.',
  INVALID_ID: 'That id is not valid. Check the address of the page.',
  CONFLICT: 'Someone changed this at the same time. Reload and try again.',
  NOT_FOUND: 'It does not exist any more.',
  ROUTE_NOT_FOUND: 'The server does not know this request. It may be an older version of Keyward.',
  FORBIDDEN: 'This request was refused. Reload the page and try again.',
  APP_HAS_CREDENTIALS: 'The app still has live keys, sessions or devices. Revoke them first, or delete the app and revoke everything with it.',
  LAST_ROOT_KEY: 'This is the last root key with full power. Create another one first.',
  PAYLOAD_TOO_LARGE: 'What you entered is too large for the server to accept.',
  RATE_LIMITED: 'Too many requests. Wait a moment and try again.',
  TOO_MANY_IN_FLIGHT: 'The server is busy. Wait a moment and try again.',
  REQUEST_TIMEOUT: 'The request took too long. Try again.',
  STORE_UNAVAILABLE: 'The server cannot reach its database right now.',
  AUDIT_UNAVAILABLE: 'The change was not made: the server could not write its audit record. Try again later.',
  SHARED_STATE_UNAVAILABLE: 'The server cannot reach its shared state (Redis) right now.',
  NOT_READY: 'The server is starting or stopping. Try again in a moment.',
  INTERNAL: 'Something went wrong on the server. Try again; if it keeps happening, check the server log.',
};

/** What the dashboard calls the body fields the server names in `errors[].pointer`. */
const FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  scopes: 'Scopes',
  meta: 'Metadata',
  expiresAt: 'Expires',
  ipAllowList: 'IP allow-list',
  ratelimit: 'Rate limit',
  credits: 'Credits',
  subject: 'Subject',
  reason: 'Reason',
  gracePeriodSeconds: 'Grace period',
  kind: 'Kind',
  environment: 'Environment',
  rootKey: 'Root key',
};

/** `/body/ipAllowList/2` → `{ field: 'ipAllowList', label: 'IP allow-list, entry 3' }`. */
export function fieldOf(pointer: string): { field: string; label: string } {
  const parts = pointer.replace(/^\/(body|query)\//, '').split('/');
  const field = parts[0] ?? '';
  const base = FIELD_LABELS[field] ?? field;
  const index = parts[1] !== undefined && /^\d+$/.test(parts[1]) ? Number(parts[1]) + 1 : undefined;
  const sub = parts.slice(index !== undefined ? 2 : 1).join('.');
  return { field, label: `${base}${index !== undefined ? `, entry ${index}` : ''}${sub ? ` (${sub})` : ''}` };
}

/** The server's field errors by body field (the form shows each beside its input). */
export function serverFieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiError) for (const e of err.problem.errors ?? []) out[fieldOf(e.pointer).field] ??= e.message;
  return out;
}

export function plainWords(err: unknown): string {
  if (err instanceof ApiError) {
    const p = err.problem;
    const fields = p.errors?.length ? ` ${p.errors.map((e) => `${fieldOf(e.pointer).label}: ${e.message}`).join('; ')}.` : '';
    // The words come from the code; the server's detail follows as context (it is written for
    // developers, never holds a secret, and tells "why" where one code has several causes).
    const known = PLAIN[p.code];
    const words = known ?? `The server refused this (${p.code}): ${p.title}.`;
    const context = p.detail && !p.errors?.length ? ` (The server says: ${p.detail.replace(/\.$/, '')}.)` : '';
    return `${words}${context}${fields}`;
  }
  return 'The server could not be reached. Check your connection and try again.';
}
