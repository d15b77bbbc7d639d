import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.js';
import { freePort, privateRedis } from './redis-harness.js';

const run = promisify(execFile);
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/keyward.js');
const dir = mkdtempSync(path.join(tmpdir(), 'kw-redis-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MASTER = `m1:${randomBytes(32).toString('base64')}`;
const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;

/** `keyward start` as a user runs it; the data directory must stay uncreated when start-up is refused. */
async function start(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stderr: string; data: string }> {
  const data = path.join(dir, randomBytes(4).toString('hex'));
  try {
    await run(process.execPath, [BIN, '--data', data, 'start', '--port', '0', ...args], { env: { ...process.env, KEYWARD_MASTER_KEYS: MASTER, KEYWARD_DATABASE_URL: '', KEYWARD_REDIS_URL: '', ...env }, timeout: 15_000 });
    return { code: 0, stderr: '', data };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr, data };
  }
}

describe('a Redis that cannot serve stops start-up, naming KEYWARD_REDIS_URL, and nothing is created', () => {
  it('a wrong password (exit 2, the password never printed)', async () => {
    const redis = await privateRedis([], 'the-right-one');
    const r = await start({ KEYWARD_REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${redis.port}` });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SHARED_STATE_UNAVAILABLE');
    expect(r.stderr).toContain('KEYWARD_REDIS_URL');
    expect(r.stderr).toMatch(/WRONGPASS|invalid password|NOAUTH/);
    expect(r.stderr).not.toContain(PASSWORD);
    expect(existsSync(r.data)).toBe(false);
  });

  it('an unreachable host, by --redis-url as well', async () => {
    const port = await freePort(); // nothing listens there
    const r = await start({}, '--redis-url', `redis://:${PASSWORD}@127.0.0.1:${port}/2`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('KEYWARD_REDIS_URL');
    expect(r.stderr).toContain(`127.0.0.1:${port}/2`);
    expect(r.stderr).not.toContain(PASSWORD);
    expect(existsSync(r.data)).toBe(false);
  });

  it('a Redis without Lua (EVAL, EVALSHA and SCRIPT renamed away)', async () => {
    const redis = await privateRedis(['--rename-command', 'EVAL', '', '--rename-command', 'EVALSHA', '', '--rename-command', 'SCRIPT', '']);
    const r = await start({ KEYWARD_REDIS_URL: redis.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('KEYWARD_REDIS_URL');
    expect(r.stderr).toContain('Lua');
    expect(existsSync(r.data)).toBe(false);
  });

  it('a value that is no Redis URL is a config error naming the variable, the value not echoed', () => {
    try {
      loadConfig({}, { KEYWARD_REDIS_URL: `http://:${PASSWORD}@cache:6379` });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toContain('KEYWARD_REDIS_URL');
      expect(problems).not.toContain(PASSWORD);
    }
    expect(() => loadConfig({}, { KEYWARD_REDIS_KEY_PREFIX: 'a{b}' })).toThrow(/KEYWARD_REDIS_KEY_PREFIX/);
    expect(() => loadConfig({}, { KEYWARD_CLUSTER_NODES: '0' })).toThrow(/KEYWARD_CLUSTER_NODES/);
    expect(loadConfig({}, { KEYWARD_REDIS_URL: 'rediss://u:p@cache:6380/1', KEYWARD_REDIS_COMMAND_TIMEOUT_MS: '250', KEYWARD_CLUSTER_NODES: '3' })).toMatchObject({ redisUrl: 'rediss://u:p@cache:6380/1', redisCommandTimeoutMs: 250, clusterNodes: 3, redisKeyPrefix: 'kw' });
  });
});
