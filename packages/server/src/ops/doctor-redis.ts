import { redisKeys } from '../state/redis/keys.js';
import { CLUSTER_SLOTS, clusterKeySlot } from '../state/redis/slot.js';
import { fail, ok, onNode, skewCheck, skip, type Check } from './check.js';
import { RespError, openRedisProbe, type RedisProbe, type RespValue } from './redis-probe.js';

/**
 * The doctor's Redis checks. One endpoint: `redis`, `redis-lua`, `clock-redis`. A Redis Cluster
 * (KEYWARD_REDIS_CLUSTER_NODES set): every seed is probed as Keyward's Cluster client would reach
 * it (the URL's user, password and TLS on every node), then the cluster as a whole:
 *
 *  - `redis-node`, once per seed: reachable, AUTH accepted, PING answered, cluster support on;
 *  - `clock-redis`, once per reachable seed;
 *  - `redis-cluster`: every seed reports `cluster_state:ok`, belongs to the same cluster, and the
 *    16384 slots are all assigned to masters none of which is flagged failing (from CLUSTER NODES);
 *  - `redis-lua`, once per master: a keyed EVAL (read-only: EXISTS) on a hash-tagged key whose
 *    slot that master owns, sent straight to it, as Keyward's scripts are (skipped while the
 *    cluster answers CLUSTERDOWN: that failure is redis-cluster's).
 *
 * Seeds and masters are probed in parallel, each command bounded by `timeoutMs`.
 */
export interface RedisDoctorOptions {
  readonly timeoutMs: number;
  readonly maxSkewMs: number;
  readonly now: () => number;
  /** KEYWARD_REDIS_KEY_PREFIX: the keyed EVAL reads a key under it. */
  readonly keyPrefix: string;
}

const AUTH_FIX = 'check the user and password in KEYWARD_REDIS_URL (on a Cluster they apply to every node) and that the ACL allows this user PING, INFO, CLUSTER and EVAL';
const LUA_FIX = 'Keyward\'s limits and single-use checks are Lua scripts: allow EVAL/EVALSHA for this user (ACL) or use a Redis that has scripting';
const STATE_FIX = 'with `cluster-require-full-coverage yes` (the default) a cluster with one unserved slot refuses every command: serve every slot (see the rest of this check, and `redis-cli --cluster check HOST:PORT`)';
const FAILING_FIX = 'restart the failing master, or fail over to its replica (CLUSTER FAILOVER on the replica); without a replica its slots stay unserved until it returns';

export async function redisChecks(url: string, clusterNodes: readonly string[], o: RedisDoctorOptions): Promise<Check[]> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [fail('redis', 'KEYWARD_REDIS_URL is not a URL', 'set KEYWARD_REDIS_URL=redis://[:password@]host:6379[/db]')];
  }
  const first = `${u.hostname}:${u.port || 6379}`;
  if (clusterNodes.length === 0) return standaloneChecks(url, first, o);
  return clusterChecks(url, [...new Set([first, ...clusterNodes])], o);
}

async function standaloneChecks(url: string, addr: string, o: RedisDoctorOptions): Promise<Check[]> {
  const where = `Redis ${addr}`;
  let probe;
  try {
    probe = await openRedisProbe(url, o.timeoutMs);
  } catch (err) {
    return [fail('redis', `${where}: ${reason(err)}`, err instanceof RespError ? AUTH_FIX : 'check KEYWARD_REDIS_URL (host, port, password) and that Redis accepts connections from this host')];
  }
  const checks: Check[] = [];
  try {
    const pong = await probe.command('PING');
    if (pong !== 'PONG') checks.push(fail('redis', `${where}: PING answered ${String(pong)}`, 'point KEYWARD_REDIS_URL at a Redis server'));
    // An ACL may refuse INFO; then the mode stays unknown, as before this check existed.
    else if ((await infoOrEmpty(probe)).get('cluster_enabled') === '1') checks.push(fail('redis', `${where}: a Redis Cluster node, but KEYWARD_REDIS_CLUSTER_NODES is not set`, 'set KEYWARD_REDIS_CLUSTER_NODES=host:port,… (the cluster\'s masters): the single-endpoint client cannot follow the cluster\'s MOVED redirections'));
    else checks.push(ok('redis', `${where}: PING answered`));
    try {
      const lua = await probe.command('EVAL', 'return 1', '0');
      checks.push(lua === 1 ? ok('redis-lua', `${where}: runs Lua scripts`) : fail('redis-lua', `EVAL answered ${String(lua)}`, 'use Redis 6 or later with scripting enabled'));
    } catch (err) {
      checks.push(fail('redis-lua', `${where}: EVAL refused: ${reason(err)}`, LUA_FIX));
    }
    checks.push(await clockCheck(probe, o));
  } catch (err) {
    checks.push(fail('redis', `${where}: ${reason(err)}`, AUTH_FIX));
  } finally {
    probe.close();
  }
  return checks;
}

