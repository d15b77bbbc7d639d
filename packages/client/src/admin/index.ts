/**
 * `@keyward/client/admin`: the typed client of Keyward's admin and verify API, for your backend
 * (it holds a root key or an app's secret key; never ship it in an app). Request and response
 * types are generated from the server's OpenAPI description (api.gen.ts), so they cannot drift.
 *
 * ```ts
 * const kw = createKeywardAdmin({ baseUrl: 'http://127.0.0.1:8787', rootKey: process.env.KEYWARD_ROOT_KEY! });
 * const { key, secret } = await kw.keys.create({ appId, kind: 'secret', environment: 'live', name: 'backend' });
 * const result = await kw.keys.verify(secret);   // { valid, code, … }: "no" is a value, not an exception
 * if (!result.valid) console.log(result.code);   // INVALID_CREDENTIAL, RATE_LIMITED, …
 * ```
 *
 * Refusals throw {@link KeywardApiError} with the catalogue `code`, `status` and `requestId`;
 * network failures throw {@link KeywardNetworkError}.
 */
import type { VerifyCode } from '@keyward/protocol';
import { KeywardApiError } from '../errors.js';
import type { OperationId, Operations } from './api.gen.js';
import { createTransport, type AdminTransportOptions, type Call } from './transport.js';

export type { Operations, OperationId, Problem } from './api.gen.js';
export { ROUTES } from './api.gen.js';
export type { AdminTransportOptions, Call, CallInput } from './transport.js';
export { KeywardApiError, KeywardError, KeywardNetworkError, type ApiErrorCode } from '../errors.js';

/** The JSON body an operation takes. */
export type Body<K extends OperationId> = Operations[K]['body'];
/** The JSON an operation answers with (its 2xx response). */
export type Result<K extends OperationId> = Operations[K]['response'];
type Query<K extends OperationId> = Exclude<Operations[K]['query'], undefined>;
/** A list query with a numeric page size (the wire format carries it as a string). */
type ListQuery<K extends OperationId> = Omit<Query<K>, 'limit'> & { readonly limit?: number };

export type App = Result<'getAppsByAppId'>;
export type Key = Result<'getKeysByKeyId'>;
export type IssuedKey = Result<'postAppsByAppIdKeys'>;
/** A key verification's answer; `code` is VALID or a verify code of the catalogue. */
export type KeyVerification = Omit<Result<'postKeysVerify'>, 'code'> & { readonly code: VerifyCode | 'KEY_MALFORMED' };
export type VerifyRequirements = Omit<Body<'postKeysVerify'>, 'key'>;
export type CredentialVerification = Omit<Result<'postVerify'>, 'code'> & { readonly code: VerifyCode };

function listQuery<T extends { readonly limit?: number }>(q: T | undefined): Record<string, unknown> | undefined {
  if (!q) return undefined;
  return { ...q, limit: q.limit === undefined ? undefined : String(q.limit) };
}

/** Every item of a paged list, fetching the next page only when the caller gets there. */
async function* every<T>(page: (after: string | undefined) => Promise<{ readonly items: readonly T[]; readonly next?: string }>): AsyncGenerator<T, void, undefined> {
  let after: string | undefined;
  do {
    const p = await page(after);
    yield* p.items;
    after = p.next;
  } while (after);
}

export type KeywardAdminOptions = AdminTransportOptions;

