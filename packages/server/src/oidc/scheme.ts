import type { AppSettings } from '../apps/model.js';
import type { AuthContext, SchemeVerifier } from '../credentials/authenticate.js';
import type { CallerResult } from '../credentials/caller.js';
import type { DenyCode } from '../errors/catalogue.js';
import { isValidScope } from '../keys/scopes.js';
import type { Clock } from '../lib/clock.js';
import type { JwksRegistry } from './jwks.js';
import { MAX_TOKEN_LENGTH } from '../tokens/verify.js';
import { peekIssuer, verifyExternalToken } from './verify.js';

/** What the scheme is given: the bearer token, and the app the request names (X-Keyward-App), if any. */
export interface ExternalToken {
  readonly token: string;
  readonly appId?: string;
}

export interface OidcSchemeOptions {
  /** The app's settings (cached: this runs per request). */
  readonly appSettings: (appId: string) => Promise<AppSettings | undefined>;
  readonly jwks: JwksRegistry;
  readonly now: Clock;
}

const no = (code: DenyCode, reason: string): CallerResult => ({ valid: false, code, reason });

/**
 * The token's scopes, from `scope` (RFC 8693/9068: one space-separated string) or `scp` (a list,
 * as some providers send). Only concrete Keyward-shaped scopes count: a wildcard would be a grant
 * the provider never meant to make in Keyward's vocabulary.
 */
function scopesOf(claims: Readonly<Record<string, unknown>>): string[] {
  const raw = typeof claims.scope === 'string' ? claims.scope.split(' ') : Array.isArray(claims.scp) ? claims.scp : typeof claims.scp === 'string' ? claims.scp.split(' ') : [];
  return raw.filter((s): s is string => typeof s === 'string' && isValidScope(s) && !s.includes('*')).slice(0, 64);
}

/**
 * End users' tokens from an app's own identity provider (Auth0, Cognito, Firebase Auth, Keycloak)
 * as a credential scheme of the one authentication pipeline. The app is the verifier's
 * (`--app`, the verify API's app scope) or else the one the request names; the token's unverified
 * `iss` only chooses which of that app's providers then verifies it, fully. The caller is of kind
 * `oidc`, acts for the token's `sub` (subject binding applies), in the provider's environment,
 * with the token's concrete scopes.
 */
export function oidcScheme(options: OidcSchemeOptions): SchemeVerifier<ExternalToken> {
  return async (input: ExternalToken, context: AuthContext) => {
    if (context.appId !== undefined && input.appId !== undefined && input.appId !== context.appId) return no('TOKEN_INVALID', 'OTHER_APP');
    const appId = context.appId ?? input.appId;
    if (appId === undefined) return no('TOKEN_INVALID', 'APP_REQUIRED');
    // Before anything is decoded (the issuer peek included): no app lookup or parse for a huge token.
    if (input.token.length > MAX_TOKEN_LENGTH) return no('TOKEN_INVALID', 'TOO_LONG');
    const settings = await options.appSettings(appId);
    const issuer = peekIssuer(input.token);
    const provider = issuer === undefined ? undefined : settings?.identityProviders.find((p) => p.issuer === issuer);
    if (!provider) return no('TOKEN_INVALID', 'NO_PROVIDER');
    if (context.environment !== undefined && provider.environment !== context.environment) return no('TOKEN_INVALID', 'OTHER_ENVIRONMENT');
    const jwks = options.jwks.get(provider.jwksUri);
    const r = await verifyExternalToken(input.token, provider, (kid) => jwks.lookup(kid), options.now());
    if (!r.valid) return no(r.code, r.reason);
    return {
      valid: true,
      code: 'VALID',
      caller: { scheme: 'oidc', kind: 'oidc', id: `oidc:${r.subject}`, appId, environment: provider.environment, subject: r.subject, scopes: scopesOf(r.claims), signed: false, session: false, attested: false },
    };
  };
}
