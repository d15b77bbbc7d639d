import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { assertionClientData } from '../../src/attestation/assertion.js';
import { createGatewayPolicy } from '../../src/gateway/policy.js';
import { createGateway } from '../../src/gateway/proxy.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';
import { startUpstream } from '../gateway/upstream.js';
import { attest, attestationApi } from './harness.js';
import { simulatedDevice } from './simulated-platform.js';

const MAP = `version: 1
resources:
  - { path: /feed, methods: [GET], allow: [app-token], require: [attestation] }
  - { path: /pay, methods: [POST], allow: [app-token], require: [assertion] }
`;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const api = await attestationApi();
  cleanups.push(api.close);
  const up = await startUpstream();
  cleanups.push(up.close);
  const policy = createGatewayPolicy({ kw: api.kw, map: compileAccessMap(parseAccessMap(MAP)), limits: new MemoryRateLimitStore() });
  const gw = createGateway({ upstreamUrl: up.url, policy, clientIp: (req) => req.socket.remoteAddress ?? '' });
  await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => gw.close());
  const device = simulatedDevice();
  const { appToken } = (await attest(api, (ch: string) => device.attest(ch))).json();
  const jti = JSON.parse(Buffer.from(appToken.split('.')[1], 'base64url').toString()).jti as string;
  return { api, up, device, appToken, jti, url: `http://127.0.0.1:${(gw.server.address() as AddressInfo).port}` };
}

describe('gateway: app tokens and assertions', () => {
  it('forwards an app-token call with its kind; an asserted POST is forwarded with its body; a replay and a swapped body never reach the upstream', async () => {
    const s = await setup();
    const feed = await request(`${s.url}/feed`, { headers: { authorization: `Bearer ${s.appToken}` } });
    expect(feed.statusCode).toBe(200);
    await feed.body.text();
    expect(s.up.seen[0]!.headers['x-keyward-credential-kind']).toBe('app-token');

    const body = '{"amount":5}';
    const digest = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
    const headers = (counter: number) => ({ authorization: `Bearer ${s.appToken}`, 'content-type': 'application/json', 'content-digest': digest, 'keyward-assertion': s.device.assert(assertionClientData({ method: 'POST', target: '/pay', contentDigest: digest, tokenJti: s.jti }), counter) });
    const paid = await request(`${s.url}/pay`, { method: 'POST', headers: headers(1), body });
    expect(paid.statusCode).toBe(200);
    await paid.body.text();
    expect(s.up.seen.at(-1)!.body).toBe(body);

    const replay = await request(`${s.url}/pay`, { method: 'POST', headers: headers(1), body });
    expect([replay.statusCode, replay.headers['x-keyward-code']]).toEqual([401, 'ASSERTION_COUNTER_REPLAYED']);
    await replay.body.text();
    const swapped = await request(`${s.url}/pay`, { method: 'POST', headers: headers(2), body: '{"amount":9}' });
    expect([swapped.statusCode, swapped.headers['x-keyward-code']]).toEqual([401, 'ASSERTION_INVALID']);
    await swapped.body.text();
    expect(s.up.seen).toHaveLength(2);
  });

  it('POST /v1/verify checks the assertion of a whole request with its body; a swapped body, a replay or an assertion beside a non-app-token are refused', async () => {
    const s = await setup();
    const body = '{"amount":5}';
    const digest = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
    const asserted = (counter: number, sent = body, auth = `Bearer ${s.appToken}`) => ({
      method: 'POST',
      target: '/pay',
      headers: [['authorization', auth], ['content-type', 'application/json'], ['content-digest', digest], ['keyward-assertion', s.device.assert(assertionClientData({ method: 'POST', target: '/pay', contentDigest: digest, tokenJti: s.jti }), counter)]],
      bodyBase64: Buffer.from(sent).toString('base64'),
    });
    const verify = async (req: unknown) => (await s.api.server.inject({ method: 'POST', url: '/v1/verify', headers: { authorization: `Bearer ${s.api.root}` }, payload: { request: req } })).json();
    expect(await verify(asserted(1))).toMatchObject({ valid: true, kind: 'app-token', asserted: true });
    expect(await verify(asserted(1))).toMatchObject({ valid: false, code: 'ASSERTION_COUNTER_REPLAYED' });
    expect(await verify(asserted(2, '{"amount":9}'))).toMatchObject({ valid: false, code: 'ASSERTION_INVALID' });
    expect(await verify({ ...asserted(3), headers: asserted(3).headers.map(([n, v]) => (n === 'authorization' ? ['x-api-key', s.api.pk.test] : [n, v])).concat([['x-keyward-subject', 'u1']]) })).toMatchObject({ valid: false, code: 'ASSERTION_REQUIRED' });
    expect((await s.api.kw.attestation.admin.getInstance(JSON.parse(Buffer.from(s.appToken.split('.')[1], 'base64url').toString()).kw_instance)).counter).toBe(1);
  });
});