/** A seed that answered as a cluster node: its open probe, CLUSTER INFO fields and CLUSTER NODES view. */
interface Member {
  readonly addr: string;
  readonly probe: RedisProbe;
  readonly info: ReadonlyMap<string, string>;
  readonly nodes: readonly ClusterNode[];
}

async function clusterChecks(url: string, seeds: readonly string[], o: RedisDoctorOptions): Promise<Check[]> {
  const visits = await Promise.all(seeds.map((addr) => visitSeed(url, addr, o)));
  const checks = visits.flatMap((v) => v.checks);
  const members = visits.flatMap((v) => (v.member ? [v.member] : []));
  try {
    if (!members.length) {
      checks.push(fail('redis-cluster', 'no seed answered as a cluster node, so the slot map cannot be read', 'fix the redis-node checks above: Keyward learns the slot map from any one reachable seed'));
      return checks;
    }
    checks.push(coverageCheck(members));
    const masters = members[0]!.nodes.filter((n) => n.master && n.slots.length > 0).sort((a, b) => a.slots[0]![0] - b.slots[0]![0]);
    checks.push(...(await Promise.all(masters.map((m) => keyedScriptCheck(url, m, members, o)))));
  } finally {
    for (const m of members) m.probe.close();
  }
  return checks;
}

async function visitSeed(url: string, addr: string, o: RedisDoctorOptions): Promise<{ checks: Check[]; member?: Member }> {
  const failed = (detail: string, fix: string) => ({ checks: [onNode(addr, fail('redis-node', detail, fix))] });
  let probe;
  try {
    probe = await openRedisProbe(nodeUrl(url, addr), o.timeoutMs);
  } catch (err) {
    if (err instanceof RespError) return failed(`AUTH refused: ${reason(err)}`, AUTH_FIX);
    return failed(`cannot reach this seed: ${reason(err)}`, `start the Redis node at ${addr}, or correct KEYWARD_REDIS_URL / KEYWARD_REDIS_CLUSTER_NODES; check that it accepts connections from this host (bind, protected-mode, firewall)`);
  }
  try {
    const pong = await probe.command('PING');
    if (pong !== 'PONG') throw new Error(`PING answered ${String(pong)}`);
    if (infoFields(await probe.command('INFO', 'cluster')).get('cluster_enabled') !== '1') {
      probe.close();
      return failed('a standalone Redis (cluster_enabled:0), listed as a Redis Cluster seed', `remove ${addr} from KEYWARD_REDIS_URL / KEYWARD_REDIS_CLUSTER_NODES and list the cluster's nodes; or, for one Redis endpoint, unset KEYWARD_REDIS_CLUSTER_NODES`);
    }
    const info = infoFields(await probe.command('CLUSTER', 'INFO'));
    const nodes = parseClusterNodes(String(await probe.command('CLUSTER', 'NODES')), hostOf(addr));
    const clock = onNode(addr, await clockCheck(probe, o));
    const me = nodes.find((n) => n.myself);
    const role = me ? `${me.master ? 'master' : 'replica'}${me.master ? ` of ${slotCount(me.slots)} slot(s)` : ''}` : 'cluster node';
    return { checks: [onNode(addr, ok('redis-node', `PING answered; ${role}, cluster_state:${info.get('cluster_state') ?? '?'}`)), clock], member: { addr, probe, info, nodes } };
  } catch (err) {
    probe.close();
    return failed(reason(err), AUTH_FIX);
  }
}

