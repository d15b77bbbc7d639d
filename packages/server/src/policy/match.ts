/**
 * Route patterns: `/users/{userId}/tags`, `/files/*` (catch-all, last segment only). Matching is on
 * the raw path (no query), segment by segment, percent-decoding each segment once.
 *
 * Path-confusion defences: a path with an encoded slash (`%2F`), an encoded backslash, an empty
 * segment (`//`), a dot segment (`.`, `..`, or their encodings), or invalid percent-encoding matches
 * nothing — it cannot be made to look like another route to Keyward than to the upstream.
 */
export type Segment = { readonly kind: 'static'; readonly value: string } | { readonly kind: 'param'; readonly name: string } | { readonly kind: 'rest' };

export interface CompiledPattern {
  readonly pattern: string;
  readonly segments: readonly Segment[];
  /** Higher is more specific: static segments outrank parameters, which outrank a catch-all. */
  readonly specificity: readonly number[];
}

export function compilePattern(pattern: string): CompiledPattern {
  if (!pattern.startsWith('/')) throw new Error('must start with /');
  const parts = pattern === '/' ? [] : pattern.slice(1).split('/');
  const names = new Set<string>();
  const segments: Segment[] = parts.map((p, i) => {
    if (p === '*') {
      if (i !== parts.length - 1) throw new Error('* is allowed only as the last segment');
      return { kind: 'rest' };
    }
    const m = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(p);
    if (m) {
      if (names.has(m[1]!)) throw new Error(`parameter {${m[1]}} appears twice`);
      names.add(m[1]!);
      return { kind: 'param', name: m[1]! };
    }
    if (p === '' || p === '.' || p === '..' || /[{}%?#*]/.test(p)) throw new Error(`bad segment "${p}"`);
    return { kind: 'static', value: p };
  });
  return { pattern, segments, specificity: segments.map((s) => (s.kind === 'static' ? 3 : s.kind === 'param' ? 2 : 1)) };
}

/** Splits and decodes a request path; undefined when it uses any path-confusion trick. */
export function decodePath(rawPath: string): string[] | undefined {
  if (!rawPath.startsWith('/')) return undefined;
  if (rawPath === '/') return [];
  const out: string[] = [];
  for (const raw of rawPath.slice(1).split('/')) {
    if (raw === '') return undefined;
    let seg = raw;
    // Most segments carry no escapes; decoding only those that do keeps this off the profile.
    if (raw.includes('%')) {
      if (/%2f|%5c/i.test(raw)) return undefined;
      try {
        seg = decodeURIComponent(raw);
      } catch {
        return undefined;
      }
    }
    if (seg === '.' || seg === '..' || seg.includes('\\') || seg.includes('\0')) return undefined;
    out.push(seg);
  }
  return out;
}

export function matchPattern(p: CompiledPattern, segments: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < p.segments.length; i++) {
    const s = p.segments[i]!;
    if (s.kind === 'rest') return segments.length > i ? params : undefined;
    const seg = segments[i];
    if (seg === undefined) return undefined;
    if (s.kind === 'static' && s.value !== seg) return undefined;
    if (s.kind === 'param') params[s.name] = seg;
  }
  return segments.length === p.segments.length ? params : undefined;
}

/** Orders patterns most specific first (lexicographic on specificity, then longer first). */
export function bySpecificity(a: CompiledPattern, b: CompiledPattern): number {
  const n = Math.max(a.specificity.length, b.specificity.length);
  for (let i = 0; i < n; i++) {
    const d = (b.specificity[i] ?? 0) - (a.specificity[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
