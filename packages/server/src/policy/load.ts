import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { CallerKind } from '../credentials/caller.js';
import { isValidScope } from '../keys/scopes.js';
import { CALLER_KINDS, type AccessMap, type LimitScope, type QuotaSpec, type RateLimitSpec, type Requirement, type Resource, type UpstreamSpec } from './model.js';
import { compilePattern } from './match.js';
import { parseVersion } from './version.js';

export interface PolicyProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Where in the document, e.g. `resources.2.allow.0`. */
  readonly path: string;
  readonly message: string;
}

/** Thrown only at start-up (loadAccessMap); carries every problem found, each with file, line and column. */
export class PolicyLoadError extends Error {
  constructor(readonly problems: readonly PolicyProblem[]) {
    super(`access map is invalid:\n${problems.map((p) => `  ${p.file}:${p.line}:${p.column} ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n')}`);
    this.name = 'PolicyLoadError';
  }
}

const SCOPES: readonly LimitScope[] = ['credential', 'subject', 'app', 'ip'];
const REQUIREMENTS: readonly Requirement[] = ['signature', 'session', 'attestation', 'assertion'];
const UPSTREAM_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/**
 * A rate limit's or quota's name: it is part of the limiter's bucket key (`rate:<name>:<by>:<id>`,
 * so no `:` that could make two limits share a bucket) and the policy's name in the RateLimit
 * headers (printable ASCII without quotes, so the sf-string is the name as written).
 */
const LIMIT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const LIMIT_NAME_RULE = 'a limit or quota name is a letter or digit followed by letters, digits, -, _ or . (at most 64)';

/** The parsed URL, or why it cannot be an upstream. */
function upstreamUrl(value: unknown): URL | string {
  if (typeof value !== 'string') return 'must be an absolute http:// or https:// URL, e.g. http://127.0.0.1:3000';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${value}: must be an absolute http:// or https:// URL, e.g. http://127.0.0.1:3000`;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) return `${value}: must be an absolute http:// or https:// URL, e.g. http://127.0.0.1:3000`;
  if (url.username || url.password) return 'must not carry credentials (inject them with injectSecret)';
  if (url.search || url.hash || value.includes('?') || value.includes('#')) return 'must not have a query or fragment (the client\'s own is forwarded)';
  return url;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export function loadAccessMap(file: string): AccessMap {
  return readAccessMap(file).map;
}

/** The map and the text it was parsed from (a reloading gateway compares later reads with it). */
export function readAccessMap(file: string): { map: AccessMap; text: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PolicyLoadError([{ file, line: 0, column: 0, path: '', message: `cannot read: ${(err as Error).message}` }]);
  }
  return { map: parseAccessMap(text, file), text };
}

/** Parses YAML or JSON (JSON is YAML) and validates it. Returns the map or throws PolicyLoadError listing every problem. */
export function parseAccessMap(text: string, file = '<inline>'): AccessMap {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const problems: PolicyProblem[] = [];
  for (const e of doc.errors) {
    const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
    problems.push({ file, line: pos.line, column: pos.col, path: '', message: e.message.split('\n')[0]! });
  }
  if (problems.length) throw new PolicyLoadError(problems);
  const v = new Validator(doc, lineCounter, file);
  const map = v.map(doc.toJS() as unknown);
  if (v.problems.length) throw new PolicyLoadError(v.problems);
  return map!;
}

class Validator {
  readonly problems: PolicyProblem[] = [];
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly file: string,
  ) {}

  fail(path: (string | number)[], message: string): void {
    let node: unknown = this.doc.getIn(path, true);
    for (let cut = path.length; (!isNode(node) || !(node as { range?: unknown }).range) && cut > 0; cut--) node = this.doc.getIn(path.slice(0, cut - 1), true);
    const offset = ((node as { range?: [number] } | undefined)?.range?.[0]) ?? 0;
    const pos = this.lines.linePos(offset);
    this.problems.push({ file: this.file, line: pos.line, column: pos.col, path: path.join('.'), message });
  }

  line(path: (string | number)[]): number {
    const node = this.doc.getIn(path, true) as { range?: [number] } | undefined;
    return this.lines.linePos(node?.range?.[0] ?? 0).line;
  }

