/**
 * The body of a partner report, validated strictly after its signature: a JSON array of 1 to
 * MAX_LEAK_ENTRIES objects `{token, type, url?, source?}`, strings only, bounded lengths. Unknown
 * fields are ignored (GitHub may add some), wrong types are refused. Pure.
 */
export interface LeakEntry {
  readonly token: string;
  readonly type: string;
  readonly url: string;
  readonly source: string;
}

export const MAX_LEAK_ENTRIES = 1000;
/** Largest body read before the signature is checked (GitHub batches; 1000 entries fit). */
export const MAX_LEAK_BODY_BYTES = 1024 * 1024;
const MAX = { token: 512, type: 128, url: 2048, source: 64 } as const;

export type ParsedLeakReport = { readonly ok: true; readonly entries: readonly LeakEntry[] } | { readonly ok: false; readonly pointer: string; readonly message: string };

export function parseLeakReport(text: string): ParsedLeakReport | 'malformed_json' {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'malformed_json';
  }
  if (!Array.isArray(json)) return { ok: false, pointer: '/body', message: 'an array of {token, type, url, source}' };
  if (json.length === 0 || json.length > MAX_LEAK_ENTRIES) return { ok: false, pointer: '/body', message: `1 to ${MAX_LEAK_ENTRIES} entries` };
  const entries: LeakEntry[] = [];
  for (let i = 0; i < json.length; i++) {
    const e = json[i] as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return { ok: false, pointer: `/body/${i}`, message: 'an object' };
    for (const field of ['token', 'type'] as const) {
      const v = e[field];
      if (typeof v !== 'string' || v.length === 0 || v.length > MAX[field]) return { ok: false, pointer: `/body/${i}/${field}`, message: `a string of 1 to ${MAX[field]} characters` };
    }
    for (const field of ['url', 'source'] as const) {
      const v = e[field];
      if (v !== undefined && (typeof v !== 'string' || v.length > MAX[field])) return { ok: false, pointer: `/body/${i}/${field}`, message: `a string of at most ${MAX[field]} characters` };
    }
    entries.push({ token: e.token as string, type: e.type as string, url: (e.url as string | undefined) ?? '', source: (e.source as string | undefined) ?? '' });
  }
  return { ok: true, entries };
}
