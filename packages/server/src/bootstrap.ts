import type { Keyward } from './keyward.js';

/**
 * First start: when no root key exists, create one. The secret is returned exactly once, for the
 * caller to print; it cannot be recovered afterwards (only a new one issued with `keyward init`).
 */
export async function ensureRootKey(kw: Keyward, by = { actor: 'system', requestId: 'bootstrap' }): Promise<{ created: true; keyId: string; secret: string } | { created: false }> {
  const existing = await kw.store.listKeys({ appId: null, kind: 'root' }, { limit: 1 });
  if (existing.items.length > 0) return { created: false };
  const issued = await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'initial root key' }, by);
  return { created: true, keyId: issued.key.id, secret: issued.secret };
}
