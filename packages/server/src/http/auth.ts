import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { presented } from '../credentials/extract.js';
import { KeywardError } from '../errors/keyward-error.js';
import type { KeyDecision } from '../keys/decide.js';
import type { KeyKind, KeyRecord } from '../keys/model.js';
import { digestsEqual } from '../lib/crypto.js';
import { clientCertOf } from '../lib/tls.js';
import { CONSOLE_COOKIE, CSRF_HEADER, cookieValue } from '../console/model.js';
import type { Keyward } from '../keyward.js';
import { holds, isPermission, powerOf, reachesApp, type Permission } from '../rootkeys/permissions.js';

/**
 * Who may call a route. Every route MUST declare one (server.ts refuses to start otherwise), so
 * a forgotten declaration cannot leave a route open: deny by default.
 */
export type RouteAuth = 'public' | 'root' | 'root-or-secret';

/**
 * The operator (root key) or backend (secret key) calling the admin API. Not the pipeline's
 * `Caller`: admin routes act on the key record itself (its kind, app, permissions).
 */
export interface Operator {
  readonly key: KeyRecord;
  /** Audit actor string. */
  readonly actor: string;
}

/**
 * How a route handles root keys restricted to some apps. `param`: the route's `:appId` is the app
 * it acts on (checked before the handler runs). `handler`: the handler finds the app (from the
 * resource or the body) and calls {@link assertAppAccess}. Absent: the route acts across apps
 * (audit, metrics, sessions by id…), so only a root key for every app may call it.
 */
export type RouteApps = 'param' | 'handler';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
    /** What a root key must hold to call the route. Required on every non-public route (deny by default). */
    permission?: Permission;
    apps?: RouteApps;
  }
  interface FastifyRequest {
    caller?: Operator;
  }
}

/**
 * The operator credential of an admin API request, read by the one credential parser
 * (credentials/extract.ts). Two different credentials are refused rather than choosing one; an
 * Authorization header that is not `Bearer <key>` is refused, not ignored.
 */
export function presentedCredential(headers: IncomingHttpHeaders): string | undefined {
  const p = presented(headers);
  switch (p.type) {
    case 'bearer':
      return p.value;
    case 'ambiguous':
      throw new KeywardError('AMBIGUOUS_CREDENTIALS', 'send the key once, in Authorization or X-Api-Key, not both');
    case 'malformed':
      throw new KeywardError('UNAUTHORIZED', 'Authorization must be `Bearer <key>`', { headers: { 'www-authenticate': 'Bearer' } });
    default:
      return undefined;
  }
}

const ROOT_ONLY: readonly KeyKind[] = ['root'];
const ROOT_OR_SECRET: readonly KeyKind[] = ['root', 'secret'];

/** Authenticates the operator or backend calling the admin API. Fails closed on every error. */
export async function authenticate(kw: Keyward, request: FastifyRequest, auth: Exclude<RouteAuth, 'public'>): Promise<Operator> {
  return authenticateRaw(kw, request.raw, request.ip, auth);
}

/**
 * The same check on a bare Node request (the verify fast path has no Fastify request), so both
 * paths share one implementation. `ip` is the address Fastify would report for the request.
 * Answers synchronously (or throws synchronously) when the key is cached: the verify endpoint's
 * hot path then makes no promise for it.
 */
export function authenticateRaw(kw: Keyward, raw: IncomingMessage, ip: string, auth: Exclude<RouteAuth, 'public'>): Operator | Promise<Operator> {
  const presented = presentedCredential(raw.headers);
  if (presented === undefined) {
    // The dashboard: a root key exchanged for a cookie session (console/), checked by the same verifier.
    const cookie = cookieValue(raw.headers.cookie, CONSOLE_COOKIE);
    if (cookie !== undefined) return consoleOperator(kw, raw, ip, cookie);
    throw new KeywardError('UNAUTHORIZED', 'send a root key as `Authorization: Bearer <key>`', { headers: { 'www-authenticate': 'Bearer' } });
  }
  const cert = clientCertOf(raw).clientCertSha256;
  const req: { kinds: readonly KeyKind[]; ip: string; clientCertSha256?: string } = { kinds: auth === 'root' ? ROOT_ONLY : ROOT_OR_SECRET, ip };
  if (cert) req.clientCertSha256 = cert;
  const socket = raw.socket;
  const known = lastCredential.get(socket);
  if (known !== undefined && known.presented.length === presented.length && digestsEqual(known.presented, presented)) {
    const decision = kw.verifier.verifyDigest(known.hash, req);
    return decision instanceof Promise ? decision.then(callerOf) : callerOf(decision);
  }
  const hash = kw.verifier.digest(presented);
  if (typeof hash !== 'string') return callerOf(hash);
  const decision = kw.verifier.verifyDigest(hash, req);
  const remember = (d: KeyDecision): Operator => {
    const caller = callerOf(d); // throws for a refused credential, which is then not remembered
    lastCredential.set(socket, { presented, hash });
    return caller;
  };
  return decision instanceof Promise ? decision.then(remember) : remember(decision);
}