/** Every seed in one cluster, in state ok, and every slot assigned to a master not flagged failing. */
function coverageCheck(members: readonly Member[]): Check {
  const ref = members[0]!;
  const problems: string[] = [];
  const fixes = new Set<string>();
  for (const m of members) {
    const state = m.info.get('cluster_state');
    if (state !== 'ok') {
      problems.push(`${m.addr} reports cluster_state:${state ?? '?'}`);
      fixes.add(STATE_FIX);
    }
  }
  const known = new Set(ref.nodes.map((n) => n.id));
  for (const m of members.slice(1)) {
    const me = m.nodes.find((n) => n.myself);
    if (me && !known.has(me.id)) {
      problems.push(`${m.addr} is not a node of the cluster ${ref.addr} belongs to`);
      fixes.add('list the nodes of one cluster only in KEYWARD_REDIS_URL and KEYWARD_REDIS_CLUSTER_NODES');
    }
  }
  const masters = ref.nodes.filter((n) => n.master && n.slots.length > 0);
  const unassigned = gaps(masters.flatMap((n) => n.slots));
  if (unassigned.length) {
    problems.push(`${slotCount(unassigned)} of ${CLUSTER_SLOTS} slots assigned to no master (${formatRanges(unassigned)}; cluster_slots_assigned:${ref.info.get('cluster_slots_assigned') ?? '?'})`);
    fixes.add('assign every slot: `redis-cli --cluster fix HOST:PORT`, or CLUSTER ADDSLOTSRANGE on the master that should own them; a script on a key of an unassigned slot fails (nonces and single-use fail closed)');
  }
  for (const n of masters.filter((x) => x.failing)) {
    problems.push(`slots ${formatRanges(n.slots)} on ${n.addr}, flagged ${n.failing} (cluster_slots_ok:${ref.info.get('cluster_slots_ok') ?? '?'})`);
    fixes.add(FAILING_FIX);
  }
  if (problems.length) return fail('redis-cluster', problems.join('; '), [...fixes].join('; '));
  return ok('redis-cluster', `cluster_state:ok on ${members.length} seed(s); all ${CLUSTER_SLOTS} slots served by ${masters.length} master(s)`);
}

/** A keyed, read-only EVAL sent to `master` on a key of a slot it owns (no MOVED expected). */
async function keyedScriptCheck(url: string, master: ClusterNode, members: readonly Member[], o: RedisDoctorOptions): Promise<Check> {
  const serves = `master of slots ${formatRanges(master.slots)}`;
  const check = (c: Check) => onNode(master.addr, c);
  const seed = members.find((m) => m.nodes.some((n) => n.myself && n.id === master.id));
  let probe = seed?.probe;
  if (!probe) {
    try {
      probe = await openRedisProbe(nodeUrl(url, master.addr), o.timeoutMs);
    } catch (err) {
      if (err instanceof RespError) return check(fail('redis-lua', `${serves}: AUTH refused: ${reason(err)}`, AUTH_FIX));
      return check(fail('redis-lua', `${serves}: cannot reach it: ${reason(err)}`, `restart it or fail over to its replica (CLUSTER FAILOVER on the replica); if it runs, make the address the cluster announces for it (cluster-announce-ip / cluster-announce-port) reachable from every Keyward node`));
    }
  }
  const keys = redisKeys(o.keyPrefix);
  const key = keyIn(master.slots, (n) => keys.doctorProbe(n));
  try {
    const r = await probe.command('EVAL', "return redis.call('EXISTS', KEYS[1])", '1', key);
    if (r !== 0 && r !== 1) return check(fail('redis-lua', `${serves}: EVAL answered ${JSON.stringify(r)}`, 'use Redis 6 or later with scripting enabled'));
    return check(ok('redis-lua', `${serves}: a script on a key of slot ${clusterKeySlot(key)} ran here`));
  } catch (err) {
    // Refused by the cluster, not by the scripting engine: counted once, by redis-cluster.
    if (/^CLUSTERDOWN/.test(reason(err))) return check(skip('redis-lua', `${serves}: not run, the cluster refuses commands (${reason(err)}); see redis-cluster`));
    if (/^(MOVED|ASK) /.test(reason(err))) return check(fail('redis-lua', `${serves}, but answered ${reason(err)}: the slot map changed during the check`, 'a resharding or failover is under way: run `keyward doctor` again once it has finished'));
    return check(fail('redis-lua', `${serves}: EVAL refused: ${reason(err)}`, LUA_FIX));
  } finally {
    if (!seed) probe.close();
  }
}

