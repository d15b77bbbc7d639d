/* global process, URL */
// The API behind the gateway, in plain Node: it trusts a request only when its X-Keyward-Identity
// token verifies against Keyward's published keys (never the X-Keyward-* convenience headers alone:
// only the gateway sets them, but a request that bypassed the gateway could carry anything).
//
//   node examples/minimal/upstream.mjs      PORT (default 3000), KEYWARD_URL (default http://127.0.0.1:8787)
import { createServer } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const keyward = process.env.KEYWARD_URL ?? 'http://127.0.0.1:8787';
// Fetched once, cached, and fetched again when a token names a key id it has not seen (a rotation).
const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', keyward));

createServer(async (req, res) => {
  const send = (status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body, null, 2)}\n`);
  const token = req.headers['x-keyward-identity'];
  if (typeof token !== 'string') return send(401, { error: 'not through the gateway' });
  try {
    const { payload } = await jwtVerify(token, jwks, {
      issuer: 'keyward', // KEYWARD_TOKEN_ISSUER
      audience: 'upstream', // the gateway's identity audience
      algorithms: ['EdDSA', 'ES256'], // never "none", never HMAC
      maxTokenAge: '120s',
    });
    send(200, {
      path: req.url,
      subject: payload.sub,
      app: payload.kw_app,
      environment: payload.kw_env,
      kind: payload.kw_kind,
      credential: payload.kw_credential,
      scopes: payload.scope ? String(payload.scope).split(' ') : [],
      signed: payload.kw_signed,
    });
  } catch (err) {
    send(401, { error: `identity token refused: ${err.code ?? err.message}` });
  }
}).listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