/** Builds the admin client. Nothing is sent until a method is called. */
export function createKeywardAdmin(options: KeywardAdminOptions) {
  const call: Call = createTransport(options);
  return {
    /** The raw operation call, for an operation without a method here (typed all the same). */
    call,
    health: () => call('getHealthz', {}),
    ready: () => call('getReadyz', {}),
    apps: {
      create: (body: Body<'postApps'>) => call('postApps', { body }),
      list: (query?: ListQuery<'getApps'>) => call('getApps', { query: listQuery(query) as Query<'getApps'> }),
      /** Every app, page by page: `for await (const app of kw.apps.all()) …`. */
      all: (query: Omit<ListQuery<'getApps'>, 'after'> = {}) => every((after) => call('getApps', { query: listQuery({ ...query, after }) as Query<'getApps'> })),
      get: (appId: string) => call('getAppsByAppId', { params: { appId } }),
      update: (appId: string, patch: Body<'patchAppsByAppId'>) => call('patchAppsByAppId', { params: { appId }, body: patch }),
      /**
       * Deletes an app. Throws APP_HAS_CREDENTIALS while it has live keys, sessions or devices,
       * unless `force`: then they, and its tokens, are revoked with it.
       */
      delete: (appId: string, options: { readonly force?: boolean; readonly reason?: string } = {}) =>
        call('deleteAppsByAppId', { params: { appId }, query: { ...(options.force !== undefined ? { force: options.force ? 'true' : 'false' } : {}), ...(options.reason !== undefined ? { reason: options.reason } : {}) } }),
      /** The app's published certificate pin set (public: apps fetch it too). */
      pins: (appId: string) => call('getAppsByAppIdPins', { params: { appId } }),
    },
    keys: {
      /** Creates a key; the answer holds its secret, once. */
      create: ({ appId, ...body }: { readonly appId: string } & Body<'postAppsByAppIdKeys'>) => call('postAppsByAppIdKeys', { params: { appId }, body }),
      list: ({ appId, includeRevoked, ...query }: { readonly appId: string; readonly includeRevoked?: boolean } & Omit<ListQuery<'getAppsByAppIdKeys'>, 'includeRevoked'>) =>
        call('getAppsByAppIdKeys', { params: { appId }, query: listQuery({ ...query, ...(includeRevoked === undefined ? {} : { includeRevoked: includeRevoked ? 'true' : 'false' }) }) as Query<'getAppsByAppIdKeys'> }),
      /** Every key of an app, page by page: `for await (const key of kw.keys.all({ appId })) …`. */
      all: ({ appId, includeRevoked, ...query }: { readonly appId: string; readonly includeRevoked?: boolean } & Omit<ListQuery<'getAppsByAppIdKeys'>, 'includeRevoked' | 'after'>) =>
        every((after) =>
          call('getAppsByAppIdKeys', { params: { appId }, query: listQuery({ ...query, after, ...(includeRevoked === undefined ? {} : { includeRevoked: includeRevoked ? 'true' : 'false' }) }) as Query<'getAppsByAppIdKeys'> }),
        ),
      get: (keyId: string) => call('getKeysByKeyId', { params: { keyId } }),
      update: (keyId: string, patch: Body<'patchKeysByKeyId'>) => call('patchKeysByKeyId', { params: { keyId }, body: patch }),
      /** New secret, same key id; the old secret works until the grace period ends. */
      rotate: (keyId: string, options: Body<'postKeysByKeyIdRotate'> = {}) => call('postKeysByKeyIdRotate', { params: { keyId }, body: options }),
      revoke: (keyId: string, reason: string) => call('postKeysByKeyIdRevoke', { params: { keyId }, body: { reason } }),
      /** A new key with the same settings; the old one is revoked at once. */
      reissue: (keyId: string) => call('postKeysByKeyIdReissue', { params: { keyId } }),
      /** What each plaintext is (at most 100, in order): `active`, `revoked` or `unknown`, with the key id when known (`keyward scan --verify`). */
      lookup: (secrets: readonly string[]) => call('postKeysLookup', { body: { secrets: [...secrets] } }),
      /** Which calls of the server's access map the key may make, and why not (or one call, with `method` and `path`). */
      access: (keyId: string, query: Query<'getKeysByKeyIdAccess'> = {}) => call('getKeysByKeyIdAccess', { params: { keyId }, query }),
      /** The key's rate-limit state now (its own and its identity's), read without spending, and its credit balance. */
      limits: (keyId: string) => call('getKeysByKeyIdLimits', { params: { keyId } }),
      /**
       * Verifies a key and answers `{valid, code, …}`. An invalid, revoked, expired or rate-limited
       * key is a value, never an exception; so is a malformed one (`KEY_MALFORMED`, which the
       * server answers with a 400). Only a refusal of the caller itself (a bad root key, a secret
       * key reaching outside its app) or a broken server throws.
       */
      verify: async (key: string, requirements: VerifyRequirements = {}): Promise<KeyVerification> => {
        try {
          return (await call('postKeysVerify', { body: { ...requirements, key } })) as KeyVerification;
        } catch (err) {
          if (err instanceof KeywardApiError && err.code === 'KEY_MALFORMED') return { valid: false, code: 'KEY_MALFORMED', requestId: err.requestId ?? '' };
          throw err;
        }
      },
    },
    /** Verify any credential (key, session key, token, signed request) with one answer shape. */
    verify: async (body: Body<'postVerify'>): Promise<CredentialVerification> => (await call('postVerify', { body })) as CredentialVerification,
    sessions: {
      create: (body: Body<'postSessions'>) => call('postSessions', { body }),
      list: (query: Query<'getSessions'>) => call('getSessions', { query }),
      revoke: (sessionId: string, body: Body<'postSessionsBySessionIdRevoke'> = {}) => call('postSessionsBySessionIdRevoke', { params: { sessionId }, body }),
      /** Ends every session of a subject (sign out everywhere). */
      revokeSubject: (subject: string, body: Body<'postSubjectsBySubjectSessionsRevoke'>) => call('postSubjectsBySubjectSessionsRevoke', { params: { subject }, body }),
      setPassword: (subject: string, body: Body<'putSubjectsBySubjectPassword'>) => call('putSubjectsBySubjectPassword', { params: { subject }, body }),
    },
    tokens: {
      create: (body: Body<'postTokens'>) => call('postTokens', { body }),
      verify: (body: Body<'postTokensVerify'>) => call('postTokensVerify', { body }),
      /**
       * Revokes a token by its `jti` for one app and environment (a root key names both; a
       * secret key revokes in its own): refused by every verifier from then on.
       */
      revoke: (jti: string, body: Body<'postTokensByJtiRevoke'> = {}) => call('postTokensByJtiRevoke', { params: { jti }, body }),
      /** The public JWKS (what an upstream verifies tokens with). */
      jwks: () => call('getWellKnownJwksJson', {}),
    },
    signingKeys: {
      /** Every signing key with its publish-first schedule (published, activates, retires; which signs and verifies now). */
      list: () => call('getSigningKeys', {}),
      rotate: (body: Body<'postSigningKeysRotate'> = {}) => call('postSigningKeysRotate', { body }),
    },
    /** The access map the server was started with (`keyward start --policy`). */
    policy: {
      /** The loaded map as data (`loaded: false` without one). */
      get: () => call('getPolicy', {}),
      /** May this credential (in the body, never a URL) or key id make this call? The answer of `keyward policy explain`. */
      explain: (body: Body<'postPolicyExplain'>) => call('postPolicyExplain', { body }),
    },
    secrets: {
      /** Creates or replaces a server-held secret; the value is sealed and never read back. */
      put: ({ appId, environment, name, ...body }: { readonly appId: string; readonly environment: 'live' | 'test'; readonly name: string } & Body<'putAppsByAppIdSecretsByEnvironmentByName'>) =>
        call('putAppsByAppIdSecretsByEnvironmentByName', { params: { appId, environment, name }, body }),
      list: ({ appId, ...query }: { readonly appId: string } & Query<'getAppsByAppIdSecrets'>) => call('getAppsByAppIdSecrets', { params: { appId }, query }),
      delete: (secretId: string) => call('deleteSecretsBySecretId', { params: { secretId } }),
    },
    /** Operator keys with least privilege: a key never grants more than it holds; the last full-power one is kept. */
    rootKeys: {
      create: (body: Body<'postRootKeys'>) => call('postRootKeys', { body }),
      list: (query: Query<'getRootKeys'> = {}) => call('getRootKeys', { query }),
      get: (keyId: string) => call('getRootKeysByKeyId', { params: { keyId } }),
      update: (keyId: string, patch: Body<'patchRootKeysByKeyId'>) => call('patchRootKeysByKeyId', { params: { keyId }, body: patch }),
      rotate: (keyId: string, options: Body<'postRootKeysByKeyIdRotate'> = {}) => call('postRootKeysByKeyIdRotate', { params: { keyId }, body: options }),
      revoke: (keyId: string, reason: string) => call('postRootKeysByKeyIdRevoke', { params: { keyId }, body: { reason } }),
    },
    /** Identities: the keys of one customer share metadata, a rate limit and credits. */
    identities: {
      create: ({ appId, ...body }: { readonly appId: string } & Body<'postAppsByAppIdIdentities'>) => call('postAppsByAppIdIdentities', { params: { appId }, body }),
      list: ({ appId, ...query }: { readonly appId: string } & Query<'getAppsByAppIdIdentities'>) => call('getAppsByAppIdIdentities', { params: { appId }, query }),
      get: (identityId: string) => call('getIdentitiesByIdentityId', { params: { identityId } }),
      update: (identityId: string, patch: Body<'patchIdentitiesByIdentityId'>) => call('patchIdentitiesByIdentityId', { params: { identityId }, body: patch }),
      delete: (identityId: string, options: { readonly detachKeys?: boolean } = {}) =>
        call('deleteIdentitiesByIdentityId', { params: { identityId }, query: options.detachKeys === undefined ? {} : { detachKeys: options.detachKeys ? 'true' : 'false' } }),
    },
    devices: {
      list: (query: Query<'getDevices'> = {}) => call('getDevices', { query }),
      revoke: (deviceId: string) => call('postDevicesByDeviceIdRevoke', { params: { deviceId } }),
    },
    /** App attestation (docs/attestation.md): settings, attested instances, debug tokens. */
    attestation: {
      config: (query: Query<'getAttestationConfig'> = {}) => call('getAttestationConfig', { query }),
      updateConfig: (body: Body<'putAttestationConfig'>) => call('putAttestationConfig', { body }),
      instances: (query: Query<'getAttestationInstances'> = {}) => call('getAttestationInstances', { query }),
      revokeInstance: (instanceId: string) => call('postAttestationInstancesByInstanceIdRevoke', { params: { instanceId } }),
      createDebugToken: (body: Body<'postAttestationDebugTokens'>) => call('postAttestationDebugTokens', { body }),
      debugTokens: (query: Query<'getAttestationDebugTokens'>) => call('getAttestationDebugTokens', { query }),
      revokeDebugToken: (debugTokenId: string, appId: string) => call('postAttestationDebugTokensByDebugTokenIdRevoke', { params: { debugTokenId }, body: { appId } }),
      /** Failed and monitored attestations, aggregated per minute, newest first (`next` pages on). */
      events: (appId: string, query: Query<'getAppsByAppIdAttestationEvents'> = {}) => call('getAppsByAppIdAttestationEvents', { params: { appId }, query }),
    },
    analytics: {
      /**
       * Verification outcomes per bucket (minute, hour or day, UTC), split by code, for an app, a
       * key or an identity. `from`/`to` take a Date or an RFC 3339 string.
       */
      verifications: ({ from, to, ...query }: Omit<Query<'getAnalyticsVerifications'>, 'from' | 'to'> & { readonly from?: Date | string; readonly to?: Date | string } = {}) =>
        call('getAnalyticsVerifications', { query: { ...query, from: from instanceof Date ? from.toISOString() : from, to: to instanceof Date ? to.toISOString() : to } }),
      /** The keys with the most verifications in the window, ranked by the server (`limit` 1–100, default 10), with valid and rejected counts. */
      topKeys: ({ from, to, limit, ...query }: Omit<Query<'getAnalyticsTopKeys'>, 'from' | 'to' | 'limit'> & { readonly from?: Date | string; readonly to?: Date | string; readonly limit?: number } = {}) =>
        call('getAnalyticsTopKeys', { query: { ...query, from: from instanceof Date ? from.toISOString() : from, to: to instanceof Date ? to.toISOString() : to, limit: limit === undefined ? undefined : String(limit) } }),
      /** Attestation outcomes (with what monitor-only let through), leak reports, anomalies and webhook deliveries per bucket. */
      events: ({ from, to, ...query }: Omit<Query<'getAnalyticsEvents'>, 'from' | 'to'> & { readonly from?: Date | string; readonly to?: Date | string } = {}) =>
        call('getAnalyticsEvents', { query: { ...query, from: from instanceof Date ? from.toISOString() : from, to: to instanceof Date ? to.toISOString() : to } }),
    },
    anomalies: {
      /** An app's anomalies (newest first), or every anomaly across apps without `appId` (needs a root key for every app). */
      list: ({ appId, limit, ...query }: Omit<Query<'getAnomalies'>, 'limit'> & { readonly appId?: string; readonly limit?: number } = {}) => {
        const q = { ...query, limit: limit === undefined ? undefined : String(limit) };
        return appId === undefined ? call('getAnomalies', { query: q }) : call('getAppsByAppIdAnomalies', { params: { appId }, query: q });
      },
      get: (anomalyId: string) => call('getAnomaliesByAnomalyId', { params: { anomalyId } }),
      dismiss: (anomalyId: string) => call('postAnomaliesByAnomalyIdDismiss', { params: { anomalyId } }),
      resolve: (anomalyId: string) => call('postAnomaliesByAnomalyIdResolve', { params: { anomalyId } }),
    },
    leaks: {
      /** Leak reports received (POST /v1/leaks is the reporter's, signed: not an SDK call). */
      list: (query: Query<'getLeaks'> = {}) => call('getLeaks', { query }),
      get: (leakReportId: string) => call('getLeaksByLeakReportId', { params: { leakReportId } }),
      /** Looked at, nothing to do: the report closes as `dismissed`; the key is left as it is. */
      dismiss: (leakReportId: string) => call('postLeaksByLeakReportIdDismiss', { params: { leakReportId } }),
      /** Revokes the key the report names (reason `leaked`) and closes an open report as `resolved`. */
      revoke: (leakReportId: string) => call('postLeaksByLeakReportIdRevoke', { params: { leakReportId } }),
    },
    webhooks: {
      /** Create an endpoint: the answer holds its signing secret (`whsec_…`) once. */
      create: (appId: string, body: Body<'postAppsByAppIdWebhooks'>) => call('postAppsByAppIdWebhooks', { params: { appId }, body }),
      list: (appId: string) => call('getAppsByAppIdWebhooks', { params: { appId } }),
      get: (endpointId: string) => call('getWebhooksByEndpointId', { params: { endpointId } }),
      update: (endpointId: string, patch: Body<'patchWebhooksByEndpointId'>) => call('patchWebhooksByEndpointId', { params: { endpointId }, body: patch }),
      delete: (endpointId: string) => call('deleteWebhooksByEndpointId', { params: { endpointId } }),
      rotateSecret: (endpointId: string) => call('postWebhooksByEndpointIdRotateSecret', { params: { endpointId } }),
      test: (endpointId: string) => call('postWebhooksByEndpointIdTest', { params: { endpointId } }),
      deliveries: (endpointId: string, query: Query<'getWebhooksByEndpointIdDeliveries'> = {}) => call('getWebhooksByEndpointIdDeliveries', { params: { endpointId }, query }),
      delivery: (deliveryId: string) => call('getWebhookDeliveriesByDeliveryId', { params: { deliveryId } }),
      redeliver: (deliveryId: string) => call('postWebhookDeliveriesByDeliveryIdRedeliver', { params: { deliveryId } }),
    },
    audit: {
      list: (query: Omit<Query<'getAudit'>, 'limit' | 'after'> & { readonly limit?: number; readonly after?: number } = {}) =>
        call('getAudit', { query: { ...query, limit: query.limit === undefined ? undefined : String(query.limit), after: query.after === undefined ? undefined : String(query.after) } }),
      /** Walks the whole hash chain and compares its end with the stored head. */
      verify: () => call('getAuditVerify', {}),
    },
  };
}

export type KeywardAdmin = ReturnType<typeof createKeywardAdmin>;
