import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type CryptoKey, type JWK } from 'jose';

/** A key pair of a fake provider, with the kid and alg it publishes. */
export interface IdpKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256' | 'EdDSA';
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function makeKey(alg: IdpKey['alg'], kid: string): Promise<IdpKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/**
 * A local identity provider: a real HTTP server publishing a JWKS (keys and Cache-Control set
 * by the test) and counting how often it was fetched. Tokens are signed with jose.
 */
export async function startIdp() {
  let keys: JWK[] = [];
  let cacheControl: string | undefined = 'public, max-age=600';
  let status = 200;
  let fetches = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    fetches++;
    res.writeHead(status, { 'content-type': 'application/json', ...(cacheControl !== undefined ? { 'cache-control': cacheControl } : {}) });
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${base}/`;
  return {
    issuer,
    jwksUri: `${base}/.well-known/jwks.json`,
    publish(...published: (IdpKey | JWK)[]) {
      keys = published.map((k) => ('publicJwk' in k ? k.publicJwk : k));
    },
    set cacheControl(v: string | undefined) {
      cacheControl = v;
    },
    set status(v: number) {
      status = v;
    },
    get fetches() {
      return fetches;
    },
    /** A token signed by `key` with the usual claims for `audience` at `nowMs`, overridable. */
    sign(key: IdpKey, nowMs: number, claims: JWTPayload = {}, header: Record<string, unknown> = {}) {
      const now = Math.floor(nowMs / 1000);
      return new SignJWT({ iss: issuer, aud: 'api://orders', sub: 'user-1', iat: now, exp: now + 300, ...claims })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
        .sign(key.privateKey);
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
