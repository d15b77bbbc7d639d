import type { CallerKind } from '../credentials/caller.js';
import type { Environment } from '../keys/model.js';

/**
 * The access map, as loaded. One file says, for every route of the API behind Keyward, which
 * credential kinds may call it, with which scopes, for which subject, with what proof, how often,
 * and which server-held secret to inject. Anything it does not list is denied.
 */
export interface AccessMap {
  readonly version: 1;
  readonly limits: Readonly<Record<string, RateLimitSpec>>;
  readonly quotas: Readonly<Record<string, QuotaSpec>>;
  readonly resources: readonly Resource[];
  /**
   * The `aud` a token must carry on every resource that does not name its own: the service this
   * map fronts. A token minted for another service is refused even where `token` is allowed.
   */
  readonly audience: string | undefined;
  /**
   * Named services behind the gateway (`upstreams: { orders: { url: … } }`); a resource picks one
   * with `upstream:`. A resource that names none goes to the gateway's default (`--upstream`).
   */
  readonly upstreams: Readonly<Record<string, UpstreamSpec>>;
  /** Where it was loaded from, for error messages. */
  readonly source: string;
}

export interface UpstreamSpec {
  readonly name: string;
  /** Absolute http(s) URL without query or fragment; its path is a prefix put before the client's path. */
  readonly url: string;
  /** The `aud` a token must carry on the resources routed here (between a resource's own and the map's). */
  readonly audience: string | undefined;
}

export type LimitScope = 'credential' | 'subject' | 'app' | 'ip';

export interface RateLimitSpec {
  readonly name: string;
  /** Requests allowed per window on average. */
  readonly rate: number;
  readonly windowSeconds: number;
  /** Requests allowed at once (bucket size). Defaults to `rate`. */
  readonly burst: number;
  readonly by: LimitScope;
}

export interface QuotaSpec {
  readonly name: string;
  /** Credits granted per period. */
  readonly amount: number;
  readonly refill: 'daily' | 'monthly' | { readonly intervalSeconds: number };
  readonly by: LimitScope;
}

/**
 * `attestation`: an app token from an attested instance. `assertion`: that, plus a per-request
 * assertion signed by the instance's attested key (attestation/assertion.ts); implies `attestation`.
 */
export type Requirement = 'signature' | 'session' | 'attestation' | 'assertion';

export interface SecretInjection {
  readonly name: string;
  /** Header to set on the upstream request. */
  readonly header: string;
  /** `{secret}` is replaced by the value, e.g. `Bearer {secret}`. */
  readonly format: string;
}

export interface Resource {
  readonly name: string;
  readonly path: string;
  readonly methods: readonly string[] | '*';
  readonly allow: readonly CallerKind[];
  readonly scopes: readonly string[];
  /** Path parameter that must equal the caller's subject. */
  readonly subject: string | undefined;
  /** Bind the subject for every kind, not only subject-bound ones. */
  readonly subjectForAll: boolean;
  readonly require: readonly Requirement[];
  readonly environments: readonly Environment[] | undefined;
  readonly minAppVersion: Readonly<Partial<Record<Environment, string>>>;
  readonly rateLimits: readonly string[];
  readonly quota: string | undefined;
  readonly cost: number;
  readonly injectSecret: SecretInjection | undefined;
  /** The `aud` a token caller must carry here (overrides its upstream's and the map's `audience`). */
  readonly audience: string | undefined;
  /** Name of the map's upstream this resource is forwarded to; undefined: the gateway's default. */
  readonly upstream: string | undefined;
  /**
   * Monitor-only for attestation on this route: a missing attestation or a missing or failed
   * assertion is recorded (metrics, "would have blocked") and the call goes on.
   */
  readonly monitor?: boolean;
  /** 1-based line of the resource in the file (for `explain`). */
  readonly line: number;
}

export const CALLER_KINDS: readonly CallerKind[] = ['publishable', 'secret', 'restricted', 'export', 'bearer', 'device', 'signing', 'session', 'token', 'app-token', 'oidc'];

/**
 * Kinds that act for exactly one subject: their subject is always bound to a rule's `subject`
 * parameter. Secret, restricted, export, bearer and signing credentials are backend credentials
 * and are bound only where a rule says `subjectFor: all`.
 */
export const SUBJECT_BOUND: ReadonlySet<CallerKind> = new Set(['publishable', 'session', 'device', 'token', 'app-token', 'oidc']);

/** Kinds whose power is their scope list; sessions and devices act for themselves and are governed by subject binding. */
export const SCOPED: ReadonlySet<CallerKind> = new Set(['publishable', 'secret', 'restricted', 'export', 'bearer', 'signing', 'token', 'app-token', 'oidc']);
