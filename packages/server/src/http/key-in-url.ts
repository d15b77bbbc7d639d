import type { FastifyRequest } from 'fastify';
import { findKeysInText } from '@keyward/protocol';
import { KeywardError } from '../errors/keyward-error.js';
import { sha256Hex } from '../lib/crypto.js';
import type { Keyward } from '../keyward.js';

/**
 * Refuses any request whose URL carries a Keyward key, whatever the parameter name: URLs are
 * written to proxy logs, browser history and referrers, so such a key must be treated as exposed.
 * A real key is marked exposed and audited, and revoked when its app asks for that.
 */
export async function refuseKeysInUrl(kw: Keyward, request: FastifyRequest): Promise<void> {
  const url = request.raw.url ?? '';
  if (!url.includes('kw_') && !url.includes('kw%5F') && !url.includes('kw%5f')) return;
  let decoded = url;
  try {
    decoded = decodeURIComponent(url);
  } catch {
    // keep the raw form: a key is plain base62 and survives undecoded
  }
  const keys = findKeysInText(decoded);
  if (keys.length === 0) return;
  kw.metrics.keysSeenInUrls.inc();
  for (const key of keys) {
    const found = await kw.store.findKeyByHash(sha256Hex(key));
    if (!found) continue;
    const app = found.key.appId ? await kw.store.getApp(found.key.appId) : undefined;
    await kw.keys.markExposed(found.key.id, 'url', app?.settings.revokeKeysSeenInUrls ?? false, { actor: 'system', requestId: String(request.id) });
  }
  throw new KeywardError('KEY_IN_URL', 'send keys in the Authorization or X-Api-Key header, never in a URL; this key is now marked exposed');
}
