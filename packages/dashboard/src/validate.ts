/**
 * Client-side checks for every dashboard form, as pure functions of the field text. They mirror
 * the server's own rules (packages/server/src/keys/validate.ts, keys/scopes.ts, lib/cidr.ts, the
 * route schemas) so a mistake is named next to its field before anything is sent; the server still
 * decides, and its problem+json answer is shown in plain words when it disagrees (api.ts).
 *
 * Each parser answers `{ value }` or `{ errors }` (field name → message): a form shows the
 * messages beside the fields and sends nothing while there is any.
 */
export type FieldErrors = Record<string, string>;
export type Parsed<T> = { readonly value: T; readonly errors?: undefined } | { readonly value?: undefined; readonly errors: FieldErrors };

/** The server's limits (keys/validate.ts LIMITS, keys/credits.ts CREDIT_LIMITS, the rotate route's maximum). */
export const LIMITS = {
  nameMaxChars: 128,
  scopesMax: 64,
  metaMaxBytes: 4096,
  metaMaxDepth: 16,
  ipAllowListMax: 32,
  reasonMaxChars: 512,
  subjectMaxChars: 256,
  graceMaxSeconds: 7_776_000,
  creditsMaxAmount: 1_000_000_000_000,
  creditsMinIntervalSeconds: 60,
  creditsMaxIntervalSeconds: 31_622_400,
  rateWindowMaxSeconds: 2_678_400,
} as const;

/** keys/scopes.ts SCOPE_RE: `resource:action`, `*` for a whole part. */
const SCOPE_RE = /^(\*|[a-z0-9][a-z0-9_.-]{0,63}(:(\*|[a-z0-9][a-z0-9_.-]{0,63}))?|\*:[a-z0-9][a-z0-9_.-]{0,63})$/;

function result<T>(value: T, errors: FieldErrors): Parsed<T> {
  return Object.keys(errors).length ? { errors } : { value };
}

/** Items of a comma- or newline-separated list, trimmed, empties dropped. */
export function listItems(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function checkName(text: string): string | undefined {
  const name = text.trim();
  if (!name) return 'Enter a name.';
  if (name.length > LIMITS.nameMaxChars) return `At most ${LIMITS.nameMaxChars} characters.`;
  return undefined;
}

export function checkScopes(scopes: readonly string[], kind?: string): string | undefined {
  if (scopes.length > LIMITS.scopesMax) return `At most ${LIMITS.scopesMax} scopes.`;
  const bad = scopes.find((s) => !SCOPE_RE.test(s));
  if (bad !== undefined) return `"${bad}" is not a scope: use lowercase resource:action, such as profile:read (* for a whole part).`;
  if (kind === 'export') {
    const write = scopes.find((s) => !s.endsWith(':read'));
    if (write !== undefined) return `Export keys are read-only: only …:read scopes ("${write}" is not one).`;
  }
  if (kind === 'restricted' && scopes.length === 0) return 'A restricted key needs at least one scope.';
  return undefined;
}

function octet(p: string): boolean {
  return /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255;
}

function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every(octet);
}

function isIpv6(text: string): boolean {
  let t = text;
  const lastColon = t.lastIndexOf(':');
  // An embedded IPv4 tail (`::ffff:192.0.2.1`) stands for the last two groups.
  if (t.includes('.', lastColon)) {
    if (!isIpv4(t.slice(lastColon + 1))) return false;
    t = `${t.slice(0, lastColon)}:0:0`;
  }
  const halves = t.split('::');
  if (halves.length > 2) return false;
  const group = (g: string) => /^[0-9a-fA-F]{1,4}$/.test(g);
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  if (![...head, ...tail].every(group)) return false;
  const n = head.length + tail.length;
  return halves.length === 2 ? n <= 7 : n === 8;
}

/** An IPv4/IPv6 address or CIDR range, as lib/cidr.ts accepts it (a bare address is a /32 or /128). */
export function isCidrOrIp(text: string): boolean {
  const slash = text.indexOf('/');
  const addr = slash >= 0 ? text.slice(0, slash) : text;
  const v4 = isIpv4(addr);
  if (!v4 && !isIpv6(addr.replace(/%[0-9A-Za-z._~-]+$/, ''))) return false;
  if (slash < 0) return true;
  const bits = text.slice(slash + 1);
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (v4 ? 32 : 128);
}

function depthExceeds(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) return true;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return false;
}

