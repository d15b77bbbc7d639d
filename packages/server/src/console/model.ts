/**
 * Dashboard sign-in: a root key is exchanged once for a short-lived session, carried by an
 * HttpOnly, SameSite=Strict cookie. The key itself is never stored by the browser (not in
 * localStorage, not in a URL); the server keeps only hashes.
 *
 * Why the session stores the root key's hash: every request made with the cookie is then checked
 * by the same verifier as a request with the key in a header (cache, revocation, expiry, IP
 * allow-list, permissions), so revoking or disabling the root key ends its dashboard sessions at
 * once, on every node.
 */
import { createHash, randomBytes } from 'node:crypto';

export const CONSOLE_COOKIE = 'kw_console';
export const CSRF_HEADER = 'x-keyward-csrf';

export interface ConsoleSession {
  /** SHA-256 (hex) of the cookie value. */
  readonly idHash: string;
  readonly rootKeyId: string;
  /** SHA-256 (hex) of the root key, as the verifier looks keys up. */
  readonly keyHash: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly revokedAtMs: number | null;
}

/** A new cookie value: 256 random bits, base64url. */
export function newConsoleSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * The CSRF token of a session, derived from its cookie value: a page on another origin cannot
 * read the cookie, so it cannot compute the token, and the server needs to store nothing for it.
 */
export function csrfTokenFor(secret: string): string {
  return createHash('sha256').update('keyward-console-csrf\0').update(secret).digest('base64url');
}

/** Whether a stored session may still be used at `nowMs`. */
export function sessionUsable(s: ConsoleSession | undefined, nowMs: number): s is ConsoleSession {
  return s !== undefined && s.revokedAtMs === null && nowMs < s.expiresAtMs;
}

/** The value of one cookie from a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie value: HttpOnly, SameSite=Strict, Path=/, Secure on HTTPS; Max-Age 0 clears it. */
export function sessionCookie(secret: string, maxAgeSeconds: number, secure: boolean): string {
  return `${CONSOLE_COOKIE}=${secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}
