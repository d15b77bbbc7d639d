import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConfigError, loadConfig } from '../../src/config/config.js';
import { createKeyward } from '../../src/keyward.js';
import { Keyring } from '../../src/lib/sealed.js';
import { runDoctor, type Check, type DoctorInput } from '../../src/ops/doctor.js';
import { redisKeys } from '../../src/state/redis/keys.js';
import { clusterKeySlot } from '../../src/state/redis/slot.js';
import { runCli } from '../cli/run-in-process.js';
import { startRedisCluster, startRedisServers, until, type PrivateRedisCluster, type PrivateRedisServers } from '../state/redis/redis-cluster-harness.js';

/**
 * `keyward doctor` on a Redis Cluster (#11), against real clusters on this suite's ports: a healthy
 * three-master cluster (7330-7332, bus 7340-7342), a one-node cluster owning only half the slots
 * (7333, bus 7343) and a standalone Redis (7700).
 */
const PORTS = [7330, 7331, 7332] as const;
const BUS = [7340, 7341, 7342] as const;
const HALF = 7333;
const STANDALONE = 7700;
const at = (port: number) => `127.0.0.1:${port}`;

const dir = mkdtempSync(path.join(tmpdir(), 'kw-doctor-cluster-'));
const m1 = { id: 'm1', key: randomBytes(32) };
const MASTER = `m1:${m1.key.toString('base64')}`;
let cluster: PrivateRedisCluster;
let half: PrivateRedisServers;
let standalone: PrivateRedisServers;

beforeAll(async () => {
  const kw = await createKeyward({ config: { dataDir: dir, logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0 }, keyring: new Keyring([m1]) });
  await kw.close();
  [cluster, half, standalone] = await Promise.all([startRedisCluster(PORTS, BUS), startRedisServers([HALF], { clusterBusPorts: [HALF + 10] }), startRedisServers([STANDALONE])]);
  await half.cli(HALF, 'CLUSTER', 'ADDSLOTSRANGE', '0', '8191');
  await until(async () => (await half.cli(HALF, 'CLUSTER', 'INFO')).includes('cluster_slots_assigned:8192'), 'slots not assigned');
}, 90_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), half?.stop(), standalone?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** The doctor as the CLI assembles it, on the SQLite store above and the given Redis variables. */
async function doctor(redisUrl: string, nodes: readonly number[] | string): Promise<readonly Check[]> {
  const env = { KEYWARD_DATA: dir, KEYWARD_MASTER_KEYS: MASTER, KEYWARD_REDIS_URL: redisUrl, KEYWARD_REDIS_CLUSTER_NODES: typeof nodes === 'string' ? nodes : nodes.map(at).join(',') };
  let config;
  try {
    config = loadConfig({}, env);
  } catch (err) {
    config = err as ConfigError;
  }
  const input: DoctorInput = { config, env, redisUrl, maxSkewMs: 1000, timeoutMs: 1500 };
  return (await runDoctor(input)).checks;
}
const named = (checks: readonly Check[], name: string) => checks.filter((c) => c.name === name);
const byNode = (checks: readonly Check[], name: string) => Object.fromEntries(named(checks, name).map((c) => [c.node, c.status]));

