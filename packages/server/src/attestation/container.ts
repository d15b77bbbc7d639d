import type { KeywardConfig } from '../config/config.js';
import type { InvalidationBus } from '../cache/invalidation.js';
import type { Clock } from '../lib/clock.js';
import type { Metrics } from '../observability/metrics.js';
import type { RateLimitStore } from '../ratelimit/store.js';
import type { SecretService } from '../secrets/service.js';
import type { SingleUseStore } from '../state/single-use.js';
import type { SqlStore } from '../store/sql/sql-store.js';
import type { TokenService } from '../tokens/service.js';
import { AttestationAdmin } from './admin.js';
import { assertionChecks, type AssertionCheck } from './assertion.js';
import { debugVerifier } from './debug/verifier.js';
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
}

export interface AttestationDeps {
  readonly config: KeywardConfig;
  readonly store: AttestationStore;
  readonly core: SqlStore;
  readonly singleUse: SingleUseStore;
  readonly tokens: TokenService;
  readonly secrets: SecretService;
  readonly limits: RateLimitStore;
  readonly metrics: Metrics;
  /** The local change feed: an instance revoked on another node leaves this node's gate cache. */
  readonly feed: InvalidationBus;
  readonly now: Clock;
  /** Default: the built-in platform verifiers (Apple, Android, Play Integrity, external tokens), from the config. */
  readonly verifiers?: readonly PlatformVerifier[];
  /** Default: Apple's CBOR assertions for Apple instances, the generic ECDSA form for the rest. */
  readonly assertionChecks?: ReadonlyMap<AttestationPlatform, AssertionCheck>;
}

/** Built once by the container (keyward.ts). The debug verifier is always installed; it refuses outside `test`. */
export function createAttestation(d: AttestationDeps): Attestation {
  const { config, store, metrics, now } = d;
  const settings = new AttestationSettings({ store, now, cacheTtlMs: config.appCacheTtlMs, maxAppTokenTtlSeconds: config.tokenMaxTtlSeconds });
  const gate = new AttestationRequestGate({
    store,
    settings,
    assertionCheck: assertionChecks(d.assertionChecks ?? new Map([['apple', verifyAppleAssertion]])),
    now,
    cacheTtlMs: config.cacheTtlMs,
    onMonitored: (code, route) => metrics.attestationMonitored.inc({ route, code }),
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
    onOutcome: (p, code, reason) => {
      metrics.attestations.inc({ platform: p, code });
      metrics.verification('attestation', code, reason);
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
  return { settings, gate, flow, admin: new AttestationAdmin({ store, core: d.core, settings, gate, secrets: d.secrets, now }) };
}

function builtInVerifiers(now: Clock, config: KeywardConfig): PlatformVerifier[] {
  const v = buildPlatformVerifiers({ now, ...platformVerifierOptionsFromConfig(config) });
  return [v.apple, v.android, v.play_integrity, v.external];
}