/** Metadata: a JSON object (empty text is `{}`), at most 4 KiB serialised and 16 levels deep. */
export function parseMeta(text: string): Parsed<Record<string, unknown>> {
  if (!text.trim()) return { value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { errors: { meta: 'Not valid JSON. Use an object such as {"team": "payments"}.' } };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { errors: { meta: 'Must be a JSON object ({ … }), not a list or a single value.' } };
  if (depthExceeds(value, LIMITS.metaMaxDepth)) return { errors: { meta: `Nests more than ${LIMITS.metaMaxDepth} levels deep.` } };
  if (new TextEncoder().encode(JSON.stringify(value)).byteLength > LIMITS.metaMaxBytes) return { errors: { meta: `Larger than ${LIMITS.metaMaxBytes} bytes.` } };
  return { value: value as Record<string, unknown> };
}

/** A whole number in [min, max] from a field, or a message. */
function wholeNumber(text: string, min: number, max: number): number | string {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return `Enter a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}.`;
  const n = Number(t);
  if (n < min || n > max) return `Must be from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}.`;
  return n;
}

export function parseGraceSeconds(text: string): Parsed<number> {
  const n = wholeNumber(text, 0, LIMITS.graceMaxSeconds);
  return typeof n === 'number' ? { value: n } : { errors: { grace: `${n} (${LIMITS.graceMaxSeconds} seconds is 90 days.)` } };
}

export function parseReason(text: string): Parsed<string> {
  const reason = text.trim();
  if (!reason) return { errors: { reason: 'Say why, for the audit log.' } };
  if (reason.length > LIMITS.reasonMaxChars) return { errors: { reason: `At most ${LIMITS.reasonMaxChars} characters.` } };
  return { value: reason };
}

export function parseAppName(text: string): Parsed<string> {
  const e = checkName(text);
  return e ? { errors: { appName: e } } : { value: text.trim() };
}

export interface KeyCreateFields {
  readonly kind: string;
  readonly name: string;
  readonly scopes: string;
  /** Who the key acts for; empty for none. */
  readonly subject: string;
}

/** Kinds the server refuses to create without a subject (keys/validate.ts: a device credential names its device). */
export const SUBJECT_REQUIRED_KINDS: ReadonlySet<string> = new Set(['device']);

/**
 * A key's subject: optional for every kind but `device` (keys/validate.ts). A publishable key
 * without one is still subject-bound (keys/decide.ts SUBJECT_BOUND_KINDS): each request must name
 * its subject, so binding it here fixes it to one user. 1 to 256 characters, as the route's schema
 * and keys/validate.ts say; counted in UTF-16 units, the stricter of the two counts (the schema's
 * is in code points), so what passes here passes there. Trimmed: a subject pasted with a trailing
 * space would otherwise never match the one the app sends.
 */
export function checkSubject(text: string, kind: string): string | undefined {
  const subject = text.trim();
  if (!subject) return SUBJECT_REQUIRED_KINDS.has(kind) ? `A ${kind} key must name its subject (the device it belongs to).` : undefined;
  if (subject.length > LIMITS.subjectMaxChars) return `At most ${LIMITS.subjectMaxChars} characters.`;
  return undefined;
}

export function parseKeyCreate(f: KeyCreateFields): Parsed<{ kind: string; name: string; scopes?: string[]; subject?: string }> {
  const errors: FieldErrors = {};
  const nameError = checkName(f.name);
  if (nameError) errors.newName = nameError;
  const scopes = listItems(f.scopes);
  const scopeError = checkScopes(scopes, f.kind);
  if (scopeError) errors.newScopes = scopeError;
  const subjectError = checkSubject(f.subject, f.kind);
  if (subjectError) errors.newSubject = subjectError;
  const subject = f.subject.trim();
  return result({ kind: f.kind, name: f.name.trim(), ...(scopes.length ? { scopes } : {}), ...(subject ? { subject } : {}) }, errors);
}

/** The key edit form's fields, as text (what the inputs hold). */
export interface KeyEditFields {
  readonly kind: string;
  readonly scopes: string;
  /** `datetime-local` text (local time, no zone) or empty for "never". */
  readonly expiresAt: string;
  readonly meta: string;
  readonly ipAllowList: string;
  readonly rateEnabled: boolean;
  readonly rate: string;
  readonly windowSeconds: string;
  readonly burst: string;
  readonly creditsEnabled: boolean;
  readonly creditsAmount: string;
  /** `none`, `daily`, `monthly` or `interval`. */
  readonly refill: string;
  readonly refillSeconds: string;
}

export interface KeyPatch {
  scopes: string[];
  expiresAt: string | null;
  meta: Record<string, unknown>;
  ipAllowList: string[];
  ratelimit: { rate: number; windowSeconds: number; burst: number } | null;
  credits?: { amount: number; refill: 'daily' | 'monthly' | { intervalSeconds: number } | null } | null;
}

/**
 * The PATCH body for the key edit form, or every field's problem at once. `nowMs` is an argument
 * (an expiry must lie in the future). Credits are sent only when `creditsChanged`: setting credits
 * restarts the balance on the server, so saving an unrelated field must not refill it.
 */
export function parseKeyEdit(f: KeyEditFields, nowMs: number, creditsChanged: boolean): Parsed<KeyPatch> {
  const errors: FieldErrors = {};
  const scopes = listItems(f.scopes);
  const scopeError = checkScopes(scopes, f.kind);
  if (scopeError) errors.scopes = scopeError;

  let expiresAt: string | null = null;
  if (f.expiresAt.trim()) {
    const ms = Date.parse(f.expiresAt);
    if (!Number.isFinite(ms)) errors.expiresAt = 'Not a date and time.';
    else if (ms <= nowMs) errors.expiresAt = 'Must be in the future (clear it for a key that never expires).';
    else expiresAt = new Date(ms).toISOString();
  }

  const meta = parseMeta(f.meta);
  if (meta.errors) Object.assign(errors, meta.errors);

  const ipAllowList = listItems(f.ipAllowList);
  if (ipAllowList.length > LIMITS.ipAllowListMax) errors.ipAllowList = `At most ${LIMITS.ipAllowListMax} entries.`;
  else {
    const bad = ipAllowList.find((c) => !isCidrOrIp(c));
    if (bad !== undefined) errors.ipAllowList = `"${bad}" is not an IP address or CIDR range (such as 203.0.113.0/24 or 2001:db8::/32).`;
  }

  let ratelimit: KeyPatch['ratelimit'] = null;
  if (f.rateEnabled) {
    const rate = wholeNumber(f.rate, 1, 1_000_000_000);
    const windowSeconds = wholeNumber(f.windowSeconds, 1, LIMITS.rateWindowMaxSeconds);
    const burst = wholeNumber(f.burst, 1, 1_000_000_000);
    if (typeof rate === 'string') errors.rate = rate;
    if (typeof windowSeconds === 'string') errors.windowSeconds = windowSeconds;
    if (typeof burst === 'string') errors.burst = burst;
    if (typeof rate === 'number' && typeof windowSeconds === 'number' && typeof burst === 'number') ratelimit = { rate, windowSeconds, burst };
  }

  let credits: KeyPatch['credits'] = null;
  if (f.creditsEnabled) {
    const amount = wholeNumber(f.creditsAmount, 1, LIMITS.creditsMaxAmount);
    if (typeof amount === 'string') errors.creditsAmount = amount;
    let refill: 'daily' | 'monthly' | { intervalSeconds: number } | null = null;
    if (f.refill === 'daily' || f.refill === 'monthly') refill = f.refill;
    else if (f.refill === 'interval') {
      const s = wholeNumber(f.refillSeconds, LIMITS.creditsMinIntervalSeconds, LIMITS.creditsMaxIntervalSeconds);
      if (typeof s === 'string') errors.refillSeconds = s;
      else refill = { intervalSeconds: s };
    } else if (f.refill !== 'none') errors.refill = 'Choose none, daily, monthly or every N seconds.';
    if (typeof amount === 'number') credits = { amount, refill };
  }

  return result({ scopes, expiresAt, meta: meta.value ?? {}, ipAllowList, ratelimit, ...(creditsChanged ? { credits } : {}) }, errors);
}

/** A key's current settings, as `GET /v1/keys/{id}` answers them (the fields the edit form covers). */
export interface KeySettingsNow {
  readonly scopes: readonly string[];
  readonly expiresAt: string | null;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly ipAllowList: readonly string[];
  readonly ratelimit: { readonly rate: number; readonly windowSeconds: number; readonly burst: number } | null;
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Only the fields that differ from the key as it is (credits, when present, were changed on
 * purpose): the audit record then names what really changed, and an unchanged form sends nothing.
 */
export function changedOnly(patch: KeyPatch, now: KeySettingsNow): Partial<KeyPatch> {
  const out: Partial<KeyPatch> = {};
  if (canonical(patch.scopes) !== canonical(now.scopes)) out.scopes = patch.scopes;
  const expiryNow = now.expiresAt === null ? null : Date.parse(now.expiresAt);
  const expiryNew = patch.expiresAt === null ? null : Date.parse(patch.expiresAt);
  // The form holds minutes: an expiry set elsewhere with seconds is unchanged if it is the same minute.
  if ((expiryNow === null) !== (expiryNew === null) || (expiryNow !== null && expiryNew !== null && Math.floor(expiryNow / 60_000) !== Math.floor(expiryNew / 60_000))) out.expiresAt = patch.expiresAt;
  if (canonical(patch.meta) !== canonical(now.meta)) out.meta = patch.meta;
  if (canonical(patch.ipAllowList) !== canonical(now.ipAllowList)) out.ipAllowList = patch.ipAllowList;
  if (canonical(patch.ratelimit) !== canonical(now.ratelimit)) out.ratelimit = patch.ratelimit;
  if (patch.credits !== undefined) out.credits = patch.credits;
  return out;
}
