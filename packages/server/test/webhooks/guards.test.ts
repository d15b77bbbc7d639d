import { describe, expect, it } from 'vitest';
import { isDelivered, JITTER, MAX_ATTEMPTS, nextAttemptAt, RETRY_DELAYS_MS } from '../../src/webhooks/backoff.js';
import { endpointUrlProblem, guardedLookup, isPublicAddress } from '../../src/webhooks/ssrf.js';

describe('retry schedule', () => {
  it('follows the Standard Webhooks example schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then none', () => {
    expect(RETRY_DELAYS_MS).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(MAX_ATTEMPTS).toBe(8);
    expect(RETRY_DELAYS_MS.map((_, i) => nextAttemptAt(i + 1, 0, () => 0.5))).toEqual(RETRY_DELAYS_MS);
    expect(nextAttemptAt(MAX_ATTEMPTS, 0, () => 0.5)).toBeUndefined();
  });

  it('jitters each wait within ±20 %', () => {
    for (const [i, d] of RETRY_DELAYS_MS.entries()) {
      expect(nextAttemptAt(i + 1, 1000, () => 0)).toBe(1000 + Math.round(d * (1 - JITTER)));
      expect(nextAttemptAt(i + 1, 1000, () => 0.999999)).toBeLessThanOrEqual(1000 + Math.round(d * (1 + JITTER)));
    }
  });

  it('only 2xx is delivered', () => {
    expect([199, 200, 204, 299, 300, 302, 400, 410, 500].map(isDelivered)).toEqual([false, true, true, true, false, false, false, false, false]);
  });
});

describe('SSRF guard', () => {
  it.each([
    ['127.0.0.1', false],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['::1', false],
    ['fd00::1', false],
    ['fe80::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['93.184.216.34', true],
    ['2606:4700::1111', true],
  ])('%s public: %s', (ip, pub) => {
    expect(isPublicAddress(ip)).toBe(pub);
  });

  it.each([
    ['https://hooks.example.com/x', undefined],
    ['http://hooks.example.com/x', 'must be https'],
    ['ftp://hooks.example.com/x', 'must be http or https'],
    ['https://user:pw@hooks.example.com/', 'must not carry credentials'],
    ['https://127.0.0.1/', 'must not point at a loopback, private or reserved address'],
    ['https://[::1]/', 'must not point at a loopback, private or reserved address'],
    ['https://169.254.169.254/latest/meta-data', 'must not point at a loopback, private or reserved address'],
    ['https://localhost:8080/', 'must not point at a loopback, private or reserved address'],
    ['https://api.localhost/', 'must not point at a loopback, private or reserved address'],
    ['not a url', 'not a URL'],
  ])('%s → %s', (url, problem) => {
    expect(endpointUrlProblem(url, false)).toBe(problem);
  });

  it('allowing private addresses (tests, internal receivers) also allows plain http on loopback', () => {
    expect(endpointUrlProblem('http://127.0.0.1:9000/hook', true)).toBeUndefined();
    expect(endpointUrlProblem('ftp://127.0.0.1/', true)).toBe('must be http or https');
  });

  it('the connection lookup refuses a name that resolves to loopback (no DNS-rebinding window)', async () => {
    const lookup = guardedLookup(false);
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup('localhost', {}, (e) => resolve(e)));
    expect(err?.code).toBe('EADDRNOTALLOWED');
    const ok = await new Promise<unknown>((resolve) => guardedLookup(true)('localhost', {}, (e, address) => resolve(e ?? address)));
    expect(typeof ok).toBe('string');
  });
});
