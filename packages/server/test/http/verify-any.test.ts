import { describe, expect, it } from 'vitest';
import { generateKey } from '@keyward/protocol';
import { createSigner } from '../../../client/src/signer.js';
import { bearer, CLI, makeApi } from '../helpers.js';

describe('POST /v1/verify and kw.verify: one shape for every credential', () => {
  it('keys, sessions, tokens and signed requests all answer {valid, code, scheme, kind, id, appId, environment, subject, scopes, signed, session}', async () => {
    const api = await makeApi();
    api.clock.set(Date.now());
    const { kw, server, root, appId } = api;
    const pk = await kw.keys.create({ appId, environment: 'live', kind: 'publishable', name: 'app', scopes: ['profile:read'] }, CLI);
    const session = await kw.sessions.create({ appId, environment: 'live', subject: 'user_1' }, CLI);
    const token = await kw.tokens.mint({ appId, environment: 'live', subject: 'user_1', scopes: ['files:write'], audience: 'uploads', ttlSeconds: 60 });
    const signing = await kw.keys.create({ appId, environment: 'live', kind: 'signing', name: 'hk', scopes: ['orders:write'] }, CLI);
    const url = new URL('https://api.example.com/orders?x=1');
    const signed = await createSigner({ keyId: signing.key.id, alg: 'hmac-sha256', key: signing.secret }).sign({ method: 'GET', url, headers: new Headers() }, Math.floor(Date.now() / 1000));

    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ credential: pk.secret, subject: 'user_1' }, { scheme: 'key', kind: 'publishable', subject: 'user_1', scopes: ['profile:read'] }],
      [{ credential: session.sessionKey }, { scheme: 'session', kind: 'session', subject: 'user_1', session: true }],
      [{ credential: token.token }, { scheme: 'token', kind: 'token', subject: 'user_1', scopes: ['files:write'] }],
      [{ request: { method: 'GET', target: '/orders?x=1', headers: [['Host', 'api.example.com'], ...Object.entries(signed)] } }, { scheme: 'signature', kind: 'signing', signed: true, scopes: ['orders:write'] }],
    ];
    const shapes = new Set<string>();
    for (const [body, expected] of cases) {
      const res = await server.inject({ method: 'POST', url: '/v1/verify', headers: bearer(root), payload: body });
      expect(res.statusCode).toBe(200);
      const json = res.json();
      expect(json).toMatchObject({ valid: true, code: 'VALID', appId, environment: 'live', ...expected });
      shapes.add(Object.keys(json).sort().join(','));
    }
    expect(shapes.size).toBe(1);

    const invalid = await Promise.all(
      [{ credential: generateKey('secret', 'live') }, { credential: 'kw_ss_live_' + 'A'.repeat(38) }, { credential: 'eyJhbGciOiJub25lIn0.e30.' }, { request: { method: 'GET', target: '/', headers: [['Host', 'a'], ['Signature-Input', 'kw=();created=1;keyid="key_x"'], ['Signature', 'kw=:AAAA:']] } }].map((body) =>
        server.inject({ method: 'POST', url: '/v1/verify', headers: bearer(root), payload: body }).then((r) => r.json()),
      ),
    );
    for (const r of invalid) {
      expect(r.valid).toBe(false);
      expect(Object.keys(r).sort()).toEqual(['code', 'requestId', 'valid']);
    }
    expect(await kw.verify({ credential: session.sessionKey }, { scopes: ['admin:write'] })).toEqual({ valid: false, code: 'INSUFFICIENT_SCOPES' });
    await server.close();
    await kw.close();
  });
});
