import { isIP } from 'node:net';
import type { Environment } from '../keys/model.js';

/**
 * Asymmetric algorithms an external identity provider's token may use. Never `none`, never HS*:
 * an HMAC "verified" with the provider's public key as the secret is the classic alg-confusion
 * forgery, and a provider has no business sharing a secret with us.
 */
export const OIDC_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
export type OidcAlgorithm = (typeof OIDC_ALGORITHMS)[number];

/** Bounds of a provider's allowed clock difference, seconds. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

/**
 * An external OpenID Connect provider whose ID or access tokens an app accepts as its end users'
 * credentials (Auth0, Cognito, Firebase Auth, Keycloak …), kept in the app's settings.
 */
export interface IdentityProvider {
  /** Exact `iss` of its tokens, e.g. `https://example.eu.auth0.com/`. */
  readonly issuer: string;
  /** The `aud` its tokens must carry for this app (the API identifier, client id or project id). */
  readonly audience: string;
  /** Where its public keys are published (`jwks_uri` of its discovery document). */
  readonly jwksUri: string;
  /** The environment its users act in. */
  readonly environment: Environment;
  /** The algorithms accepted from it (a subset of {@link OIDC_ALGORITHMS}); each key is pinned to one. */
  readonly algorithms: readonly OidcAlgorithm[];
  /** Leeway for exp, nbf and iat, seconds (0 to {@link MAX_CLOCK_SKEW_SECONDS}). */
  readonly clockSkewSeconds: number;
}

/** A provider as given to the apps API: environment, algorithms and skew have defaults. */
export type IdentityProviderInput = Pick<IdentityProvider, 'issuer' | 'audience' | 'jwksUri'> & Partial<Pick<IdentityProvider, 'environment' | 'algorithms' | 'clockSkewSeconds'>>;

export interface ProviderProblem {
  /** JSON pointer below the settings object, e.g. `/identityProviders/0/jwksUri`. */
  readonly pointer: string;
  readonly message: string;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * An https URL, or http on loopback only (a provider on this machine, e.g. a local Keycloak or a
 * test server). Plain http across a network would let anyone on the path swap the keys.
 */
function urlProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2048) return 'must be an https:// URL of at most 2048 characters';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute https:// URL';
  }
  const loopback = LOOPBACK_NAMES.has(url.hostname) || (isIP(url.hostname) === 4 && url.hostname.startsWith('127.'));
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return 'must be https:// (http:// only on loopback)';
  if (url.username || url.password) return 'must not carry credentials';
  if (url.hash) return 'must not have a fragment';
  return undefined;
}

/**
 * Validates the identity providers of an app's settings (defaults filled in): every problem, each
 * with its pointer. Issuers are unique per app: the token's `iss` chooses the provider.
 */
export function checkIdentityProviders(value: unknown): { providers: IdentityProvider[]; problems: ProviderProblem[] } {
  const problems: ProviderProblem[] = [];
  const providers: IdentityProvider[] = [];
  if (!Array.isArray(value)) return { providers, problems: [{ pointer: '/identityProviders', message: 'must be a list' }] };
  if (value.length > 8) problems.push({ pointer: '/identityProviders', message: 'at most 8 identity providers per app' });
  const issuers = new Set<string>();
  value.forEach((raw, i) => {
    const at = (field: string) => `/identityProviders/${i}${field ? `/${field}` : ''}`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return problems.push({ pointer: at(''), message: 'must be an object' });
    const p = raw as Record<string, unknown>;
    for (const k of Object.keys(p)) if (!['issuer', 'audience', 'jwksUri', 'environment', 'algorithms', 'clockSkewSeconds'].includes(k)) problems.push({ pointer: at(k), message: 'unknown field' });
    const before = problems.length;
    const issuerProblem = urlProblem(p.issuer);
    if (issuerProblem) problems.push({ pointer: at('issuer'), message: issuerProblem });
    else if (issuers.has(p.issuer as string)) problems.push({ pointer: at('issuer'), message: 'another provider of this app has the same issuer' });
    else issuers.add(p.issuer as string);
    if (typeof p.audience !== 'string' || p.audience.length === 0 || p.audience.length > 256) problems.push({ pointer: at('audience'), message: 'must be 1 to 256 characters (the aud its tokens carry for this app)' });
    const jwksProblem = urlProblem(p.jwksUri);
    if (jwksProblem) problems.push({ pointer: at('jwksUri'), message: jwksProblem });
    const environment = p.environment ?? 'live';
    if (environment !== 'live' && environment !== 'test') problems.push({ pointer: at('environment'), message: 'must be live or test' });
    const algorithms = p.algorithms ?? [...OIDC_ALGORITHMS];
    if (!Array.isArray(algorithms) || algorithms.length === 0 || algorithms.some((a) => !(OIDC_ALGORITHMS as readonly unknown[]).includes(a))) problems.push({ pointer: at('algorithms'), message: `must be a non-empty list of ${OIDC_ALGORITHMS.join(', ')} (never none or HS*)` });
    const skew = p.clockSkewSeconds ?? 60;
    if (typeof skew !== 'number' || !Number.isInteger(skew) || skew < 0 || skew > MAX_CLOCK_SKEW_SECONDS) problems.push({ pointer: at('clockSkewSeconds'), message: `must be an integer from 0 to ${MAX_CLOCK_SKEW_SECONDS}` });
    if (problems.length > before) return;
    providers.push({ issuer: p.issuer as string, audience: p.audience as string, jwksUri: p.jwksUri as string, environment: environment as Environment, algorithms: [...new Set(algorithms as OidcAlgorithm[])], clockSkewSeconds: skew as number });
  });
  return { providers, problems };
}
