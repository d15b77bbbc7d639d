import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, loadConfig, type ConfigError } from '../../src/config/config.js';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig({}, env);
    return [];
  } catch (err) {
    return (err as ConfigError).problems as string[];
  }
};

describe('leak-report and webhook settings', () => {
  it('defaults: leak reports off, webhooks polled every second, 10 s attempts, private addresses refused', () => {
    expect(DEFAULT_CONFIG).toMatchObject({ leakPublicKeysFile: '', leakPublicKeysUrl: '', leakPublicKeysCacheSeconds: 3600, webhookPollIntervalMs: 1000, webhookTimeoutMs: 10_000, webhookAllowPrivateAddresses: false, webhookDeliveryRetentionDays: 30, webhookPruneIntervalMs: 3_600_000 });
  });

  it('reads each from its variable, and a flag wins', () => {
    const c = loadConfig({ webhookTimeoutMs: 500 }, {
      KEYWARD_LEAK_PUBLIC_KEYS_FILE: '/etc/keyward/gh-keys.json',
      KEYWARD_LEAK_PUBLIC_KEYS_URL: 'https://api.github.com/meta/public_keys/secret_scanning',
      KEYWARD_LEAK_PUBLIC_KEYS_CACHE_SECONDS: '600',
      KEYWARD_WEBHOOK_POLL_INTERVAL_MS: '0',
      KEYWARD_WEBHOOK_TIMEOUT_MS: '2000',
      KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
      KEYWARD_WEBHOOK_DELIVERY_RETENTION_DAYS: '7',
      KEYWARD_WEBHOOK_PRUNE_INTERVAL_MS: '0',
    });
    expect(c).toMatchObject({ leakPublicKeysFile: '/etc/keyward/gh-keys.json', leakPublicKeysCacheSeconds: 600, webhookPollIntervalMs: 0, webhookTimeoutMs: 500, webhookAllowPrivateAddresses: true, webhookDeliveryRetentionDays: 7, webhookPruneIntervalMs: 0 });
  });

  it.each([
    ['KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES', 'yes', 'must be true or false'],
    ['KEYWARD_WEBHOOK_TIMEOUT_MS', '50', 'must be an integer from 100 to 60000'],
    ['KEYWARD_WEBHOOK_POLL_INTERVAL_MS', '-1', 'must be an integer'],
    ['KEYWARD_WEBHOOK_DELIVERY_RETENTION_DAYS', '0', 'must be an integer from 1 to 3650'],
    ['KEYWARD_WEBHOOK_PRUNE_INTERVAL_MS', '-5', 'must be an integer'],
    ['KEYWARD_LEAK_PUBLIC_KEYS_CACHE_SECONDS', '5', 'must be an integer from 60'],
    ['KEYWARD_LEAK_PUBLIC_KEYS_URL', 'http://api.github.com/x', 'must be an https:// URL'],
  ])('%s=%s is refused naming the variable', (name, value, message) => {
    const [p] = problems({ [name]: value });
    expect(p).toContain(name);
    expect(p).toContain(message);
  });
});
