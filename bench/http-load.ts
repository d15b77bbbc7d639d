import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { bundle } from '../scripts/build.js';
import { compare, median, type Measure } from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Starts a bench server script in its own process (so the load generator does not share its event
 * loop). Every server, Keyward and baselines alike, is first bundled the way `npm run build`
 * bundles Keyward for `npm start`, and run by plain `node`: what is measured is what is deployed.
 */
export async function startServer<T extends { address: string }>(script: string, env: Record<string, string> = {}): Promise<{ info: T; child: ChildProcess }> {
  const bundled = path.join(here, '..', '.bench-tmp', 'servers', script.replace(/\.ts$/, '.mjs'));
  await bundle(path.join(here, 'servers', script), bundled);
  // BENCH_CHILD_EXEC_ARGV adds flags to every server process, e.g. `--cpu-prof` to profile one.
  const extra = process.env.BENCH_CHILD_EXEC_ARGV?.split(' ').filter(Boolean) ?? [];
  const child = fork(bundled, [], { execArgv: extra, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const info = await new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { info, child };
}

/** Sends `message` to a bench server and waits for its reply of type `replyType`. */
function ask<T>(child: ChildProcess, message: Record<string, unknown>, replyType: string): Promise<T> {
  return new Promise<T>((resolve) => {
    const onMessage = (m: { type?: string }) => {
      if (m.type !== replyType) return;
      child.off('message', onMessage);
      resolve(m as T);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

/** CPU time (user + system) a bench server has used so far, µs. */
export async function cpuMicros(child: ChildProcess): Promise<number> {
  return (await ask<{ micros: number }>(child, { type: 'cpu' }, 'cpu')).micros;
}

/** Records a CPU profile of one bench server while `during` runs (for finding where time goes; not used by `npm run bench`). */
export async function profileDuring<T>(child: ChildProcess, file: string, during: () => Promise<T>): Promise<T> {
  await ask(child, { type: 'profile-start' }, 'profile-started');
  try {
    return await during();
  } finally {
    await ask(child, { type: 'profile-stop', file }, 'profile-stopped');
  }
}

/** autocannon on loopback: bounded in time, loopback only. */
export async function load(options: { url: string; method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; connections: number; durationSeconds: number; overallRate?: number }): Promise<Measure> {
  const result = await autocannon({
    ...(options.overallRate !== undefined ? { overallRate: options.overallRate } : {}),
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    ...(options.body !== undefined ? { body: options.body } : {}),
    connections: options.connections,
    duration: options.durationSeconds,
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`load against ${options.url} had ${result.non2xx} non-2xx and ${result.errors} errors`);
  return { opsPerSec: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99 };
}

type LoadOptions = Parameters<typeof load>[0];

/**
 * Loads a server in 2 s rounds until two rounds in a row agree within 5% (at most
 * `maxSeconds`): its JIT has then settled. A server with more code on its request path takes
 * longer to settle (the gateway needs 10-15 s on this 2-core VM, a bare proxy 6-10 s; measured
 * round by round), so a fixed short warm-up measures the subject's compilation, not its
 * steady state. Returns the seconds it took.
 */
export async function warmUp(options: Omit<LoadOptions, 'durationSeconds'>, maxSeconds = 24): Promise<number> {
  let previous = 0;
  let seconds = 0;
  while (seconds < maxSeconds) {
    const rate = (await load({ ...options, durationSeconds: 2 })).opsPerSec;
    seconds += 2;
    // At least three rounds: the first two can both be slow and still agree.
    if (seconds >= 6 && Math.abs(rate - previous) <= 0.05 * Math.max(rate, previous)) break;
    previous = rate;
  }
  return seconds;
}

/**
 * Warms both servers up until their rates settle (`warmUp`), then measures them alternately (`rounds` each, median kept).
 * p99s are those of each side's last round. With `processes`, also each server's own CPU time per
 * request (median of rounds, µs): on a shared machine throughput moves with other processes'
 * load, while CPU per request is what the server itself costs.
 */
export async function compareLoads(
  subject: Omit<LoadOptions, 'durationSeconds'>,
  baseline: Omit<LoadOptions, 'durationSeconds'>,
  seconds: number,
  rounds: number,
  processes?: { readonly subject: ChildProcess; readonly baseline: ChildProcess },
): Promise<{ subject: Measure; baseline: Measure; pairedRatio: number; cpuUsPerRequest?: { subject: number; baseline: number } }> {
  await warmUp(subject);
  await warmUp(baseline);
  const last: { s?: Measure; b?: Measure } = {};
  const cpu = { s: [] as number[], b: [] as number[] };
  const run = async (options: Omit<LoadOptions, 'durationSeconds'>, child: ChildProcess | undefined, into: number[]) => {
    const before = child ? await cpuMicros(child) : 0;
    const m = await load({ ...options, durationSeconds: seconds });
    if (child) into.push(((await cpuMicros(child)) - before) / (m.opsPerSec * seconds));
    return m;
  };
  const result = await compare(
    async () => (last.s = await run(subject, processes?.subject, cpu.s)).opsPerSec,
    async () => (last.b = await run(baseline, processes?.baseline, cpu.b)).opsPerSec,
    rounds,
  );
  return {
    subject: { opsPerSec: result.subject, ...(last.s?.p99Ms !== undefined ? { p99Ms: last.s.p99Ms } : {}) },
    baseline: { opsPerSec: result.baseline, ...(last.b?.p99Ms !== undefined ? { p99Ms: last.b.p99Ms } : {}) },
    pairedRatio: result.pairedRatio,
    ...(processes ? { cpuUsPerRequest: { subject: median(cpu.s), baseline: median(cpu.b) } } : {}),
  };
}

/**
 * Latency the subject adds at a fixed request rate both sides sustain (`rate` requests/s over
 * `connections`), measured alternately, `rounds` each; the median p99 of each side is kept. At
 * saturation a p99 is mostly queueing (connections ÷ throughput), so added latency is measured
 * below it.
 */
export async function compareLatencyAtRate(subject: Omit<LoadOptions, 'durationSeconds'>, baseline: Omit<LoadOptions, 'durationSeconds'>, rate: number, seconds: number, rounds: number): Promise<{ subjectP99Ms: number; baselineP99Ms: number; subjectP50Ms: number; baselineP50Ms: number }> {
  const s: Measure[] = [];
  const b: Measure[] = [];
  for (let i = 0; i < rounds; i++) {
    s.push(await load({ ...subject, overallRate: rate, durationSeconds: seconds }));
    b.push(await load({ ...baseline, overallRate: rate, durationSeconds: seconds }));
  }
  const mid = (xs: Measure[], key: 'p99Ms' | 'p50Ms') => median(xs.map((x) => x[key] ?? Number.NaN));
  return { subjectP99Ms: mid(s, 'p99Ms'), baselineP99Ms: mid(b, 'p99Ms'), subjectP50Ms: mid(s, 'p50Ms'), baselineP50Ms: mid(b, 'p50Ms') };
}
