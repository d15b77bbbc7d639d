import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import { generateKey, keyStatus, type Environment } from '@keyward/protocol';
import type { SchemeVerifier } from '../credentials/authenticate.js';
import { KeywardError } from '../errors/keyward-error.js';
import { sha256Hex } from '../lib/crypto.js';
import { newId } from '../lib/ids.js';
import type { Actor } from '../keys/service.js';
import { decideRefresh, decideSession, isLocked, THROTTLE } from './decide.js';
import { DEFAULT_SESSION_TTLS, type Session, type SessionDevice, type SessionTtls } from './model.js';
import type { SessionStore } from './store.js';

/** OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane. */
export const ARGON2_OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface IssuedSession {
  readonly session: Session;
  readonly sessionKey: string;
  readonly refreshToken: string;
}

export type SessionResult =
  | { readonly valid: true; readonly code: 'VALID'; readonly session: Session }
  | { readonly valid: false; readonly code: 'INVALID_CREDENTIAL' | 'SESSION_EXPIRED' | 'REFRESH_REUSED' | 'LOGIN_FAILED' | 'LOGIN_THROTTLED'; readonly reason: string; readonly retryAfterSeconds?: number };

const PASSWORD_MIN = 8;
const PASSWORD_MAX = 1024;

/**
 * Sessions: created by a backend for a subject it authenticated, or by Keyward's own password
 * login. Session keys are checked on every request: lookups are cached for `cacheTtlMs` and the
 * cache entry is dropped at once by revoke and refresh in this process; last-use times are
 * batched (idle expiry may therefore lag by at most `touchFlushIntervalMs`).
 */
