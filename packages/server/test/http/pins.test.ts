import { afterEach, describe, expect, it } from 'vitest';
import { bearer, CLI, makeApi } from '../helpers.js';

const PIN_A = `sha256/${'A'.repeat(43)}=`;
const PIN_B = `sha256/${'B'.repeat(43)}=`;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function header(jws: string): { kid: string } {
  return JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string };
}
function payload(jws: string): { pins: string[]; exp: number } {
  return JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')) as { pins: string[]; exp: number };
}

describe('GET /v1/apps/:appId/pins (signed pin set)', () => {
  it('is signed once and reused; re-signed when the pins change, the signing key rotates, or half its life is gone', async () => {
    const api = await makeApi();
    cleanups.push(async () => {
      await api.server.close();
      await api.kw.close();
    });
    const setPins = async (pins: string[]) => {
      const r = await api.server.inject({ method: 'PATCH', url: `/v1/apps/${api.appId}`, headers: bearer(api.root), payload: { settings: { certificatePins: pins, pinSetTtlSeconds: 3600 } } });
      expect(r.statusCode).toBe(200);
    };
    const get = async () => {
      const r = await api.server.inject({ method: 'GET', url: `/v1/apps/${api.appId}/pins` });
      expect(r.statusCode).toBe(200);
      return r.json() as { pinSet: string; pins: string[]; expiresAt: string };
    };
    await setPins([PIN_A]);
    const first = await get();
    api.clock.advance(5_000); // a later second: a fresh signature would carry another iat
    const second = await get();
    expect(second.pinSet).toBe(first.pinSet);
    expect(second.expiresAt).toBe(first.expiresAt);
    expect(Date.parse(first.expiresAt)).toBe(payload(first.pinSet).exp * 1000);

    await setPins([PIN_A, PIN_B]);
    const changed = await get();
    expect(changed.pinSet).not.toBe(first.pinSet);
    expect(payload(changed.pinSet).pins).toEqual([PIN_A, PIN_B]);
    expect(changed.pins).toEqual([PIN_A, PIN_B]);

    await api.kw.tokens.rotate('EdDSA', CLI, { immediate: true });
    const rotated = await get();
    expect(header(rotated.pinSet).kid).not.toBe(header(changed.pinSet).kid);
    expect(payload(rotated.pinSet).pins).toEqual([PIN_A, PIN_B]);
    expect((await get()).pinSet).toBe(rotated.pinSet);

    api.clock.advance(1_801_000); // past half of the 3600 s lifetime
    const renewed = await get();
    expect(renewed.pinSet).not.toBe(rotated.pinSet);
    expect(payload(renewed.pinSet).exp).toBeGreaterThan(payload(rotated.pinSet).exp);
  });
});
