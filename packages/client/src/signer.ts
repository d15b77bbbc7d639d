import {
  base64Encode,
  buildSignatureParams,
  contentDigest,
  serializeInnerList,
  signatureBase,
  type AlgorithmLike,
  type ComponentId,
  type CryptoKeyLike,
  type HttpMessageView,
  type Jwk,
  type WebCryptoKey,
  utf8Encode,
  webCrypto,
} from '@keyward/protocol';
import type { RequestSigner } from './client.js';

/** RFC 9421 algorithms the SDK signs with, all through WebCrypto. */
export type ClientAlgorithm = 'hmac-sha256' | 'ed25519' | 'ecdsa-p256-sha256';

export interface SignerOptions {
  /** The key id Keyward knows: a signing credential's `key_…` id or a device's `dev_…` id. */
  readonly keyId: string;
  readonly alg: ClientAlgorithm;
  /** HMAC: the `kw_hk_…` secret (raw bytes are its UTF-8). Ed25519/ECDSA: a private CryptoKey. */
  readonly key: string | WebCryptoKey;
  /** Extra headers to cover when present (default: authorization, x-api-key, x-keyward-subject, content-type). */
  readonly coverHeaders?: readonly string[];
  /** Signature lifetime, seconds (default 300). */
  readonly expiresInSeconds?: number;
  readonly label?: string;
  readonly tag?: string;
}

const DEFAULT_COVERED_HEADERS = ['authorization', 'x-api-key', 'x-keyward-subject', 'x-keyward-app-version', 'content-type'];

/**
 * Creates a signer. Each request gets a fresh 128-bit nonce and `created`/`expires`; the body gets
 * a Content-Digest (sha-256) which the signature covers, so neither the body nor any covered
 * header can be changed in transit, and a captured request cannot be replayed.
 */
export function createSigner(options: SignerOptions): RequestSigner {
  let importedHmac: Promise<CryptoKeyLike> | undefined;
  const subtle = webCrypto().subtle;
  const key = async (): Promise<CryptoKeyLike> => {
    if (options.alg !== 'hmac-sha256') return options.key as CryptoKeyLike;
    importedHmac ??= subtle.importKey('raw', utf8Encode(options.key as string), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return importedHmac;
  };
  return {
    async sign(request, nowSeconds) {
      const added: Record<string, string> = {};
      if (request.body && request.body.length > 0) {
        added['content-digest'] = await contentDigest(request.body, 'sha-256');
      }
      const headerLines: [string, string][] = [];
      request.headers.forEach((value, name) => headerLines.push([name, value]));
      for (const [name, value] of Object.entries(added)) headerLines.push([name, value]);
      const components: ComponentId[] = ['@method', '@authority', '@path', '@query'].map((name) => ({ name, params: [] }));
      for (const h of options.coverHeaders ?? DEFAULT_COVERED_HEADERS) if (headerLines.some(([n]) => n.toLowerCase() === h)) components.push({ name: h, params: [] });
      if (added['content-digest']) components.push({ name: 'content-digest', params: [] });
      const view: HttpMessageView = {
        method: request.method,
        scheme: request.url.protocol.replace(':', ''),
        authority: request.url.host,
        rawTarget: request.url.pathname + request.url.search,
        headerLines,
      };
      const nonce = base64Url(webCrypto().getRandomValues(new Uint8Array(16)));
      const params = buildSignatureParams(components, {
        created: nowSeconds,
        expires: nowSeconds + (options.expiresInSeconds ?? 300),
        nonce,
        alg: options.alg,
        keyid: options.keyId,
        ...(options.tag ? { tag: options.tag } : {}),
      });
      const base = utf8Encode(signatureBase(view, { components, raw: params }));
      const signature = new Uint8Array(await subtle.sign(algorithmFor(options.alg), await key(), base));
      const label = options.label ?? 'kw';
      added['signature-input'] = `${label}=${serializeInnerList(params)}`;
      added.signature = `${label}=:${base64Encode(signature)}:`;
      return added;
    },
  };
}

function algorithmFor(alg: ClientAlgorithm): AlgorithmLike {
  if (alg === 'hmac-sha256') return 'HMAC';
  if (alg === 'ed25519') return 'Ed25519';
  return { name: 'ECDSA', hash: 'SHA-256' };
}

function base64Url(bytes: Uint8Array): string {
  return base64Encode(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Generates a device key pair (non-extractable private key) for {@link createSigner}; register `publicJwk` with Keyward. */
export async function generateDeviceKeyPair(alg: 'ed25519' | 'ecdsa-p256-sha256' = 'ed25519'): Promise<{ privateKey: WebCryptoKey; publicJwk: Jwk }> {
  const subtle = webCrypto().subtle;
  const pair = (await subtle.generateKey(alg === 'ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as { readonly publicKey: CryptoKeyLike; readonly privateKey: CryptoKeyLike };
  return { privateKey: pair.privateKey as WebCryptoKey, publicJwk: await subtle.exportKey('jwk', pair.publicKey) };
}
