export { createKeywardClient, REFUSAL_HEADER, type KeywardClientOptions, type RequestSigner } from './client.js';
export { KeywardApiError, KeywardError, KeywardNetworkError } from './errors.js';
export { memorySessionStorage, SessionManager, type SessionStorage, type SessionTokens } from './session.js';
export { SkewClock } from './clock.js';
export { createSigner, generateDeviceKeyPair, type ClientAlgorithm, type SignerOptions } from './signer.js';
export { verifyPinSet, PinSetError, type PinSet } from './pins.js';
export type { FetchLike, HeadersLike, RequestInitLike, ResponseLike, URLLike, WebFetch, WebHeaders, WebRequestInit, WebResponse, WebURL } from './web.js';
export { AttestationClient, type AttestationBridge, type AttestationClientOptions } from './attestation.js';