describe('keyward doctor on a Redis Cluster', () => {
  it('a healthy cluster: every seed, the slot coverage and a keyed script on every master pass, and the exit code is 0', async () => {
    const r = await runCli(['doctor', '--json'], { KEYWARD_DATA: dir, KEYWARD_MASTER_KEYS: MASTER, KEYWARD_REDIS_URL: cluster.url, KEYWARD_REDIS_CLUSTER_NODES: cluster.seeds.join(',') });
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: Check[] };
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    const all = Object.fromEntries(PORTS.map((p) => [at(p), 'ok']));
    expect(byNode(report.checks, 'redis-node')).toEqual(all);
    expect(byNode(report.checks, 'clock-redis')).toEqual(all);
    expect(byNode(report.checks, 'redis-lua')).toEqual(all);
    expect(named(report.checks, 'redis-cluster')).toMatchObject([{ status: 'ok' }]);
    expect(r.code).toBe(0);
  });

  it('the keyed script goes to the master owning its slot: the doctor\'s slot for the probe key is the one Redis computes', async () => {
    const keys = redisKeys('kw');
    for (const n of [0, 1, 2, 17, 99]) {
      const key = keys.doctorProbe(n);
      expect(clusterKeySlot(key)).toBe(Number((await cluster.cli(PORTS[0], 'CLUSTER', 'KEYSLOT', key)).trim()));
    }
  });

  it('a wrong password fails every seed, and the password is never shown', async () => {
    const checks = await doctor(cluster.url.replace('redis://', 'redis://:hunter2secret@'), cluster.ports.slice(1));
    expect(byNode(checks, 'redis-node')).toEqual(Object.fromEntries(PORTS.map((p) => [at(p), 'fail'])));
    expect(named(checks, 'redis-cluster')).toMatchObject([{ status: 'fail' }]);
    expect(JSON.stringify(checks)).not.toContain('hunter2secret');
  });

  it('a standalone Redis listed as a seed fails, naming that node; the cluster\'s seeds still pass', async () => {
    const checks = await doctor(cluster.url, [PORTS[1], STANDALONE]);
    expect(byNode(checks, 'redis-node')).toEqual({ [at(PORTS[0])]: 'ok', [at(PORTS[1])]: 'ok', [at(STANDALONE)]: 'fail' });
    expect(named(checks, 'redis-node').find((c) => c.node === at(STANDALONE))!.fix).toBeTruthy();
    expect(named(checks, 'redis-cluster')).toMatchObject([{ status: 'ok' }]);
    // The standalone as the only seed: no slot map can be read at all.
    const alone = await doctor(`redis://${at(STANDALONE)}`, [STANDALONE]);
    expect(byNode(alone, 'redis-node')).toEqual({ [at(STANDALONE)]: 'fail' });
    expect(named(alone, 'redis-cluster')).toMatchObject([{ status: 'fail' }]);
  });

  it('a cluster node given as a single endpoint (no KEYWARD_REDIS_CLUSTER_NODES) fails the redis check', async () => {
    const checks = await doctor(cluster.url, '');
    expect(named(checks, 'redis')).toMatchObject([{ status: 'fail' }]);
    expect(named(checks, 'redis-lua')).toMatchObject([{ status: 'ok' }]);
  });

  it('slots not fully covered fail the coverage check with the unassigned range; the node itself passes, its script is not run', async () => {
    const checks = await doctor(`redis://${at(HALF)}`, [HALF]);
    expect(byNode(checks, 'redis-node')).toEqual({ [at(HALF)]: 'ok' });
    // The cluster answers CLUSTERDOWN to every command: that is counted once, by redis-cluster.
    expect(byNode(checks, 'redis-lua')).toEqual({ [at(HALF)]: 'skip' });
    const [coverage] = named(checks, 'redis-cluster');
    expect(coverage).toMatchObject({ status: 'fail' });
    expect(coverage!.detail).toContain('8192-16383');
  });

  // Last: it kills a master of the shared cluster.
  it('a stopped seed fails, naming that node; once the cluster marks it failed, the coverage check names its slots', async () => {
    const dead = PORTS[2];
    await cluster.stopNode(dead);
    const checks = await doctor(cluster.url, cluster.ports.slice(1));
    expect(byNode(checks, 'redis-node')).toEqual({ [at(PORTS[0])]: 'ok', [at(PORTS[1])]: 'ok', [at(dead)]: 'fail' });
    expect(byNode(checks, 'redis-lua')).toMatchObject({ [at(PORTS[0])]: 'ok', [at(PORTS[1])]: 'ok', [at(dead)]: 'fail' });
    await until(async () => (await cluster.cli(PORTS[0], 'CLUSTER', 'INFO')).includes('cluster_state:fail'), 'the cluster did not mark the stopped master failed', 20_000);
    const later = await doctor(cluster.url, cluster.ports.slice(1));
    const [coverage] = named(later, 'redis-cluster');
    expect(coverage).toMatchObject({ status: 'fail' });
    expect(coverage!.detail).toContain(at(dead));
  }, 40_000);
});