export class SessionService {
  /**
   * Session-key lookups by hash, for `cacheTtlMs` (default 2 s). Dropped by this process's revoke
   * and refresh, and by the change feed for other processes' (`invalidateSession`, keyward.ts); a
   * lookup that began before an invalidation does not fill it (generation counter). Bounded:
   * 100,000 entries, then cleared.
   */
  private readonly cache = new Map<string, { readonly session: Session; readonly untilMs: number }>();
  private generation = 0;
  private readonly pendingTouches = new Map<string, number>();
  /** Last use seen by this process (not cleared by a flush, so idle decisions never go stale). */
  private readonly lastSeen = new Map<string, number>();
  private dummyHash: Promise<string> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      readonly store: SessionStore;
      readonly now: () => number;
      readonly ttls?: Partial<SessionTtls>;
      readonly cacheTtlMs?: number;
      readonly touchFlushIntervalMs?: number;
    },
  ) {
    const interval = deps.touchFlushIntervalMs ?? 1000;
    if (interval > 0) {
      this.timer = setInterval(() => void this.flushTouches().catch(() => {}), interval);
      this.timer.unref();
    }
  }

  private get ttls(): SessionTtls {
    return { ...DEFAULT_SESSION_TTLS, ...this.deps.ttls };
  }

  async create(input: { appId: string; environment: Environment; subject: string; device?: SessionDevice }, by: Actor): Promise<IssuedSession> {
    if (input.subject.length === 0 || input.subject.length > 256) throw new KeywardError('VALIDATION_FAILED', 'subject must be 1 to 256 characters');
    const now = this.deps.now();
    const t = this.ttls;
    const sessionKey = generateKey('session', input.environment);
    const refreshToken = generateKey('refresh', input.environment);
    const session: Session = {
      id: newId('ses'),
      appId: input.appId,
      environment: input.environment,
      subject: input.subject,
      device: input.device ?? {},
      sessionKeyHash: sha256Hex(sessionKey),
      sessionKeyExpiresAtMs: Math.min(now + t.sessionKeyTtlSeconds * 1000, now + t.absoluteTtlSeconds * 1000),
      refreshHash: sha256Hex(refreshToken),
      generation: 0,
      createdAtMs: now,
      lastUsedAtMs: now,
      idleTtlMs: t.idleTtlSeconds * 1000,
      absoluteExpiresAtMs: now + t.absoluteTtlSeconds * 1000,
      revokedAtMs: null,
      revokedReason: null,
    };
    await this.deps.store.insertSession(session, { ...by, action: 'session.create', target: session.id, data: { appId: input.appId, environment: input.environment, subject: input.subject, device: session.device } });
    return { session, sessionKey, refreshToken };
  }

  async verify(sessionKey: string, context: { appId?: string; environment?: string } = {}): Promise<SessionResult> {
    if (!sessionKey.startsWith('kw_ss_') || keyStatus(sessionKey) !== 'OK') return { valid: false, code: 'INVALID_CREDENTIAL', reason: 'MALFORMED' };
    const hash = sha256Hex(sessionKey);
    const now = this.deps.now();
    let session = this.cache.get(hash);
    if (!session || session.untilMs <= now) {
      const generation = this.generation;
      const found = await this.deps.store.findBySessionKeyHash(hash);
      session = found ? { session: found, untilMs: now + (this.deps.cacheTtlMs ?? 2000) } : undefined;
      if (session && generation === this.generation) this.cache.set(hash, session);
      if (this.cache.size > 100_000) this.cache.clear();
    }
    const d = decideSession(session?.session, now, this.lastSeen.get(session?.session.id ?? '') ?? 0, context);
    if (!d.valid) return { valid: false, code: d.code as 'INVALID_CREDENTIAL' | 'SESSION_EXPIRED', reason: d.reason };
    this.pendingTouches.set(d.session.id, now);
    if (this.lastSeen.size > 200_000) this.lastSeen.clear();
    this.lastSeen.set(d.session.id, now);
    return { valid: true, code: 'VALID', session: d.session };
  }

  /**
   * Rotates the session key and refresh token. A refresh token is single use: presenting one that
   * was already spent revokes the session (RFC 9700 §4.14's reuse detection) and answers
   * REFRESH_REUSED. Two concurrent refreshes with one token: one wins, the other is reuse.
   */
  async refresh(refreshToken: string): Promise<SessionResult & { sessionKey?: string; refreshToken?: string }> {
    if (!refreshToken.startsWith('kw_rf_') || keyStatus(refreshToken) !== 'OK') return { valid: false, code: 'INVALID_CREDENTIAL', reason: 'MALFORMED' };
    const hash = sha256Hex(refreshToken);
    const now = this.deps.now();
    const session = await this.deps.store.findByRefreshHash(hash);
    if (!session) return this.reuse(hash);
    const d = decideRefresh(session, now, this.lastSeen.get(session.id) ?? 0);
    if (!d.valid) return { valid: false, code: d.code as 'INVALID_CREDENTIAL' | 'SESSION_EXPIRED', reason: d.reason };
    const sessionKey = generateKey('session', session.environment);
    const nextRefresh = generateKey('refresh', session.environment);
    const sessionKeyExpiresAtMs = Math.min(now + this.ttls.sessionKeyTtlSeconds * 1000, session.absoluteExpiresAtMs);
    const outcome = await this.deps.store.rotateTokens({ sessionId: session.id, expectedRefreshHash: hash, sessionKeyHash: sha256Hex(sessionKey), sessionKeyExpiresAtMs, refreshHash: sha256Hex(nextRefresh), nowMs: now });
    if (outcome !== 'ok') return this.reuse(hash);
    this.invalidateSession(session.id);
    const updated = (await this.deps.store.getSession(session.id))!;
    return { valid: true, code: 'VALID', session: updated, sessionKey, refreshToken: nextRefresh };
  }

  private async reuse(hash: string): Promise<SessionResult> {
    const sessionId = await this.deps.store.findSpentRefresh(hash);
    if (!sessionId) return { valid: false, code: 'INVALID_CREDENTIAL', reason: 'UNKNOWN_REFRESH' };
    await this.revoke(sessionId, 'refresh token reused', { actor: 'system', requestId: 'refresh' });
    return { valid: false, code: 'REFRESH_REUSED', reason: 'SPENT_REFRESH' };
  }

  async revoke(sessionId: string, reason: string, by: Actor): Promise<void> {
    const s = await this.deps.store.getSession(sessionId);
    if (!s) throw new KeywardError('NOT_FOUND', 'session not found');
    const outcome = await this.deps.store.revokeSession(sessionId, reason, this.deps.now(), { ...by, action: 'session.revoke', target: sessionId, data: { reason, subject: s.subject } });
    this.invalidateSession(s.id);
    if (outcome === 'not_found') throw new KeywardError('NOT_FOUND', 'session not found');
  }

  async revokeAllForSubject(appId: string, environment: Environment, subject: string, reason: string, by: Actor): Promise<number> {
    const n = await this.deps.store.revokeSubjectSessions(appId, environment, subject, reason, this.deps.now(), { ...by, action: 'session.revoke_all', target: subject, data: { appId, environment, reason } });
    this.generation++;
    for (const [hash, entry] of this.cache) if (entry.session.appId === appId && entry.session.subject === subject) this.cache.delete(hash);
    return n;
  }

  /** Drops a session's cached lookups (any of its key hashes) and any lookup in flight. Revocations are rare: a scan is fine. */
  invalidateSession(sessionId: string): void {
    this.generation++;
    for (const [hash, entry] of this.cache) if (entry.session.id === sessionId) this.cache.delete(hash);
  }

  clearCache(): void {
    this.generation++;
    this.cache.clear();
  }

  async get(sessionId: string): Promise<Session> {
    const s = await this.deps.store.getSession(sessionId);
    if (!s) throw new KeywardError('NOT_FOUND', 'session not found');
    return s;
  }

  async list(appId: string, environment: Environment, subject: string | undefined, includeRevoked = false): Promise<Session[]> {
    const sessions = await this.deps.store.listSessions(appId, environment, subject, includeRevoked, 500);
    return sessions.map((s) => ({ ...s, lastUsedAtMs: Math.max(s.lastUsedAtMs, this.lastSeen.get(s.id) ?? 0) }));
  }

  async setPassword(appId: string, environment: Environment, subject: string, password: string, by: Actor): Promise<void> {
    if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) throw new KeywardError('VALIDATION_FAILED', `password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`);
    const hash = await argonHash(password, ARGON2_OPTIONS);
    await this.deps.store.setPassword(appId, environment, subject, hash, this.deps.now(), { ...by, action: 'password.set', target: subject, data: { appId, environment } });
  }

  /**
   * Password login. Throttled per account: the attempt is reserved in the store (counted as a
   * failure, refused when locked) BEFORE argon2 runs, so of any number of parallel guesses at most
   * the throttle's allowance is evaluated; the rest answer LOGIN_THROTTLED without hashing. A
   * success clears the count; a failure is already counted. An unknown subject costs one argon2
   * verification like a known one, and answers LOGIN_FAILED like a wrong password.
   */
  async login(input: { appId: string; environment: Environment; subject: string; password: string; device?: SessionDevice }, by: Actor): Promise<SessionResult & { issued?: IssuedSession }> {
    const now = this.deps.now();
    const reserved = await this.deps.store.reservePasswordAttempt(input.appId, input.environment, input.subject, now, THROTTLE);
    if (reserved.outcome === 'locked') return { valid: false, code: 'LOGIN_THROTTLED', reason: 'LOCKED', retryAfterSeconds: Math.max(1, Math.ceil((reserved.lockedUntilMs - now) / 1000)) };
    const record = reserved.outcome === 'granted' ? reserved.record : undefined;
    const passwordOk = input.password.length <= PASSWORD_MAX && (await argonVerify(record?.hash ?? (await this.dummy()), input.password).catch(() => false));
    if (!record) return { valid: false, code: 'LOGIN_FAILED', reason: 'UNKNOWN_SUBJECT' };
    if (!passwordOk) {
      // Settled already: the reservation counted this failure (and set the lock if it was the last allowed).
      return isLocked(record, now)
        ? { valid: false, code: 'LOGIN_THROTTLED', reason: 'LOCKED_NOW', retryAfterSeconds: Math.ceil((record.lockedUntilMs - now) / 1000) }
        : { valid: false, code: 'LOGIN_FAILED', reason: 'WRONG_PASSWORD' };
    }
    // Guarded on the hash just verified: a success against a password replaced meanwhile must not
    // wipe the new password's failures. The login itself stands (the password was right when checked).
    await this.deps.store.clearPasswordFailures(input.appId, input.environment, input.subject, record.hash);
    const issued = await this.create({ appId: input.appId, environment: input.environment, subject: input.subject, ...(input.device ? { device: input.device } : {}) }, by);
    return { valid: true, code: 'VALID', session: issued.session, issued };
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= argonHash('keyward-dummy-password-for-timing', ARGON2_OPTIONS);
    return this.dummyHash;
  }

  async flushTouches(): Promise<void> {
    if (this.pendingTouches.size === 0) return;
    const touches = [...this.pendingTouches].map(([id, lastUsedAtMs]) => ({ id, lastUsedAtMs }));
    this.pendingTouches.clear();
    await this.deps.store.touchSessions(touches);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flushTouches().catch(() => {});
  }

  /** Sessions as a credential scheme for `authenticate()`. */
  scheme(): SchemeVerifier<string> {
    return async (sessionKey, context) => {
      const r = await this.verify(sessionKey, context);
      if (!r.valid) return { valid: false, code: r.code, reason: r.reason };
      const s = r.session;
      return {
        valid: true,
        code: 'VALID',
        caller: { scheme: 'session', kind: 'session', id: s.id, appId: s.appId, environment: s.environment, subject: s.subject, scopes: [], signed: false, session: true, attested: false },
      };
    };
  }
}
