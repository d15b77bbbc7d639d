import type { DenyCode } from '../errors/catalogue.js';
import type { KeyCredits } from '../keys/credits.js';
import type { PolicyState } from '../ratelimit/headers.js';
import type { Environment, KeyKind, KeyRecord } from '../keys/model.js';

/**
 * Every credential Keyward accepts, verified, reduced to one shape: who is calling, for which app
 * and environment, acting for which subject, with which scopes, and how strongly it was proven.
 * The access map, the gateway and the middleware decide on this shape only.
 */
export interface Caller {
  /** How the credential arrived. */
  readonly scheme: 'key' | 'session' | 'token' | 'signature' | 'oidc';
  /** The credential kind for the access map's `allow` lists. */
  readonly kind: CallerKind;
  /** The credential's id (`key_…`, `ses_…`, a JWT `jti`, a signature keyid, `oidc:<sub>`). */
  readonly id: string;
  readonly appId: string;
  readonly environment: Environment;
  readonly subject: string | null;
  readonly scopes: readonly string[];
  /** The request carried a valid RFC 9421 signature. */
  readonly signed: boolean;
  /** With a bearer credential plus a signature: the signing credential or device (`dev_…`) that signed. */
  readonly signedBy?: string;
  /** The caller is a user session. */
  readonly session: boolean;
  /** The caller presented a valid attested app token. */
  readonly attested: boolean;
  /** An app token's attested instance (`ins_…`, claim `kw_instance`). */
  readonly instanceId?: string;
  /** A token caller's `aud` claim: the one service it was minted for (checked by the access map). */
  readonly audience?: string;
  /** A key with credits whose spend was deferred (see `AuthContext.deferCredits`): the caller spends them. */
  readonly meteredKey?: boolean;
  /** With `meteredKey`: the key's own credits (absent when only its identity is metered), for the RateLimit policy. */
  readonly credits?: KeyCredits;
  /** A key with its own (or its identity's) rate limit: what those limits said for this call (credentials/budgets.ts). */
  readonly limitPolicies?: readonly PolicyState[];
}

/** `oidc`: an end user's token from the app's own identity provider (oidc/scheme.ts). */
export type CallerKind = Exclude<KeyKind, 'root' | 'refresh'> | 'token' | 'app-token' | 'oidc';

export type CallerResult =
  | { readonly valid: true; readonly code: 'VALID'; readonly caller: Caller }
  | { readonly valid: false; readonly code: DenyCode; readonly reason: string; readonly retryAfterMs?: number; /** A key refused by its own rate limit: its budgets as RateLimit policies. */ readonly policies?: readonly PolicyState[] };

/**
 * The caller an app key is, once verified: `subject` and `scopes` as the verification decided them
 * (keys/decide.ts). Shared by the bearer scheme and by `GET /v1/keys/{keyId}/access`, so the
 * access listing evaluates exactly the caller a request with the key would be.
 */
export function keyCaller(k: KeyRecord, subject: string | null, scopes: readonly string[]): Caller {
  return { scheme: 'key', kind: k.kind as CallerKind, id: k.id, appId: k.appId!, environment: k.environment!, subject, scopes, signed: false, session: false, attested: false };
}
