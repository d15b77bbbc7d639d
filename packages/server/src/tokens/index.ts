/** Short-lived tokens: the one import path for the feature. */
export { createTokenService, TokenService, type RotateOptions, type SigningKeyInfo, type TokenServiceOptions } from './service.js';
export { acceptsTokens, DEFAULT_SIGNING_KEY_PUBLISH_DELAY_SECONDS, JWKS_MAX_AGE_SECONDS, signingKeyFor, signingKeySchedule, type SigningKeyScheduleEntry } from './lifecycle.js';
export type { MintInput, MintedToken } from './mint.js';
export type { TokenClaims, TokenDenyCode, TokenDenyReason, TokenExpectations, TokenResult } from './claims.js';
export { JWT_ALGORITHMS, type JwtAlgorithm, type SigningKeyRecord, type SigningKeyState, type TokenStore } from './store.js';
