import type { IncomingHttpHeaders } from 'node:http';
import { findKeysInText } from '@keyward/protocol';

/**
 * Where a credential may travel: `Authorization: Bearer …` or `X-Api-Key`, or an RFC 9421
 * signature (Signature-Input/Signature). Never a URL: {@link keyInUrl} finds any key there so the
 * caller can refuse and flag it.
 */
export type Presented =
  | { readonly type: 'none' }
  | { readonly type: 'ambiguous' }
  | { readonly type: 'bearer'; readonly value: string }
  | { readonly type: 'signature' };

export function presented(headers: IncomingHttpHeaders): Presented {
  const auth = headers.authorization;
  const apiKey = headers['x-api-key'];
  if (Array.isArray(apiKey)) return { type: 'ambiguous' };
  let bearer: string | undefined;
  if (auth !== undefined) {
    const m = /^Bearer[ ]+(\S+)[ ]*$/i.exec(auth);
    if (!m) return headers['signature-input'] ? { type: 'signature' } : { type: 'ambiguous' };
    bearer = m[1];
  }
  if (bearer !== undefined && apiKey !== undefined && bearer !== apiKey) return { type: 'ambiguous' };
  const value = bearer ?? apiKey;
  if (value !== undefined) return { type: 'bearer', value };
  if (headers['signature-input'] !== undefined || headers.signature !== undefined) return { type: 'signature' };
  return { type: 'none' };
}

/** Any checksummed Keyward key in a request target (decoded or not). */
export function keyInUrl(target: string): string[] {
  if (!target.includes('kw_') && !/kw%5f/i.test(target)) return [];
  let decoded = target;
  try {
    decoded = decodeURIComponent(target);
  } catch {
    // undecodable: scan as sent
  }
  return findKeysInText(decoded);
}

/** A compact JWS (three base64url segments, header starting `{"`). */
export function looksLikeJwt(value: string): boolean {
  return value.startsWith('eyJ') && value.split('.').length === 3;
}
