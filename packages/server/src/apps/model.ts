import type { AnomalyAction, AnomalyRule } from '../anomaly/model.js';
import type { IdentityProvider, IdentityProviderInput } from '../oidc/config.js';
import type { LeakAction } from '../leaks/model.js';

/** A tenant. Its `live` and `test` environments share nothing but this record. */
export interface App {
  readonly id: string;
  readonly name: string;
  readonly settings: AppSettings;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  /** Incremented on every change; guarded updates compare it (optimistic concurrency). */
  readonly version: number;
}

export interface AppSettings {
  /**
   * When a key of this app arrives in a URL query string it is always refused and marked exposed.
   * With this on, it is also revoked at once: URLs end up in proxy logs, browser history and
   * analytics, so a key seen there must be assumed public.
   */
  readonly revokeKeysSeenInUrls: boolean;
  /** Grace period used by rotate when the caller gives none. */
  readonly defaultRotationGraceSeconds: number;
  /**
   * Request signatures: components every signature for this app must cover, on top of Keyward's
   * defaults (@method @authority @path @query, and content-digest with a body).
   */
  readonly signatureRequiredComponents: readonly string[];
  /** Allowed clock difference for signature `created`/`expires`, seconds (at most the server's). */
  readonly signatureSkewSeconds: number;
  /** Longest lifetime of a token minted for this app, seconds (at most the server's `tokenMaxTtlSeconds`). */
  readonly maxTokenTtlSeconds: number;
  /**
   * TLS public-key pins for the app's API hosts (`sha256/<base64 SPKI hash>`), published as a
   * document signed with Keyward's JWKS keys so apps can update pins without a release.
   */
  readonly certificatePins: readonly string[];
  /** How long a published pin set stays valid, seconds. */
  readonly pinSetTtlSeconds: number;
  /**
   * Web origins (`https://app.example.com`, or `*` for any) whose pages may call the gateway and
   * the API with this app's credentials (CORS, http/cors.ts). Empty: none.
   */
  readonly corsOrigins: readonly string[];
  /**
   * External OpenID Connect providers (Auth0, Cognito, Firebase Auth, Keycloak …) whose tokens
   * this app's end users may present as credentials (kind `oidc` in the access map). Each one's
   * issuer, audience and JWKS URL are checked when set; its keys are fetched and cached.
   */
  readonly identityProviders: readonly IdentityProvider[];
  /**
   * What anomaly detection does when a rule fires for this app (anomaly/model.ts): `alert` (the
   * default for every rule), `throttle` (a key gets an own rate limit of twice its usual rate) or
   * `suspend` (a key is disabled, a session or device revoked). Rules left out alert.
   */
  readonly anomalyActions: Readonly<Partial<Record<AnomalyRule, AnomalyAction>>>;
  /**
   * What a leak report (`POST /v1/leaks`, `keyward leaks report`) does to a key of this app:
   * `revoke`, `flag` (mark exposed and notify), or `auto` (default: flag publishable keys, which
   * ship inside apps, revoke every other kind). See leaks/model.ts.
   */
  readonly leakAction: LeakAction;
}

/** Settings as given to create/update: any subset, identity providers with their defaults left out. */
export type AppSettingsInput = Partial<Omit<AppSettings, 'identityProviders'>> & { readonly identityProviders?: readonly IdentityProviderInput[] };

export const DEFAULT_APP_SETTINGS: AppSettings = {
  revokeKeysSeenInUrls: false,
  defaultRotationGraceSeconds: 24 * 3600,
  signatureRequiredComponents: [],
  signatureSkewSeconds: 300,
  maxTokenTtlSeconds: 3600,
  certificatePins: [],
  pinSetTtlSeconds: 7 * 86_400,
  corsOrigins: [],
  identityProviders: [],
  anomalyActions: {},
  leakAction: 'auto',
};
