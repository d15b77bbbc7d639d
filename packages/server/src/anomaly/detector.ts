import { add, advance, newBaseline, networkOf, spikeThreshold, type RateBaseline } from './baseline.js';
import type { Anomaly, AnomalyRule, AnomalyThresholds, Observation } from './model.js';

/** What the detector remembers of one credential. Plain data: it is what the store persists. */
export interface CredentialState {
  readonly appId: string | null;
  readonly kind: string | null;
  rate: RateBaseline;
  failures: RateBaseline;
  signatureFailures: RateBaseline;
  /** Network → last seen (ms), within the network window. */
  networks: Record<string, number>;
  /** Distinct subjects recently seen (bounded like user agents). */
  subjects: string[];
  userAgents: string[];
  /** Rule → quiet until (ms). */
  cooldowns: Partial<Record<AnomalyRule, number>>;
}

export interface AppState {
  failures: RateBaseline;
  cooldowns: Partial<Record<AnomalyRule, number>>;
}

export type BaselineEntry = { readonly entity: string; readonly type: 'credential'; readonly state: CredentialState } | { readonly entity: string; readonly type: 'app'; readonly state: AppState };

/** Credential kinds that act for one end user on one install: used from many networks at once, they look stolen. */
const ONE_USER_KINDS: ReadonlySet<string> = new Set(['session', 'device']);
/** Apps' failure counts for credentials that named no app (unknown keys against a shared gateway). */
const NO_APP = '(none)';

/**
 * The stateful half of anomaly detection: bounded maps of baselines, fed one observation at a
 * time, answering the anomalies that observation raised. The decisions are the pure functions of
 * baseline.ts; this class only keeps their state. Memory is bounded by `maxEntities` per map (the
 * least recently seen entity is forgotten first, so an attacker spraying random ids can only
 * shorten the memory of quiet keys, never grow it).
 */
export class AnomalyDetector {
  private readonly credentials = new Map<string, CredentialState>();
  private readonly apps = new Map<string, AppState>();
  /** The entity each map holds last (its most recently seen), so touching it again moves nothing. */
  private newestCredential: string | undefined;
  private newestApp: string | undefined;

  constructor(
    private readonly thresholds: AnomalyThresholds,
    private readonly maxEntities: number,
  ) {}

  get size(): number {
    return this.credentials.size + this.apps.size;
  }

  /** The anomalies this observation raised (usually none: then one shared empty list, nothing allocated). */
  observe(o: Observation): readonly Anomaly[] {
    let out: Anomaly[] | undefined;
    const t = this.thresholds;
    if (o.failed || o.signatureFailed) {
      const appKey = o.appId ?? NO_APP;
      const app = this.touchApp(appKey, o.atMs);
      app.failures = add(advance(app.failures, o.atMs, t.baselineAlpha));
      const n = app.failures.count;
      if (n >= t.minFailuresPerMinute && n >= t.failureFactor * Math.max(app.failures.mean, 1) && this.fire(app.cooldowns, 'verification_failures', o.atMs)) {
        (out ??= []).push({ rule: 'verification_failures', appId: o.appId, entity: appKey, credentialKind: null, atMs: o.atMs, detail: { failuresThisMinute: n, usualPerMinute: round(app.failures.mean) } });
      }
    }
    if (o.credentialId === null) return out ?? NONE;
    const c = this.touchCredential(o);
    if (o.failed || o.signatureFailed) {
      c.failures = add(advance(c.failures, o.atMs, t.baselineAlpha));
      if (o.signatureFailed) c.signatureFailures = add(advance(c.signatureFailures, o.atMs, t.baselineAlpha));
      return out ?? NONE;
    }
    const warm = c.rate.minutes >= t.warmupMinutes;
    c.rate = add(advance(c.rate, o.atMs, t.baselineAlpha));
    const limit = spikeThreshold(c.rate, t);
    if (warm && c.rate.count > limit && this.fire(c.cooldowns, 'traffic_spike', o.atMs)) {
      (out ??= []).push({ rule: 'traffic_spike', appId: c.appId, entity: o.credentialId, credentialKind: c.kind, atMs: o.atMs, detail: { requestsThisMinute: c.rate.count, usualPerMinute: round(c.rate.mean), threshold: round(limit) } });
    }
    if (o.clientIp !== null && c.kind !== null && ONE_USER_KINDS.has(c.kind)) {
      const cutoff = o.atMs - t.networkWindowMs;
      const networks: Record<string, number> = {};
      for (const [net, seen] of Object.entries(c.networks)) if (seen > cutoff) networks[net] = seen;
      networks[networkOf(o.clientIp)] = o.atMs;
      c.networks = networks;
      const distinct = Object.keys(networks).length;
      if (distinct > t.maxNetworks && this.fire(c.cooldowns, 'many_networks', o.atMs)) {
        (out ??= []).push({ rule: 'many_networks', appId: c.appId, entity: o.credentialId, credentialKind: c.kind, atMs: o.atMs, detail: { networks: distinct, windowMinutes: t.networkWindowMs / 60_000, threshold: t.maxNetworks } });
      }
    }
    if (o.subject !== null) c.subjects = remember(c.subjects, o.subject, t.maxUserAgentsPerKey);
    if (o.userAgent !== null && !c.userAgents.includes(o.userAgent)) {
      const known = c.userAgents.length;
      c.userAgents = remember(c.userAgents, o.userAgent, t.maxUserAgentsPerKey);
      if (warm && known > 0 && this.fire(c.cooldowns, 'new_user_agent', o.atMs)) {
        (out ??= []).push({ rule: 'new_user_agent', appId: c.appId, entity: o.credentialId, credentialKind: c.kind, atMs: o.atMs, detail: { knownUserAgents: known } });
      }
    }
    return out ?? NONE;
  }