  obj(value: unknown, path: (string | number)[], allowed: readonly string[]): Record<string, unknown> | undefined {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.fail(path, 'must be a mapping');
      return undefined;
    }
    for (const k of Object.keys(value)) if (!allowed.includes(k)) this.fail([...path, k], `unknown field "${k}" (allowed: ${allowed.join(', ')})`);
    return value as Record<string, unknown>;
  }

  int(value: unknown, path: (string | number)[], min: number, max: number): number | undefined {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(path, `must be an integer from ${min} to ${max}`);
      return undefined;
    }
    return value;
  }

  strings(value: unknown, path: (string | number)[]): string[] {
    if (!Array.isArray(value) || value.some((s) => typeof s !== 'string')) {
      this.fail(path, 'must be a list of strings');
      return [];
    }
    return value as string[];
  }

  map(root: unknown): AccessMap | undefined {
    const r = this.obj(root, [], ['version', 'audience', 'upstreams', 'limits', 'quotas', 'resources']);
    if (!r) return undefined;
    if (r.version !== 1) this.fail(['version'], 'must be 1');
    const audience = this.audience(r.audience, ['audience']);
    const upstreams = this.upstreams(r.upstreams);
    const limits: Record<string, RateLimitSpec> = {};
    if (r.limits !== undefined) {
      const l = this.obj(r.limits, ['limits'], Object.keys((r.limits as object) ?? {}));
      for (const [name, spec] of Object.entries(l ?? {})) {
        if (!LIMIT_NAME.test(name)) this.fail(['limits', name], LIMIT_NAME_RULE);
        const s = this.obj(spec, ['limits', name], ['rate', 'windowSeconds', 'burst', 'by']);
        if (!s) continue;
        const rate = this.int(s.rate, ['limits', name, 'rate'], 1, 1_000_000_000);
        const windowSeconds = this.int(s.windowSeconds, ['limits', name, 'windowSeconds'], 1, 31 * 86400);
        const burst = s.burst === undefined ? rate : this.int(s.burst, ['limits', name, 'burst'], 1, 1_000_000_000);
        if (!SCOPES.includes(s.by as LimitScope)) this.fail(['limits', name, 'by'], `must be one of ${SCOPES.join(', ')}`);
        if (rate && windowSeconds && burst) limits[name] = { name, rate, windowSeconds, burst, by: s.by as LimitScope };
      }
    }
    const quotas: Record<string, QuotaSpec> = {};
    if (r.quotas !== undefined) {
      const q = this.obj(r.quotas, ['quotas'], Object.keys((r.quotas as object) ?? {}));
      for (const [name, spec] of Object.entries(q ?? {})) {
        if (!LIMIT_NAME.test(name)) this.fail(['quotas', name], LIMIT_NAME_RULE);
        // Both are policies of the same RateLimit headers, where one name must mean one policy.
        else if (Object.hasOwn(limits, name)) this.fail(['quotas', name], `a rate limit is already named "${name}": limit and quota names share the RateLimit-Policy header`);
        const s = this.obj(spec, ['quotas', name], ['amount', 'refill', 'by']);
        if (!s) continue;
        const amount = this.int(s.amount, ['quotas', name, 'amount'], 1, 1_000_000_000_000);
        let refill: QuotaSpec['refill'] | undefined;
        if (s.refill === 'daily' || s.refill === 'monthly') refill = s.refill;
        else if (typeof s.refill === 'object' && s.refill !== null) {
          const seconds = this.int((s.refill as Record<string, unknown>).intervalSeconds, ['quotas', name, 'refill', 'intervalSeconds'], 1, 366 * 86400);
          if (seconds) refill = { intervalSeconds: seconds };
        } else this.fail(['quotas', name, 'refill'], 'must be daily, monthly or {intervalSeconds: N}');
        if (!SCOPES.includes(s.by as LimitScope)) this.fail(['quotas', name, 'by'], `must be one of ${SCOPES.join(', ')}`);
        if (amount && refill) quotas[name] = { name, amount, refill, by: s.by as LimitScope };
      }
    }
    const resources: Resource[] = [];
    if (!Array.isArray(r.resources) || r.resources.length === 0) this.fail(['resources'], 'must be a non-empty list (anything not listed is denied)');
    else r.resources.forEach((res, i) => {
      const built = this.resource(res, ['resources', i], limits, quotas, upstreams);
      if (built) resources.push(built);
    });
    const seen = new Map<string, number>();
    resources.forEach((res, i) => {
      for (const m of res.methods === '*' ? ['*'] : res.methods) {
        const key = `${m} ${res.path.replace(/\{[^}]+\}/g, '{}')}`;
        if (seen.has(key)) this.fail(['resources', i, 'path'], `same route and method as resources.${seen.get(key)}`);
        seen.set(key, i);
      }
    });
    return { version: 1, audience, upstreams, limits, quotas, resources, source: this.file };
  }

  /**
   * `upstreams: { name: { url, audience? } }`. A URL is absolute http(s) with no credentials,
   * query or fragment: the gateway appends the client's exact path and query to its path, and
   * userinfo in a URL would be a secret in the map file.
   */
  upstreams(value: unknown): Record<string, UpstreamSpec> {
    const out: Record<string, UpstreamSpec> = {};
    if (value === undefined) return out;
    const u = this.obj(value, ['upstreams'], Object.keys((value as object) ?? {}));
    for (const [name, spec] of Object.entries(u ?? {})) {
      const path = ['upstreams', name];
      if (!UPSTREAM_NAME.test(name)) this.fail(path, 'an upstream name is a letter followed by letters, digits, - or _ (at most 64)');
      const s = this.obj(spec, path, ['url', 'audience']);
      if (!s) continue;
      const before = this.problems.length;
      const url = upstreamUrl(s.url);
      if (typeof url === 'string') this.fail([...path, 'url'], url);
      const aud = this.audience(s.audience, [...path, 'audience']);
      if (this.problems.length === before && typeof url === 'object') out[name] = { name, url: url.href.replace(/\/$/, ''), audience: aud };
    }
    return out;
  }

  /** An audience is one `aud` value: the same bounded text a token is minted with. */
  audience(value: unknown, path: (string | number)[]): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
      this.fail(path, 'must be one audience (the aud tokens for this service carry), 1 to 256 characters');
      return undefined;
    }
    return value;
  }

  resource(value: unknown, path: (string | number)[], limits: Record<string, RateLimitSpec>, quotas: Record<string, QuotaSpec>, upstreams: Record<string, UpstreamSpec>): Resource | undefined {
    const r = this.obj(value, path, ['name', 'path', 'methods', 'allow', 'scopes', 'subject', 'subjectFor', 'require', 'environments', 'minAppVersion', 'rateLimits', 'quota', 'cost', 'injectSecret', 'audience', 'upstream', 'monitor']);
    if (!r) return undefined;
    const before = this.problems.length;
    if (typeof r.path !== 'string') this.fail([...path, 'path'], 'must be a path like /users/{userId}/tags');
    else {
      try {
        compilePattern(r.path);
      } catch (err) {
        this.fail([...path, 'path'], (err as Error).message);
      }
    }
    let methods: string[] | '*' = '*';
    if (r.methods !== undefined && r.methods !== '*') {
      methods = this.strings(r.methods, [...path, 'methods']).map((m) => m.toUpperCase());
      methods.forEach((m, i) => METHODS.includes(m) || this.fail([...path, 'methods', i], `unknown method ${m}`));
    }
    const allow = this.strings(r.allow, [...path, 'allow']);
    allow.forEach((k, i) => CALLER_KINDS.includes(k as CallerKind) || this.fail([...path, 'allow', i], `unknown credential kind "${k}" (kinds: ${CALLER_KINDS.join(', ')})`));
    if (allow.length === 0 && Array.isArray(r.allow)) this.fail([...path, 'allow'], 'allows nobody: remove the resource instead');
    const scopes = r.scopes === undefined ? [] : this.strings(r.scopes, [...path, 'scopes']);
    scopes.forEach((s, i) => (isValidScope(s) && !s.includes('*')) || this.fail([...path, 'scopes', i], 'a required scope is concrete: resource:action'));
    let subject: string | undefined;
    if (r.subject !== undefined) {
      if (typeof r.subject !== 'string') this.fail([...path, 'subject'], 'must name a path parameter');
      else if (typeof r.path === 'string' && !r.path.includes(`{${r.subject}}`)) this.fail([...path, 'subject'], `path has no {${r.subject}} parameter`);
      else subject = r.subject;
    }
    if (r.subjectFor !== undefined && r.subjectFor !== 'all' && r.subjectFor !== 'subject-bound') this.fail([...path, 'subjectFor'], 'must be all or subject-bound');
    const require = r.require === undefined ? [] : this.strings(r.require, [...path, 'require']);
    require.forEach((q, i) => REQUIREMENTS.includes(q as Requirement) || this.fail([...path, 'require', i], `must be one of ${REQUIREMENTS.join(', ')}`));
    // An assertion is made by an attested instance's key: only an app token can carry one.
    if (require.includes('assertion') && Array.isArray(r.allow) && !allow.includes('app-token')) this.fail([...path, 'require'], 'assertion needs app-token in allow');
    if (r.monitor !== undefined && typeof r.monitor !== 'boolean') this.fail([...path, 'monitor'], 'must be true or false');
    if (r.monitor === true && !require.includes('attestation') && !require.includes('assertion')) this.fail([...path, 'monitor'], 'monitor-only applies to require: [attestation] or [assertion]');
    let environments: ('live' | 'test')[] | undefined;
    if (r.environments !== undefined) {
      environments = this.strings(r.environments, [...path, 'environments']) as ('live' | 'test')[];
      environments.forEach((e, i) => e === 'live' || e === 'test' || this.fail([...path, 'environments', i], 'must be live or test'));
    }
    const minAppVersion: Record<string, string> = {};
    if (r.minAppVersion !== undefined) {
      const m = this.obj(r.minAppVersion, [...path, 'minAppVersion'], ['live', 'test']);
      for (const [env, ver] of Object.entries(m ?? {})) {
        if (typeof ver !== 'string' || !parseVersion(ver)) this.fail([...path, 'minAppVersion', env], 'must be a version like 2.3.0');
        else minAppVersion[env] = ver;
      }
    }
    const rateLimits = r.rateLimits === undefined ? [] : this.strings(r.rateLimits, [...path, 'rateLimits']);
    rateLimits.forEach((n, i) => limits[n] || this.fail([...path, 'rateLimits', i], `no limit named "${n}" under limits:`));
    let quota: string | undefined;
    if (r.quota !== undefined) {
      if (typeof r.quota !== 'string' || !quotas[r.quota]) this.fail([...path, 'quota'], `no quota named "${String(r.quota)}" under quotas:`);
      else quota = r.quota;
    }
    const cost = r.cost === undefined ? 1 : this.int(r.cost, [...path, 'cost'], 0, 1_000_000);
    let injectSecret: Resource['injectSecret'];
    if (r.injectSecret !== undefined) {
      const s = this.obj(r.injectSecret, [...path, 'injectSecret'], ['name', 'header', 'format']);
      if (s) {
        if (typeof s.name !== 'string' || !/^[a-z][a-z0-9_-]{0,63}$/.test(s.name)) this.fail([...path, 'injectSecret', 'name'], 'must be a secret name');
        if (typeof s.header !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(s.header)) this.fail([...path, 'injectSecret', 'header'], 'must be a header name');
        const format = s.format === undefined ? '{secret}' : s.format;
        if (typeof format !== 'string' || !format.includes('{secret}')) this.fail([...path, 'injectSecret', 'format'], 'must contain {secret}');
        injectSecret = { name: String(s.name), header: String(s.header).toLowerCase(), format: String(format) };
      }
    }
    const audience = this.audience(r.audience, [...path, 'audience']);
    let upstream: string | undefined;
    if (r.upstream !== undefined) {
      const names = Object.keys(upstreams);
      if (typeof r.upstream !== 'string' || !upstreams[r.upstream]) this.fail([...path, 'upstream'], `no upstream named "${String(r.upstream)}" under upstreams:${names.length ? ` (declared: ${names.join(', ')})` : ' (none declared)'}`);
      else upstream = r.upstream;
    }
    if (this.problems.length > before) return undefined;
    return {
      name: typeof r.name === 'string' ? r.name : `${methods === '*' ? '*' : methods.join(',')} ${String(r.path)}`,
      path: r.path as string,
      methods,
      allow: allow as CallerKind[],
      scopes,
      subject,
      subjectForAll: r.subjectFor === 'all',
      require: require as Requirement[],
      environments,
      minAppVersion,
      rateLimits,
      quota,
      cost: cost ?? 1,
      injectSecret,
      audience,
      upstream,
      ...(r.monitor === true ? { monitor: true } : {}),
      line: this.line(path),
    };
  }
}