/** The first key `name(n)` whose slot lies in `ranges` (a master of even one slot is found within ~10^5 tries). */
function keyIn(ranges: readonly Range[], name: (n: number) => string): string {
  for (let n = 0; n < 1 << 22; n++) {
    const slot = clusterKeySlot(name(n));
    if (ranges.some(([a, b]) => slot >= a && slot <= b)) return name(n);
  }
  return name(0);
}

async function clockCheck(probe: RedisProbe, o: RedisDoctorOptions): Promise<Check> {
  const t0 = o.now();
  const time = (await probe.command('TIME')) as RespValue[];
  const t1 = o.now();
  return skewCheck('clock-redis', Number(time[0]) * 1000 + Number(time[1]) / 1000, t0, t1, o.maxSkewMs);
}

type Range = readonly [number, number];
interface ClusterNode {
  readonly id: string;
  readonly addr: string;
  readonly myself: boolean;
  readonly master: boolean;
  /** `fail` (agreed by the masters) or `fail?` (suspected by this node). */
  readonly failing?: 'fail' | 'fail?';
  readonly slots: readonly Range[];
}

/**
 * CLUSTER NODES: `<id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch> <link> <slot>…`,
 * slots as `N` or `N-M`; `[N->-id]` / `[N-<-id]` (a migration) are not ownership and are skipped.
 * A node announcing no address (`:0`) is given `fallbackHost`, as the Cluster client does.
 */
function parseClusterNodes(text: string, fallbackHost: string): ClusterNode[] {
  return text.split('\n').filter((l) => l.trim()).map((line) => {
    const [id = '', address = '', flagList = '', , , , , , ...slotTokens] = line.trim().split(' ');
    const hostPort = address.split(/[@,]/)[0]!;
    const at = hostPort.lastIndexOf(':');
    const host = hostPort.slice(0, at) || fallbackHost;
    const flags = new Set(flagList.split(','));
    const slots: Range[] = slotTokens.filter((t) => /^\d+(-\d+)?$/.test(t)).map((t) => {
      const [a, b = a] = t.split('-').map(Number) as [number, number?];
      return [a, b] as const;
    });
    return {
      id,
      addr: `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${hostPort.slice(at + 1)}`,
      myself: flags.has('myself'),
      master: flags.has('master'),
      ...(flags.has('fail') ? { failing: 'fail' as const } : flags.has('fail?') ? { failing: 'fail?' as const } : {}),
      slots,
    };
  });
}

/** Slot ranges of 0…16383 that `owned` leaves uncovered. */
function gaps(owned: readonly Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [a, b] of [...owned].sort((x, y) => x[0] - y[0])) {
    if (a > next) out.push([next, a - 1]);
    next = Math.max(next, b + 1);
  }
  if (next < CLUSTER_SLOTS) out.push([next, CLUSTER_SLOTS - 1]);
  return out;
}

const slotCount = (ranges: readonly Range[]) => ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
function formatRanges(ranges: readonly Range[]): string {
  const shown = ranges.slice(0, 8).map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
  return ranges.length > 8 ? `${shown.join(', ')} and ${ranges.length - 8} more range(s)` : shown.join(', ');
}

/** The URL with its host and port replaced: the user, password, TLS and database stay. */
function nodeUrl(url: string, addr: string): string {
  const u = new URL(url);
  u.host = addr;
  return u.toString();
}
const hostOf = (addr: string) => addr.slice(0, addr.lastIndexOf(':'));

function infoFields(v: RespValue): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of String(v).split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0) fields.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return fields;
}
async function infoOrEmpty(probe: RedisProbe): Promise<Map<string, string>> {
  try {
    return infoFields(await probe.command('INFO', 'cluster'));
  } catch (err) {
    if (err instanceof RespError) return new Map();
    throw err;
  }
}

/** The probe's and Redis's own messages: neither carries the URL or the password. */
const reason = (err: unknown) => (err as Error).message;
