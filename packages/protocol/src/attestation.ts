import { base64Decode } from './base64.js';
import { utf8Decode, utf8Encode } from './web.js';

/**
 * The per-request attestation assertion, shared by the server (which checks it) and the SDK
 * (which asks the platform bridge to sign it), so both build the same bytes.
 *
 * Header `Keyward-Assertion`. `clientData` is five lines, UTF-8, no trailing newline:
 * `keyward-assertion/1`, the method (upper case), the request target as sent, the Content-Digest
 * header as sent ('' without a body), and the app token's `jti`.
 */
export const ASSERTION_HEADER = 'keyward-assertion';

export interface AssertedRequest {
  readonly method: string;
  /** The request target exactly as sent (path and query). */
  readonly target: string;
  /** The Content-Digest header as sent (RFC 9530), '' without a body. */
  readonly contentDigest: string;
  /** `jti` of the app token the request carries. */
  readonly tokenJti: string;
}

export function assertionClientData(r: AssertedRequest): Uint8Array {
  return utf8Encode(['keyward-assertion/1', r.method.toUpperCase(), r.target, r.contentDigest, r.tokenJti].join('\n'));
}

/** The `jti` of a compact JWT, read without verifying (the SDK's own app token); undefined when unreadable. */
export function jwtId(token: string): string | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const json = JSON.parse(utf8Decode(base64Decode(part.replace(/-/g, '+').replace(/_/g, '/')))) as { jti?: unknown };
    return typeof json.jti === 'string' ? json.jti : undefined;
  } catch {
    return undefined;
  }
}
