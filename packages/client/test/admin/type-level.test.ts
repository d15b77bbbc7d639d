import type { Code, VerifyCode } from '@keyward/protocol';
import { describe, expectTypeOf, it } from 'vitest';
import { createKeywardAdmin, type ApiErrorCode, type KeyVerification, type KeywardApiError, type Operations } from '../../src/admin/index.js';

/**
 * The SDK's types pinned at compile time (`npm run typecheck` checks this file; the assertions
 * here run as no-ops). A wrong field name, a missing required field or an untyped code would stop
 * the build, which is what "cannot drift from the OpenAPI description" means for a caller.
 */
const kw = createKeywardAdmin({ baseUrl: 'http://127.0.0.1:1', rootKey: 'kw_root_x' });

describe('admin SDK types', () => {
  it('request bodies are the spec’s: required fields required, unknown fields refused', () => {
    expectTypeOf(kw.keys.create).parameter(0).toHaveProperty('kind');
    expectTypeOf<Parameters<typeof kw.keys.create>[0]['environment']>().toEqualTypeOf<'live' | 'test'>();
    // @ts-expect-error -- `name` is required by POST /v1/apps/{appId}/keys
    void (() => kw.keys.create({ appId: 'app_x', kind: 'secret', environment: 'live' }));
    // @ts-expect-error -- no such field in PATCH /v1/keys/{keyId}
    void (() => kw.keys.update('key_x', { nmae: 'typo' }));
    // @ts-expect-error -- environment is live or test
    void (() => kw.sessions.create({ subject: 's', environment: 'staging' }));
  });

  it('responses are the spec’s, and codes come from the catalogue', () => {
    expectTypeOf<Awaited<ReturnType<typeof kw.keys.create>>>().toEqualTypeOf<Operations['postAppsByAppIdKeys']['response']>();
    expectTypeOf<Awaited<ReturnType<typeof kw.keys.create>>['secret']>().toEqualTypeOf<string>();
    expectTypeOf<KeyVerification['code']>().toEqualTypeOf<VerifyCode | 'KEY_MALFORMED'>();
    expectTypeOf<KeywardApiError['code']>().toEqualTypeOf<ApiErrorCode>();
    expectTypeOf<Code>().toMatchTypeOf<ApiErrorCode>();
    expectTypeOf<Awaited<ReturnType<typeof kw.analytics.verifications>>['buckets'][number]['outcomes']>().toEqualTypeOf<Record<string, number>>();
    expectTypeOf<Awaited<ReturnType<typeof kw.analytics.topKeys>>['keys'][number]['rejected']>().toEqualTypeOf<number>();
    expectTypeOf<Awaited<ReturnType<typeof kw.analytics.events>>['buckets'][number]['attestation']['monitored']>().toEqualTypeOf<number>();
  });
});
