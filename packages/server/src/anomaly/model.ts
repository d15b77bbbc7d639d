/**
 * Anomaly detection: the practical part of behaviour analytics. A key or a subject is compared
 * with its own recent past, not with a global model, so a quiet app and a busy one each get
 * alerts that mean something for them.
 *
 * Units: milliseconds for instants and windows, requests per minute for rates.
 */

/** The closed list of rules. Each has documented thresholds (docs/anomalies.md). */
export const ANOMALY_RULES = ['traffic_spike', 'many_networks', 'verification_failures', 'key_in_url', 'new_user_agent'] as const;
export type AnomalyRule = (typeof ANOMALY_RULES)[number];

/** What an app wants done when a rule fires, per rule (app setting `anomalyActions`). */
export type AnomalyAction = 'alert' | 'throttle' | 'suspend';
export const ANOMALY_ACTIONS: readonly AnomalyAction[] = ['alert', 'throttle', 'suspend'];

/** Defaults: alert everywhere; nothing is throttled or suspended unless the app asks. */
export const DEFAULT_ANOMALY_ACTIONS: Readonly<Record<AnomalyRule, AnomalyAction>> = {
  traffic_spike: 'alert',
  many_networks: 'alert',
  verification_failures: 'alert',
  key_in_url: 'alert',
  new_user_agent: 'alert',
};

/**
 * One verification seen by the gateway, a middleware or the verify endpoint. No secret: the
 * credential is named by its id. `failed` is any refusal of the credential itself (unknown,
 * revoked, bad signature …), not a refusal by the access map or a limit.
 */
export interface Observation {
  readonly atMs: number;
  /** The app the request was for (the key's app, or the gateway's), when known. */
  readonly appId: string | null;
  /** The credential's id when it was recognised (key id, session id, device id). */
  readonly credentialId: string | null;
  /** Key kind, or `session` / `device` / `token` / `oidc`. */
  readonly credentialKind: string | null;
  readonly subject: string | null;
  readonly clientIp: string | null;
  readonly userAgent: string | null;
  readonly failed: boolean;
  readonly signatureFailed: boolean;
}

/** Thresholds, with the reasons for the defaults in docs/anomalies.md. */
export interface AnomalyThresholds {
  /** Minutes of history a key needs before its rate can be called unusual. */
  readonly warmupMinutes: number;
  /** A minute is a spike above max(minSpikePerMinute, mean + spikeSigma · stddev, spikeFactor · mean). */
  readonly spikeSigma: number;
  readonly spikeFactor: number;
  readonly minSpikePerMinute: number;
  /** Smoothing of the per-minute baseline (EWMA weight of the newest minute). */
  readonly baselineAlpha: number;
  /** A session or device credential used from more distinct networks (/24, /48) than this within `networkWindowMs`. */
  readonly maxNetworks: number;
  readonly networkWindowMs: number;
  /** Failed verifications against one app within one minute, at least this many … */
  readonly minFailuresPerMinute: number;
  /** … and at least this many times the app's usual failures per minute. */
  readonly failureFactor: number;
  /** Distinct user agents remembered per key (a new one after warm-up is reported once). */
  readonly maxUserAgentsPerKey: number;
  /** After a rule fires for an entity it stays quiet this long (one alert per incident, not per request). */
  readonly cooldownMs: number;
}

export const DEFAULT_THRESHOLDS: AnomalyThresholds = {
  warmupMinutes: 30,
  spikeSigma: 6,
  spikeFactor: 4,
  minSpikePerMinute: 30,
  baselineAlpha: 0.05,
  maxNetworks: 4,
  networkWindowMs: 10 * 60_000,
  minFailuresPerMinute: 40,
  failureFactor: 5,
  maxUserAgentsPerKey: 16,
  cooldownMs: 30 * 60_000,
};

/** A rule that fired. `entity` is what the rule watches: a credential id, or an app id for failure bursts. */
export interface Anomaly {
  readonly rule: AnomalyRule;
  readonly appId: string | null;
  readonly entity: string;
  readonly credentialKind: string | null;
  readonly atMs: number;
  /** Numbers behind the decision (observed, baseline, threshold …), for the alert and the audit record. */
  readonly detail: Readonly<Record<string, number | string>>;
}
