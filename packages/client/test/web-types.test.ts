import { expectTypeOf, test } from 'vitest';
import type { WebCryptoKey } from '@keyward/protocol';
import type { WebFetch, WebHeaders, WebRequestInit, WebResponse, WebURL } from '../src/web.js';

/**
 * The SDK types the platform structurally so it needs no DOM lib (tsconfig.web.json checks that),
 * but where the program has the platform's own types — as this repository's tsconfig does, with
 * the DOM lib and @types/node — its public types must be exactly those, so an app gets a real
 * `Response` back from `client.fetch()`. Checked by `npm run typecheck`.
 */
test('with the DOM lib, the platform types of the public API are the platform’s own', () => {
  expectTypeOf<WebFetch>().toEqualTypeOf<typeof fetch>();
  expectTypeOf<WebResponse>().toEqualTypeOf<Response>();
  expectTypeOf<WebRequestInit>().toEqualTypeOf<RequestInit>();
  expectTypeOf<WebHeaders>().toEqualTypeOf<Headers>();
  expectTypeOf<WebURL>().toEqualTypeOf<URL>();
  expectTypeOf<WebCryptoKey>().toEqualTypeOf<CryptoKey>();
});
