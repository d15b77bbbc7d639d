/** The verifier set built from options and from the config schema (the status list settings). */
import { describe, expect, it } from 'vitest';
import { buildPlatformVerifiers, platformVerifierOptionsFromConfig } from '../../src/attestation/verifiers.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';

describe('attestation settings in the one config schema', () => {
  it('default to no status list, refreshed hourly when set', () => {
    const config = loadConfig({}, {});
    expect(config).toMatchObject({ attestationRevocationListUrl: '', attestationRevocationListFile: '', attestationRevocationRefreshSeconds: 3600 });
    expect(platformVerifierOptionsFromConfig(config)).toEqual({});
  });

  it('read the URL or the file and the refresh interval from KEYWARD_ATTESTATION_REVOCATION_*', () => {
    const url = loadConfig({}, { KEYWARD_ATTESTATION_REVOCATION_LIST_URL: 'https://android.googleapis.com/attestation/status', KEYWARD_ATTESTATION_REVOCATION_REFRESH_SECONDS: '600' });
    expect(platformVerifierOptionsFromConfig(url)).toEqual({ android: { revocation: { url: 'https://android.googleapis.com/attestation/status', refreshIntervalMs: 600_000 } } });
    const file = loadConfig({}, { KEYWARD_ATTESTATION_REVOCATION_LIST_FILE: '/etc/keyward/status.json' });
    expect(platformVerifierOptionsFromConfig(file)).toEqual({ android: { revocation: { file: '/etc/keyward/status.json', refreshIntervalMs: 3_600_000 } } });
  });

  it('refuse both at once, a URL that is not http(s), and a refresh under a minute, naming the variables', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({}, env);
      } catch (err) {
        if (err instanceof ConfigError) return err.problems.join('\n');
      }
      return '';
    };
    expect(problems({ KEYWARD_ATTESTATION_REVOCATION_LIST_URL: 'https://x.example/s', KEYWARD_ATTESTATION_REVOCATION_LIST_FILE: '/tmp/s.json' })).toContain('KEYWARD_ATTESTATION_REVOCATION_LIST_FILE');
    expect(problems({ KEYWARD_ATTESTATION_REVOCATION_LIST_URL: 'ftp://x.example/s' })).toContain('KEYWARD_ATTESTATION_REVOCATION_LIST_URL');
    expect(problems({ KEYWARD_ATTESTATION_REVOCATION_REFRESH_SECONDS: '5' })).toContain('KEYWARD_ATTESTATION_REVOCATION_REFRESH_SECONDS');
  });
});

describe('buildPlatformVerifiers', () => {
  it('builds one verifier per platform, each answering for its own', () => {
    const set = buildPlatformVerifiers();
    expect(Object.entries(set).map(([k, v]) => [k, v.platform])).toEqual([
      ['apple', 'apple'],
      ['android', 'android'],
      ['play_integrity', 'play_integrity'],
      ['external', 'external'],
    ]);
  });

  it('a platform the app has not configured is refused as unsupported', async () => {
    const set = buildPlatformVerifiers();
    const ctx = { challenge: new Uint8Array(16), policy: { environment: 'live' as const }, nowMs: 0 };
    expect(await set.apple.verify({ platform: 'apple', keyId: 'AA', attestation: 'AA' }, ctx)).toEqual({ ok: false, code: 'ATTESTATION_UNSUPPORTED', reason: 'platform_not_configured' });
    expect(await set.android.verify({ platform: 'android', certificateChain: [] }, ctx)).toEqual({ ok: false, code: 'ATTESTATION_UNSUPPORTED', reason: 'platform_not_configured' });
    expect(await set.play_integrity.verify({ platform: 'play_integrity', token: 'a.b.c.d.e' }, ctx)).toEqual({ ok: false, code: 'ATTESTATION_UNSUPPORTED', reason: 'platform_not_configured' });
    expect(await set.external.verify({ platform: 'external', provider: 'firebase', token: 'a.b.c' }, ctx)).toEqual({ ok: false, code: 'ATTESTATION_UNSUPPORTED', reason: 'provider_not_configured' });
  });
});
