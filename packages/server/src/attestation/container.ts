import type { KeywardConfig } from '../config/config.js';
import type { InvalidationBus } from '../cache/invalidation.js';
import type { Clock } from '../lib/clock.js';
import type { Keyring } from '../lib/sealed.js';
import type { Metrics } from '../observability/metrics.js';
import type { RateLimitStore } from '../ratelimit/store.js';
import type { SecretService } from '../secrets/service.js';
import type { SingleUseStore } from '../state/single-use.js';
import type { SqlStore } from '../store/sql/sql-store.js';
import type { TokenService } from '../tokens/service.js';
import { AttestationAdmin } from './admin.js';
import { assertionChecks, type AssertionCheck } from './assertion.js';
import { debugVerifier } from './debug/verifier.js';
import { ATTESTATION_EVENT_WINDOW_MS, AttestationEventRecorder } from './events.js';
import { AttestationFlow } from './flow.js';
import { AttestationRequestGate } from './gate.js';
import type { AttestationPlatform } from './provider.js';
import { AttestationSettings } from './settings.js';
import type { AttestationStore } from './store.js';
import { verifierRegistry, type PlatformVerifier } from './verifiers-registry.js';
import { buildPlatformVerifiers, platformVerifierOptionsFromConfig, verifyAppleAssertion } from './verifiers.js';

/** App attestation as the container holds it: the flow, its settings, the request-path gate and the admin side. */
export interface Attestation {
  readonly flow: AttestationFlow;
  readonly settings: AttestationSettings;
  readonly gate: AttestationRequestGate;
  readonly admin: AttestationAdmin;
  /** Monitored and refused attestations, aggregated per minute: listed, audited, webhooked. */
  readonly events: AttestationEventRecorder;
}

export interface AttestationDeps {
  readonly config: KeywardConfig;
  readonly store: AttestationStore;
  readonly core: SqlStore;
  readonly singleUse: SingleUseStore;
  readonly tokens: TokenService;
  readonly secrets: SecretService;
  /** Seals the key material in attestation policies (attestation/sealed-policy.ts). */
  readonly keyring: Keyring;
  readonly limits: RateLimitStore;
  readonly metrics: Metrics;
  /** The local change feed: an instance revoked on another node leaves this node's gate cache. */
  readonly feed: InvalidationBus;
  readonly now: Clock;
  /** Default: the built-in platform verifiers (Apple, Android, Play Integrity, external tokens), from the config. */
  readonly verifiers?: readonly PlatformVerifier[];
  /** Default: Apple's CBOR assertions for Apple instances, the generic ECDSA form for the rest. */
  readonly assertionChecks?: ReadonlyMap<AttestationPlatform, AssertionCheck>;
  readonly testHooks?: AttestationTestHooks;
  /** Queues webhook events (`attestation.failed`). */
  /** Wakes the webhook dispatcher after events were queued (their outbox rows commit with the events). */
  readonly onEventsQueued?: () => void;
  readonly onError?: (err: unknown) => void;
}

/**
 * Seams for tests that drive recorded platform data through the HTTP flow. A recorded App Attest
 * attestation was made over a fixed nonce and its assertion signed fixed bytes, with a private key
 * that stays in the device's Secure Enclave, so no server could ever produce a challenge or a
 * request they fit. These hooks let a test make the server hand out that challenge and check
 * that assertion over those bytes, while every other step (the route, the single-use take, the
 * platform verifier, the instance registry, the app token, the counter's compare-and-set, the
 * gateway) runs as in production.
 *
 * Why this cannot weaken a live deployment: they are an option of `createKeyward` only, never read
 * from the config or the environment, so `keyward start` and `keyward gateway` cannot set them; and
 * both apply to the `test` environment alone: a `live` challenge is always 32 random bytes and a
 * `live` assertion is always checked over the request.
 */