/**
 * The credential each connection last authenticated with, and its SHA-256: a backend calls with
 * the same root or secret key on every request of a keep-alive connection, and hashing it again
 * each time was a measurable share of the verify endpoint's cost. Only the hash is skipped: the
 * verifier still looks the digest up (so a revocation takes effect on the next request) and makes
 * its whole decision. The comparison is constant-time, since behind a proxy one connection can
 * carry several clients' requests. Only credentials that were accepted are remembered, one per
 * connection, and the entry goes with the socket (like an HTTP/2 HPACK table, it keeps a header
 * value for the connection's life; see docs/threat-model.md).
 */
const lastCredential = new WeakMap<object, { readonly presented: string; readonly hash: string }>();

/** Methods that change nothing: the only ones a dashboard session may call without the CSRF header. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

async function consoleOperator(kw: Keyward, raw: IncomingMessage, ip: string, cookie: string): Promise<Operator> {
  const csrf = raw.headers[CSRF_HEADER];
  const { decision } = await kw.console.resolve(cookie, ip, { required: !SAFE_METHODS.has(raw.method ?? 'GET'), presented: typeof csrf === 'string' ? csrf : undefined });
  return callerOf(decision);
}

function callerOf(decision: KeyDecision): Operator {
  if (!decision.valid) {
    // The verifier checks the format first (no separate parse here: one CRC pass per key).
    if (decision.reason === 'MALFORMED' || decision.reason === 'BAD_CHECKSUM') throw new KeywardError('KEY_MALFORMED', 'the key is malformed or fails its checksum');
    if (decision.code === 'KIND_NOT_ALLOWED') throw new KeywardError('FORBIDDEN', 'this route needs a root key');
    throw new KeywardError('UNAUTHORIZED', 'the key is not valid', { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
  }
  return { key: decision.key, actor: decision.key.id };
}

/**
 * Secret keys act only within their own app and environment; a root key restricted to some apps
 * only on those (and on nothing that belongs to no app, such as root keys themselves).
 */
export function assertAppAccess(caller: Operator, appId: string | null): void {
  if (caller.key.kind === 'root') {
    if (!reachesApp(powerOf(caller.key), appId)) throw new KeywardError('INSUFFICIENT_PERMISSION', appId === null ? 'this needs a root key for every app' : `this root key may not act on app ${appId}`);
    return;
  }
  if (caller.key.appId !== appId) throw new KeywardError('NOT_FOUND', 'app not found');
}

/** The start-up check of a route's declaration: a non-public route without a known permission is refused. */
export function routeDeclarationError(config: { auth?: unknown; permission?: unknown; apps?: unknown }): string | undefined {
  if (config.auth === 'public') return config.permission === undefined ? undefined : 'a public route needs no permission';
  if (typeof config.permission !== 'string' || !isPermission(config.permission)) return 'declares no known permission (rootkeys/permissions.ts); every non-public route must';
  if (config.apps !== undefined && config.apps !== 'param' && config.apps !== 'handler') return 'declares an unknown apps mode';
  return undefined;
}

/**
 * After authentication: a root key must hold the route's permission, and a key restricted to
 * some apps may only call routes that check the app (`apps`), on an app it may reach. Secret keys
 * are not root keys: they are bound to their app by the routes themselves, and permissions do not
 * apply to them. Fails closed: a route that reached here without a permission is refused.
 */
export function authorizeRoute(caller: Operator, route: { readonly permission?: Permission; readonly apps?: RouteApps }, params: unknown): void {
  if (caller.key.kind !== 'root') return;
  const power = powerOf(caller.key);
  if (route.permission === undefined || !holds(power, route.permission)) {
    throw new KeywardError('INSUFFICIENT_PERMISSION', `this root key lacks the permission ${route.permission ?? '(undeclared)'}`);
  }
  if (power.appIds === null) return;
  if (route.apps === undefined) throw new KeywardError('INSUFFICIENT_PERMISSION', 'this route acts across apps: it needs a root key for every app');
  if (route.apps === 'param') assertAppAccess(caller, (params as { appId?: string } | undefined)?.appId ?? null);
}