  /** A key was seen in a URL: always an anomaly (once per cooldown per key). */
  keyInUrl(keyId: string, appId: string | null, kind: string | null, atMs: number): Anomaly | undefined {
    const c = this.touchCredential({ atMs, appId, credentialId: keyId, credentialKind: kind });
    if (!this.fire(c.cooldowns, 'key_in_url', atMs)) return undefined;
    return { rule: 'key_in_url', appId, entity: keyId, credentialKind: kind, atMs, detail: {} };
  }

  /** What the detector knows of an entity (a credential id or an app id), for the API. */
  baselineOf(entity: string): CredentialState | AppState | undefined {
    return this.credentials.get(entity) ?? this.apps.get(entity);
  }

  /** Every baseline, most recently seen last (what the store persists). */
  snapshot(): BaselineEntry[] {
    return [
      ...[...this.apps].map(([entity, state]) => ({ entity, type: 'app' as const, state })),
      ...[...this.credentials].map(([entity, state]) => ({ entity, type: 'credential' as const, state })),
    ];
  }

  /** Loads persisted baselines (oldest first), keeping at most `maxEntities` of each kind. */
  restore(entries: readonly BaselineEntry[]): void {
    this.newestCredential = undefined;
    this.newestApp = undefined;
    for (const e of entries) {
      if (e.type === 'app') this.put(this.apps, e.entity, e.state);
      else this.put(this.credentials, e.entity, e.state);
    }
  }

  private fire(cooldowns: Partial<Record<AnomalyRule, number>>, rule: AnomalyRule, atMs: number): boolean {
    const until = cooldowns[rule];
    if (until !== undefined && atMs < until) return false;
    cooldowns[rule] = atMs + this.thresholds.cooldownMs;
    return true;
  }

  private touchCredential(o: Pick<Observation, 'atMs' | 'appId' | 'credentialId' | 'credentialKind'>): CredentialState {
    const id = o.credentialId!;
    const existing = this.credentials.get(id);
    if (existing) {
      // Already the most recently seen (the usual case: a busy key's requests follow each other): nothing to reorder.
      if (this.newestCredential !== id) {
        this.credentials.delete(id);
        this.credentials.set(id, existing);
        this.newestCredential = id;
      }
      return existing;
    }
    this.newestCredential = id;
    const fresh: CredentialState = {
      appId: o.appId,
      kind: o.credentialKind,
      rate: newBaseline(o.atMs),
      failures: newBaseline(o.atMs),
      signatureFailures: newBaseline(o.atMs),
      networks: {},
      subjects: [],
      userAgents: [],
      cooldowns: {},
    };
    this.put(this.credentials, id, fresh);
    return fresh;
  }

  private touchApp(appId: string, atMs: number): AppState {
    const existing = this.apps.get(appId);
    if (existing) {
      if (this.newestApp !== appId) {
        this.apps.delete(appId);
        this.apps.set(appId, existing);
        this.newestApp = appId;
      }
      return existing;
    }
    this.newestApp = appId;
    const fresh: AppState = { failures: newBaseline(atMs), cooldowns: {} };
    this.put(this.apps, appId, fresh);
    return fresh;
  }

  private put<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    if (map.size >= this.maxEntities) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
    map.set(key, value);
  }
}

/** Newest last, at most `max` entries. */
function remember(list: string[], value: string, max: number): string[] {
  // Already the newest (a subject repeating its calls): the list as it is, no copy per request.
  if (list.length > 0 && list[list.length - 1] === value) return list;
  const next = list.filter((v) => v !== value);
  next.push(value.slice(0, 256));
  return next.length > max ? next.slice(next.length - max) : next;
}

const round = (n: number): number => Math.round(n * 100) / 100;

const NONE: readonly Anomaly[] = Object.freeze([]);
