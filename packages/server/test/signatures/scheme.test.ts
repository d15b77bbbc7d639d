import { createHmac } from 'node:crypto';
import { buildSignatureParams, serializeInnerList, signatureBase, type HttpMessageView } from '@keyward/protocol';
import { describe, expect, it } from 'vitest';
import type { AuthRequest } from '../../src/credentials/authenticate.js';
import { MemoryNonceStore } from '../../src/signatures/nonce-store.js';
import type { SignatureOwner, SigningKeyResolver } from '../../src/signatures/resolver.js';
import { signatureScheme } from '../../src/signatures/scheme.js';

/**
 * The signature scheme as authenticate() sees it: the owner becomes the caller, per-app
 * tightening applies after the signature held, and the caller's app/environment scope is kept.
 * Requests are signed here with the protocol's own base builder and an HMAC key, so a test can
 * cover any component (`@scheme` too) and place `created` anywhere.
 */
const NOW_S = 1_780_000_000;
const SECRET = 'kw_hk_live_0123456789abcdefghijABCDEFGHIJ012345';
const OWNER: SignatureOwner = { credentialId: 'key_sig', kind: 'signing', appId: 'app_1', environment: 'live', subject: null, scopes: ['orders:write'] };

function resolverFor(owner: SignatureOwner): SigningKeyResolver {
  const key = { alg: 'hmac-sha256' as const, secrets: [new TextEncoder().encode(SECRET)], keyId: 'key_sig', owner };
  return { resolve: (id: string) => (id === 'key_sig' ? key : undefined) } as unknown as SigningKeyResolver;
}

/** A GET https://api.example.com/orders?x=1 signed over `names`, created `createdS`. */
function signed(names: readonly string[], createdS = NOW_S, scheme = 'https', extra: [string, string][] = []): AuthRequest {
  const headerLines: [string, string][] = [['Host', 'api.example.com'], ...extra];
  const view: HttpMessageView = { method: 'GET', scheme, authority: 'api.example.com', rawTarget: '/orders?x=1', headerLines };
  const components = names.map((name) => ({ name, params: [] }));
  const params = buildSignatureParams(components, { created: createdS, nonce: `nonce-${Math.random().toString(36).slice(2)}`, keyid: 'key_sig' });
  const sig = createHmac('sha256', SECRET).update(signatureBase(view, { components, raw: params })).digest('base64');
  const lines: [string, string][] = [...headerLines, ['Signature-Input', `kw=${serializeInnerList(params)}`], ['Signature', `kw=:${sig}:`]];
  const headers: Record<string, string> = {};
  for (const [n, v] of lines) headers[n.toLowerCase()] = v;
  return { method: 'GET', rawTarget: '/orders?x=1', headers, rawHeaders: lines.flat(), clientIp: '127.0.0.1' };
}

const DEFAULT = ['@method', '@authority', '@path', '@query'];

function scheme(over: Partial<Parameters<typeof signatureScheme>[0]> = {}) {
  return signatureScheme({ resolver: resolverFor(OWNER), nonces: new MemoryNonceStore({ maxPerKey: 100, now: () => NOW_S * 1000 }), now: () => NOW_S * 1000, ...over });
}

