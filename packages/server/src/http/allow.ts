/**
 * The methods each path of the admin API answers, for `405 Method Not Allowed` with `Allow`
 * (RFC 9110 §15.5.6: a 405 MUST list the target resource's methods). Fastify's router says only
 * "no route" for a path that exists under another method; this index tells the two apart.
 */
export class MethodIndex {
  private readonly routes: { readonly pattern: RegExp; readonly methods: Set<string> }[] = [];
  private readonly byUrl = new Map<string, Set<string>>();

  /** Records one route (`/v1/apps/:appId`); a GET route answers HEAD too, as Fastify serves it. */
  add(method: string, url: string): void {
    let methods = this.byUrl.get(url);
    if (!methods) {
      methods = new Set();
      this.byUrl.set(url, methods);
      this.routes.push({ pattern: patternOf(url), methods });
    }
    methods.add(method.toUpperCase());
    if (method.toUpperCase() === 'GET') methods.add('HEAD');
  }

  /** The methods `path` (no query) answers, sorted; empty when no route has that path. */
  allowed(path: string): string[] {
    const out = new Set<string>();
    for (const r of this.routes) if (r.pattern.test(path)) for (const m of r.methods) out.add(m);
    return [...out].sort();
  }
}

/** `/v1/apps/:appId/keys` → `^/v1/apps/[^/]+/keys$` (Fastify's `:param` matches one non-empty segment). */
function patternOf(url: string): RegExp {
  const body = url
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${body}$`);
}
