/**
 * `npx tsx --conditions=@keyward/source bench/profile-gateway.ts [seconds]`: loads the gateway and
 * the bare proxy like the gateway bench does, records a CPU profile of each server's measured window
 * (.bench-tmp/gateway.cpuprofile, .bench-tmp/bare.cpuprofile) and prints the top self-time
 * functions of each. For finding where the gateway's time goes; not part of `npm run bench`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuMicros, load, profileDuring, startServer } from './http-load.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const seconds = Number(process.argv[2] ?? 5);
const upstream = await startServer<{ address: string }>('upstream.ts');
const env = { UPSTREAM: upstream.info.address };
const gw = await startServer<{ address: string; key: string }>('keyward-gateway.ts', env);
const bare = await startServer<{ address: string }>('bare-proxy.ts', env);
try {
  const sides = [
    { name: 'gateway', child: gw.child, options: { url: `${gw.info.address}/users/u_1`, headers: { authorization: `Bearer ${gw.info.key}` }, connections: 50 } },
    { name: 'bare', child: bare.child, options: { url: `${bare.info.address}/users/u_1`, connections: 50 } },
  ];
  for (const s of sides) await load({ ...s.options, durationSeconds: 1 });
  for (const s of sides) {
    const file = path.join(here, '..', '.bench-tmp', `${s.name}.cpuprofile`);
    const before = await cpuMicros(s.child);
    const m = await profileDuring(s.child, file, () => load({ ...s.options, durationSeconds: seconds }));
    const cpu = ((await cpuMicros(s.child)) - before) / (m.opsPerSec * seconds);
    console.log(`\n${s.name}: ${Math.round(m.opsPerSec)}/s, ${cpu.toFixed(1)} µs CPU per request (profiler on)`);
    printTop(file, 30);
  }
} finally {
  for (const p of [gw, bare, upstream]) p.child.kill();
}

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
function printTop(file: string, n: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  for (const id of profile.samples) {
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${path.basename(f.url)}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const total = profile.samples.length;
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
}