export interface AttestationTestHooks {
  /** The bytes of each `test`-environment challenge (12 to 64), instead of 32 random ones. */
  readonly challengeBytes?: (appId: string) => Uint8Array;
  /** What a `test`-environment assertion is verified over, given what Keyward built from the request. */
  readonly assertionClientData?: (built: Uint8Array) => Uint8Array;
}

/** A payload's platform is the caller's string: events name only these (anything else is `unknown`), so it cannot widen the aggregation key. */
const KNOWN_PLATFORMS: ReadonlySet<string> = new Set<AttestationPlatform>(['apple', 'android', 'play_integrity', 'external', 'debug']);

/** Built once by the container (keyward.ts). The debug verifier is always installed; it refuses outside `test`. */
export function createAttestation(d: AttestationDeps): Attestation {
  const { config, store, metrics, now } = d;
  const events = new AttestationEventRecorder({
    store,
    now,
    // The window is a minute; stores configured to flush only on demand (tests, CLI) do the same here.
    flushIntervalMs: config.usageFlushIntervalMs === 0 ? 0 : ATTESTATION_EVENT_WINDOW_MS,
    ...(d.onEventsQueued ? { onEventsQueued: d.onEventsQueued } : {}),
    ...(d.onError ? { onError: d.onError } : {}),
    onDropped: (o) => metrics.attestationEventsDropped.inc({ stage: o.stage }),
  });
  events.start();
  const settings = new AttestationSettings({ store, keyring: d.keyring, now, cacheTtlMs: config.appCacheTtlMs, maxAppTokenTtlSeconds: config.tokenMaxTtlSeconds });
  const gate = new AttestationRequestGate({
    store,
    settings,
    assertionCheck: assertionChecks(d.assertionChecks ?? new Map([['apple', verifyAppleAssertion]])),
    now,
    cacheTtlMs: config.cacheTtlMs,
    ...(d.testHooks?.assertionClientData ? { testAssertionClientData: d.testHooks.assertionClientData } : {}),
    onMonitored: (code, route, caller) => {
      metrics.attestationMonitored.inc({ route, code });
      events.record({ appId: caller.appId, environment: caller.environment, stage: 'request', outcome: 'monitored', code, subject: route, reason: code });
    },
    onRefused: (code, reason, subject, caller) => events.record({ appId: caller.appId, environment: caller.environment, stage: 'request', outcome: 'refused', code, subject, reason }),
  });
  const platform = d.verifiers ?? builtInVerifiers(now, config);
  const flow = new AttestationFlow({
    store,
    singleUse: d.singleUse,
    tokens: d.tokens,
    settings,
    verifiers: verifierRegistry([debugVerifier((hash) => store.findDebugTokenByHash(hash)), ...platform]),
    limits: d.limits,
    now,
    challengeTtlSeconds: config.attestationChallengeTtlSeconds,
    ...(d.testHooks?.challengeBytes ? { testChallengeBytes: d.testHooks.challengeBytes } : {}),
    onOutcome: (p, code, reason, appId, environment) => {
      metrics.attestations.inc({ platform: p, code });
      metrics.verification('attestation', code, reason);
      if (code !== 'VALID') events.record({ appId, environment, stage: 'attest', outcome: 'refused', code, subject: KNOWN_PLATFORMS.has(p) ? p : 'unknown', reason });
    },
  });
  d.feed.subscribe((m) => {
    if (m.type === 'instance') gate.forget(m.instanceId);
    else if (m.type === 'app') settings.forgetApp(m.appId);
    else if (m.type === 'all') {
      gate.clear();
      settings.clear();
    }
  });
  return { settings, gate, flow, events, admin: new AttestationAdmin({ store, core: d.core, settings, gate, secrets: d.secrets, now }) };
}

function builtInVerifiers(now: Clock, config: KeywardConfig): PlatformVerifier[] {
  const v = buildPlatformVerifiers({ now, ...platformVerifierOptionsFromConfig(config) });
  return [v.apple, v.android, v.play_integrity, v.external];
}