describe('signatureScheme()', () => {
  it('the owner of a verified signature becomes a signed caller', async () => {
    expect(await scheme()(signed(DEFAULT), {})).toEqual({
      valid: true,
      code: 'VALID',
      caller: { scheme: 'signature', kind: 'signing', id: 'key_sig', appId: 'app_1', environment: 'live', subject: null, scopes: ['orders:write'], signed: true, session: false, attested: false },
    });
  });

  it('a device key is a device caller, with its subject', async () => {
    const device = scheme({ resolver: resolverFor({ ...OWNER, kind: 'device', credentialId: 'dev_1', subject: 'alice' }) });
    expect(await device(signed(DEFAULT), {})).toMatchObject({ valid: true, caller: { kind: 'device', id: 'dev_1', subject: 'alice' } });
  });

  it('a signature that does not verify is refused as the verifier says', async () => {
    const req = signed(DEFAULT);
    const tampered = { ...req, rawTarget: '/orders?x=2' };
    expect(await scheme()(tampered, {})).toEqual({ valid: false, code: 'SIGNATURE_INVALID', reason: 'BAD_SIGNATURE' });
  });

  it('the message is read as https unless the deployment says http (an @scheme signature tells them apart)', async () => {
    const https = signed([...DEFAULT, '@scheme'], NOW_S, 'https');
    expect(await scheme()(https, {})).toMatchObject({ valid: true });
    expect(await scheme({ scheme: 'http' })(signed([...DEFAULT, '@scheme'], NOW_S, 'https'), {})).toMatchObject({ valid: false, reason: 'BAD_SIGNATURE' });
    expect(await scheme({ scheme: 'http' })(signed([...DEFAULT, '@scheme'], NOW_S, 'http'), {})).toMatchObject({ valid: true });
  });

  it('the deployment policy reaches the verifier', async () => {
    const strict = scheme({ policy: { requiredComponents: [...DEFAULT, 'x-tenant'] } });
    expect(await strict(signed(DEFAULT), {})).toEqual({ valid: false, code: 'SIGNATURE_COVERAGE', reason: 'NOT_COVERED: x-tenant' });
  });

  describe('per-app settings', () => {
    const app = (components: string[], skewSeconds = 300) => async (appId: string) => (appId === 'app_1' ? { signatureRequiredComponents: components, signatureSkewSeconds: skewSeconds } : undefined);

    it('an app’s extra required component must be covered', async () => {
      const s = scheme({ appSettings: app(['x-tenant']) });
      expect(await s(signed(DEFAULT), {})).toEqual({ valid: false, code: 'SIGNATURE_COVERAGE', reason: 'APP_REQUIRES: x-tenant' });
      expect(await s(signed([...DEFAULT, 'x-tenant'], NOW_S, 'https', [['X-Tenant', 't1']]), {})).toMatchObject({ valid: true });
    });

    it('an app’s smaller skew applies on both sides of now, on top of the maximum age', async () => {
      // Window: |now - created| <= skew 10 + maxAge 300.
      const s = scheme({ appSettings: app([], 10) });
      expect(await s(signed(DEFAULT, NOW_S - 310), {})).toMatchObject({ valid: true });
      expect(await s(signed(DEFAULT, NOW_S - 311), {})).toEqual({ valid: false, code: 'SIGNATURE_EXPIRED', reason: 'APP_SKEW' });
      // With maxAge 60 the window is 70 s, so a signature from 71 s in the future (which the
      // deployment's 300 s skew lets through) is the app's to refuse.
      const short = scheme({ appSettings: app([], 10), policy: { maxAgeSeconds: 60 } });
      expect(await short(signed(DEFAULT, NOW_S + 70), {})).toMatchObject({ valid: true });
      expect(await short(signed(DEFAULT, NOW_S + 71), {})).toEqual({ valid: false, code: 'SIGNATURE_EXPIRED', reason: 'APP_SKEW' });
      expect(await short(signed(DEFAULT, NOW_S - 71), {})).toEqual({ valid: false, code: 'SIGNATURE_EXPIRED', reason: 'APP_SKEW' });
    });

    it('an app without settings is held to the deployment policy only', async () => {
      const s = scheme({ appSettings: async () => undefined });
      expect(await s(signed(DEFAULT, NOW_S - 500), {})).toMatchObject({ valid: true });
    });
  });

  it('the caller’s app and environment scope apply to the signature’s owner', async () => {
    const s = scheme();
    const other = { valid: false, code: 'INVALID_CREDENTIAL', reason: 'SIGNATURE_OTHER_APP_OR_ENVIRONMENT' };
    expect(await s(signed(DEFAULT), { appId: 'app_2' })).toEqual(other);
    expect(await s(signed(DEFAULT), { environment: 'test' })).toEqual(other);
    expect(await s(signed(DEFAULT), { appId: 'app_2', environment: 'live' })).toEqual(other);
    expect(await s(signed(DEFAULT), { appId: 'app_1', environment: 'test' })).toEqual(other);
    expect(await s(signed(DEFAULT), { appId: 'app_1', environment: 'live' })).toMatchObject({ valid: true });
  });
});
