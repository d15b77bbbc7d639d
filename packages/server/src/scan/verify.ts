import { KeywardError } from '../errors/keyward-error.js';
import type { Finding } from './types.js';
import type { Verification } from './report/view.js';

/**
 * `--verify` and `--revoke`: ask a Keyward server about the Keyward keys a scan found. The root
 * key comes from the environment only (`KEYWARD_ROOT_KEY`), never from a flag that would land in
 * shell history and `ps`. Secrets travel only in request bodies over the given server URL.
 */
export const ROOT_KEY_ENV = 'KEYWARD_ROOT_KEY';
const BATCH = 100;

export interface ServerTarget {
  readonly url: string;
  readonly rootKey: string;
}

export function serverTarget(url: string | undefined, env: NodeJS.ProcessEnv): ServerTarget {
  if (!url) throw new KeywardError('VALIDATION_FAILED', '--verify and --revoke need --server URL (the Keyward server to ask)');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new KeywardError('VALIDATION_FAILED', '--server must be an http(s) URL, e.g. https://keyward.example.com');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new KeywardError('VALIDATION_FAILED', '--server must be an http(s) URL');
  const rootKey = env[ROOT_KEY_ENV];
  if (!rootKey) throw new KeywardError('VALIDATION_FAILED', `--verify and --revoke read the root key from ${ROOT_KEY_ENV}; it is not set`);
  return { url: parsed.origin + parsed.pathname.replace(/\/$/, ''), rootKey };
}

async function call(target: ServerTarget, method: string, path: string, body: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${target.url}${path}`, { method, headers: { authorization: `Bearer ${target.rootKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch (err) {
    throw new KeywardError('UPSTREAM_UNAVAILABLE', `${target.url}: ${(err as Error).message}`);
  }
  const text = await res.text();
  const doc = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!res.ok) {
    const code = typeof doc.code === 'string' ? doc.code : 'INTERNAL';
    throw new KeywardError(code === 'UNAUTHORIZED' || code === 'FORBIDDEN' || code === 'INSUFFICIENT_PERMISSION' ? (code as 'UNAUTHORIZED') : 'UPSTREAM_UNAVAILABLE', `${target.url}${path} answered ${res.status} ${code}`);
  }
  return doc;
}

/** Status of every Keyward key among the findings, by finding fingerprint. */
export async function verifyKeys(target: ServerTarget, findings: readonly Finding[]): Promise<Map<string, Verification>> {
  const keys = findings.filter((f) => f.ruleId === 'keyward-key');
  const unique = [...new Map(keys.map((f) => [f.secret, f])).values()];
  const bySecret = new Map<string, Verification>();
  for (let i = 0; i < unique.length; i += BATCH) {
    const batch = unique.slice(i, i + BATCH).map((f) => f.secret);
    const doc = (await call(target, 'POST', '/v1/keys/lookup', { secrets: batch })) as { items: { status: Verification['status']; keyId?: string; root?: boolean }[] };
    batch.forEach((s, j) => {
      const item = doc.items[j];
      bySecret.set(s, item ? { status: item.status, ...(item.keyId ? { keyId: item.keyId } : {}), ...(item.root ? { root: true } : {}) } : { status: 'unknown' });
    });
  }
  return new Map(keys.map((f) => [f.fingerprint, bySecret.get(f.secret) ?? { status: 'unknown' as const }]));
}

/** Revokes each active key once (by key id); returns the ids revoked. */
export async function revokeKeys(target: ServerTarget, verified: ReadonlyMap<string, Verification>, reason: string): Promise<string[]> {
  const active = new Map([...verified.values()].filter((v) => v.status === 'active' && v.keyId).map((v) => [v.keyId!, v]));
  for (const [id, v] of active) await call(target, 'POST', `/v1/${v.root ? 'root-keys' : 'keys'}/${id}/revoke`, { reason });
  return [...active.keys()];
}
