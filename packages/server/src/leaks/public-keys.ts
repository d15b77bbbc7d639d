import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/config.js';
import { parseLeakPublicKeys, type LeakPublicKey } from './signature.js';

/**
 * Where the reporters' public keys come from: a file (read once at start-up; a bad file stops
 * start-up naming the variable) and/or a URL (fetched on first use, cached for
 * `cacheSeconds`, and fetched again at most once a minute when a report names a key id not in the
 * cache: GitHub publishes a new key before signing with it).
 */
export interface LeakKeySource {
  /** False when neither a file nor a URL is configured: leak reports are off. */
  readonly configured: boolean;
  /** The keys known now; with `unknownKeyId`, a refetch is allowed first (rate-limited). */
  keys(unknownKeyId?: string): Promise<readonly LeakPublicKey[]>;
}

export function leakKeySource(options: { readonly file: string; readonly url: string; readonly cacheSeconds: number; readonly now: () => number; readonly onError?: (err: unknown) => void }): LeakKeySource {
  let fileKeys: readonly LeakPublicKey[] = [];
  if (options.file) {
    try {
      fileKeys = parseLeakPublicKeys(JSON.parse(readFileSync(options.file, 'utf8')));
    } catch (err) {
      throw new ConfigError([`KEYWARD_LEAK_PUBLIC_KEYS_FILE (--leak-public-keys-file) ${options.file}: ${(err as Error).message}`]);
    }
  }
  if (!options.url) return { configured: fileKeys.length > 0 || options.file !== '', keys: async () => fileKeys };
  let fetched: readonly LeakPublicKey[] = [];
  let fetchedAtMs = -Infinity;
  let lastTryMs = -Infinity;
  let inflight: Promise<void> | undefined;
  const refresh = async (): Promise<void> => {
    lastTryMs = options.now();
    try {
      const res = await fetch(options.url, { method: 'GET', headers: { accept: 'application/json', 'user-agent': 'Keyward' }, redirect: 'error', signal: AbortSignal.timeout(10_000) });
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new Error(`HTTP ${res.status}`);
      }
      fetched = parseLeakPublicKeys(await res.json());
      fetchedAtMs = options.now();
    } catch (err) {
      // Keep the keys we had: a failed refresh must not turn every report away.
      options.onError?.(err);
    }
  };
  return {
    configured: true,
    async keys(unknownKeyId) {
      const now = options.now();
      const stale = now - fetchedAtMs > options.cacheSeconds * 1000;
      const missing = unknownKeyId !== undefined && ![...fileKeys, ...fetched].some((k) => k.keyIdentifier === unknownKeyId) && now - lastTryMs > 60_000;
      if (stale || missing) {
        inflight ??= refresh().finally(() => (inflight = undefined));
        await inflight;
      }
      return [...fileKeys, ...fetched];
    },
  };
}
