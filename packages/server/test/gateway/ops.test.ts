import { execFileSync } from 'node:child_process';
import { writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { makeStore, runGatewayExpectingExit, startGateway, type GatewayProcess } from './process.js';
import { startUpstream } from './upstream.js';

/**
 * The gateway as a real process: metrics on its admin port only, and access-map reloads (SIGHUP
 * and file changes) that are atomic, refuse an invalid map, and leave requests in flight alone.
 */
type Store = Awaited<ReturnType<typeof makeStore>>;
let store: Store;
const cleanups: (() => unknown)[] = [];
beforeAll(async () => {
  store = await makeStore();
  cleanups.push(() => store.cleanup());
}, 120_000);
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { headers });
  return { status: res.statusCode, code: res.headers['x-keyward-code'], body: await res.body.text(), headers: res.headers };
}

const mapText = (resources: string, upstreams = '') => `version: 1\n${upstreams}resources:\n${resources}`;

async function gatewayWith(map: string, extra: string[] = [], env: Record<string, string> = {}): Promise<{ gw: GatewayProcess; file: string; up: Awaited<ReturnType<typeof startUpstream>> }> {
  const up = await startUpstream();
  cleanups.push(up.close);
  const file = path.join(store.dir, `map-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, map);
  const gw = await startGateway(['--data', store.dir, '--upstream', up.url, '--policy', file, ...extra], env);
  cleanups.push(() => gw.stop());
  return { gw, file, up };
}

describe('gateway metrics on the admin port', () => {
  it('serves promtool-clean metrics (requests by route and outcome, refusals, upstream latency, in-flight, build_info) only on the admin port', async () => {
    const { gw, up } = await gatewayWith(mapText('  - { path: "/orders/{id}", methods: [GET], allow: [secret] }\n'), ['--admin-port', '0']);
    expect(gw.admin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const auth = { authorization: `Bearer ${store.secret}` };
    expect((await get(`${gw.base}/orders/1`, auth)).status).toBe(200);
    expect((await get(`${gw.base}/orders/2`, auth)).status).toBe(200);
    expect((await get(`${gw.base}/orders/3`)).code).toBe('CREDENTIAL_MISSING');
    expect((await get(`${gw.base}/nowhere`, auth)).code).toBe('ACCESS_DENIED');
    // The public port has no metrics of its own: /metrics is just another path the map does not list.
    const pub = await get(`${gw.base}/metrics`, auth);
    expect(pub.status).toBe(403);
    expect(pub.code).toBe('ACCESS_DENIED');
    expect(pub.body).not.toContain('keyward_');
    expect(up.seen.map((r) => r.url)).toEqual(['/orders/1', '/orders/2']);

    const scraped = await get(`${gw.admin}/metrics`);
    expect(scraped.status).toBe(200);
    expect(String(scraped.headers['content-type'])).toContain('text/plain');
    const s = samples(scraped.body);
    expect(s.get('keyward_gateway_requests_total{route="/orders/{id}",outcome="FORWARDED"}')).toBe(2);
    expect(s.get('keyward_gateway_requests_total{route="/orders/{id}",outcome="CREDENTIAL_MISSING"}')).toBe(1);
    expect(s.get('keyward_gateway_requests_total{route="none",outcome="ACCESS_DENIED"}')).toBe(2);
    expect(s.get('keyward_gateway_refusals_total{code="ACCESS_DENIED"}')).toBe(2);
    expect(s.get('keyward_gateway_refusals_total{code="CREDENTIAL_MISSING"}')).toBe(1);
    expect(s.get('keyward_gateway_upstream_duration_seconds_count{upstream="default"}')).toBe(2);
    expect(s.get('keyward_gateway_upstream_duration_seconds_bucket{le="+Inf",upstream="default"}')).toBe(2);
    expect(s.get('keyward_gateway_in_flight_requests')).toBe(0);
    expect(scraped.body).toMatch(/^keyward_build_info\{version="\d+\.\d+\.\d+",node="v[^"]+"\} 1$/m);
    const lint = execFileSync('promtool', ['check', 'metrics'], { input: scraped.body, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    expect(lint.trim()).toBe('');
    // Nothing but the two admin paths, read-only.
    expect((await get(`${gw.admin}/orders/1`)).status).toBe(404);
    expect((await request(`${gw.admin}/metrics`, { method: 'POST', body: '' })).statusCode).toBe(405);
    expect((await get(`${gw.admin}/healthz`)).status).toBe(200);
  }, 120_000);

  it('counts a request in flight while the upstream is still answering', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const up = await startUpstream(async (_req, res) => {
      await held;
      res.end('late');
    });
    cleanups.push(up.close);
    const file = path.join(store.dir, 'inflight.yaml');
    writeFileSync(file, mapText('  - { path: /slow, methods: [GET], allow: [secret] }\n'));
    const gw = await startGateway(['--data', store.dir, '--upstream', up.url, '--policy', file], { KEYWARD_GATEWAY_ADMIN_PORT: '0' });
    cleanups.push(() => gw.stop());
    expect(gw.admin).toBeDefined(); // the environment variable alone turns the admin port on
    const slow = get(`${gw.base}/slow`, { authorization: `Bearer ${store.secret}` });
    await new Promise((r) => setTimeout(r, 300));
    expect(samples((await get(`${gw.admin}/metrics`)).body).get('keyward_gateway_in_flight_requests')).toBe(1);
    release();
    expect((await slow).body).toBe('late');
    expect(samples((await get(`${gw.admin}/metrics`)).body).get('keyward_gateway_in_flight_requests')).toBe(0);
  }, 120_000);
});

describe('admin port: bad input', () => {
  it('an admin port equal to the public one, a non-numeric KEYWARD_GATEWAY_ADMIN_PORT, --admin-host alone: exit 2 CONFIG_INVALID before any state', async () => {
    const missing = path.join(store.dir, 'no-store-here');
    const file = path.join(store.dir, 'bad-input.yaml');
    writeFileSync(file, mapText('  - { path: /a, allow: [secret] }\n'));
    const base = ['--data', missing, '--upstream', 'http://127.0.0.1:9', '--policy', file, '--json'];
    const cases: [string[], Record<string, string>, string][] = [
      [['--port', '8790', '--admin-port', '8790'], {}, '--admin-port=8790'],
      [['--port', '8790'], { KEYWARD_GATEWAY_ADMIN_PORT: '8790' }, 'KEYWARD_GATEWAY_ADMIN_PORT=8790'],
      [['--port', '8790'], { KEYWARD_GATEWAY_ADMIN_PORT: 'abc' }, 'KEYWARD_GATEWAY_ADMIN_PORT=abc'],
      [['--port', '8790', '--admin-port', '70000'], {}, '--admin-port=70000'],
      [['--port', '8790', '--admin-host', '0.0.0.0'], {}, '--admin-host'],
      [['--port', '8790', '--admin-port', '0', '--admin-host', '999.1.1.1'], {}, '--admin-host 999.1.1.1'],
    ];
    for (const [args, env, names] of cases) {
      const r = await runGatewayExpectingExit([...base, ...args], env);
      expect(r.code, args.join(' ')).toBe(2);
      const error = JSON.parse(r.stderr.trim().split('\n').pop()!).error as { code: string; detail: string };
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.detail).toContain(names);
    }
    expect(existsSync(missing)).toBe(false);
  }, 180_000);
});

describe('access map reload', () => {
  const ORDERS = '  - { path: "/orders/{id}", methods: [GET], allow: [secret] }\n';
  const FILES = '  - { path: "/files/{id}", methods: [GET], allow: [secret] }\n';
  const reloadsOf = async (gw: GatewayProcess) => {
    const s = samples((await get(`${gw.admin}/metrics`)).body);
    return { applied: s.get('keyward_gateway_map_reloads_total{outcome="applied"}'), refused: s.get('keyward_gateway_map_reloads_total{outcome="refused"}') };
  };

  it('SIGHUP swaps in a valid new map; an invalid one is refused with POLICY_INVALID and the old map keeps serving', async () => {
    const { gw, file } = await gatewayWith(mapText(ORDERS), ['--admin-port', '0', '--no-watch-policy']);
    const auth = { authorization: `Bearer ${store.secret}` };
    expect((await get(`${gw.base}/files/1`, auth)).code).toBe('ACCESS_DENIED');

    writeFileSync(file, mapText(FILES));
    gw.child.kill('SIGHUP');
    await gw.waitForLog((l) => l.msg === 'access map reloaded' && l.trigger === 'signal');
    expect((await get(`${gw.base}/files/1`, auth)).status).toBe(200);
    expect((await get(`${gw.base}/orders/1`, auth)).code).toBe('ACCESS_DENIED');
    expect(await reloadsOf(gw)).toEqual({ applied: 1, refused: 0 });

    // Invalid: an unknown upstream, and a typo'd kind. Nothing of it applies, not even the valid parts.
    writeFileSync(file, mapText(`${ORDERS}  - { path: "/files/{id}", methods: [GET], allow: [secrte], upstream: billing }\n`));
    gw.child.kill('SIGHUP');
    const refused = await gw.waitForLog((l) => l.msg?.toString().startsWith('access map reload refused') === true);
    expect(refused.code).toBe('POLICY_INVALID');
    const problems = (refused.problems as string[]).join('\n');
    expect(problems).toContain('resources.1.upstream: no upstream named "billing"');
    expect(problems).toContain('resources.1.allow.0');
    expect((await get(`${gw.base}/files/1`, auth)).status).toBe(200);
    expect((await get(`${gw.base}/orders/1`, auth)).code).toBe('ACCESS_DENIED');
    expect(await reloadsOf(gw)).toEqual({ applied: 1, refused: 1 });
    expect(gw.child.exitCode).toBeNull();
  }, 120_000);

  it('reloads when the file changes, including an editor-style replace by rename (debounced: one reload per change)', async () => {
    const { gw, file } = await gatewayWith(mapText(ORDERS), ['--admin-port', '0']);
    const auth = { authorization: `Bearer ${store.secret}` };
    // Several writes in quick succession settle into one reload of the final text.
    writeFileSync(file, mapText(FILES).slice(0, 20));
    writeFileSync(file, mapText(FILES));
    await gw.waitForLog((l) => l.msg === 'access map reloaded' && l.trigger === 'file');
    expect((await get(`${gw.base}/files/1`, auth)).status).toBe(200);
    expect(await reloadsOf(gw)).toEqual({ applied: 1, refused: 0 });

    const tmp = `${file}.tmp`;
    writeFileSync(tmp, mapText(ORDERS));
    renameSync(tmp, file);
    await gw.waitForLog((l) => l.msg === 'access map reloaded' && l.trigger === 'file' && gw.logs().filter((x) => x.msg === 'access map reloaded').length === 2);
    expect((await get(`${gw.base}/orders/1`, auth)).status).toBe(200);
    expect((await get(`${gw.base}/files/1`, auth)).code).toBe('ACCESS_DENIED');
  }, 120_000);

  it('a request in flight finishes on the map (and upstream) it started with', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = await startUpstream(async (req, res) => {
      if (req.url === '/slow') await held;
      res.end(`first:${req.url}`);
    });
    const second = await startUpstream(async (req, res) => void res.end(`second:${req.url}`));
    cleanups.push(first.close, second.close);
    const file = path.join(store.dir, 'inflight-reload.yaml');
    const routed = (to: string) => mapText('  - { path: /slow, methods: [GET], allow: [secret], upstream: svc }\n', `upstreams:\n  svc: { url: "${to}" }\n`);
    writeFileSync(file, routed(first.url));
    const gw = await startGateway(['--data', store.dir, '--upstream', 'http://127.0.0.1:9', '--policy', file, '--no-watch-policy']);
    cleanups.push(() => gw.stop());
    const auth = { authorization: `Bearer ${store.secret}` };
    const inFlight = get(`${gw.base}/slow`, auth);
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(file, routed(second.url));
    gw.child.kill('SIGHUP');
    await gw.waitForLog((l) => l.msg === 'access map reloaded');
    expect((await get(`${gw.base}/slow`, auth)).body).toBe('second:/slow');
    release();
    const done = await inFlight;
    expect(done.status).toBe(200);
    expect(done.body).toBe('first:/slow');
  }, 120_000);
});
