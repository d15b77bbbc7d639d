import type { AnomalyRule, Observation } from '../../src/anomaly/model.js';

/**
 * Recorded synthetic traffic with known injected anomalies, for precision and recall. Seeded, so
 * every run replays the same requests. Normal traffic: keys with their own daily-varying rate
 * (Poisson per minute), a few user agents each, sessions on one or two networks (a phone moving
 * between Wi-Fi and mobile), a trickle of failed verifications. Injected: traffic spikes of a
 * publishable key, a session used from many networks at once, credential-enumeration bursts,
 * keys seen in URLs. Hard negatives: a key whose traffic doubles slowly (a launch), a session
 * that changes network twice, a failure blip below the burst threshold.
 */
export interface Label {
  readonly rule: AnomalyRule;
  readonly entity: string;
  readonly fromMs: number;
  readonly toMs: number;
}

export interface Recording {
  readonly observations: Observation[];
  readonly keysInUrls: { keyId: string; appId: string; atMs: number }[];
  readonly labels: Label[];
}

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function poisson(rand: () => number, lambda: number): number {
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian(rand)));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rand();
  } while (p > l);
  return k - 1;
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
}

const T0 = Date.UTC(2026, 5, 1);
const MIN = 60_000;

export function record(seed: number, options: { minutes?: number; keys?: number; sessions?: number; apps?: number } = {}): Recording {
  const rand = rng(seed);
  const minutes = options.minutes ?? 6 * 60;
  const nKeys = options.keys ?? 60;
  const nSessions = options.sessions ?? 80;
  const nApps = options.apps ?? 4;
  const obs: Observation[] = [];
  const labels: Label[] = [];
  const keysInUrls: Recording['keysInUrls'] = [];
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const apps = Array.from({ length: nApps }, (_, i) => `app_${i}`);
  const uas = ['MyApp/3.2 (iOS 18.1)', 'MyApp/3.2 (Android 15)', 'MyApp/3.1 (iOS 17.6)', 'MyApp/3.2 (Android 14)', 'okhttp/4.12.0'];
  const keys = Array.from({ length: nKeys }, (_, i) => ({
    id: `key_${i}`,
    app: apps[i % nApps]!,
    base: 0.5 + rand() * 40,
    uas: [pick(uas), pick(uas)],
    ramp: i % 15 === 7, // hard negative: doubles over the whole recording
  }));
  const sessions = Array.from({ length: nSessions }, (_, i) => ({
    id: `ses_${i}`,
    app: apps[i % nApps]!,
    nets: [`10.${i % 200}.${(i * 7) % 250}.5`, `100.64.${i % 200}.9`],
    rate: 0.2 + rand() * 2,
    hops: i % 10 === 3, // hard negative: changes network twice in a window
  }));

  // Injections, placed after a warm-up hour and spaced out.
  const spiked = keys.filter((k, i) => i % 6 === 1 && !k.ramp).slice(0, 8);
  const spikeAt = new Map(spiked.map((k, i) => [k.id, 70 + i * 33] as const));
  for (const k of spiked) labels.push({ rule: 'traffic_spike', entity: k.id, fromMs: T0 + spikeAt.get(k.id)! * MIN, toMs: T0 + (spikeAt.get(k.id)! + 6) * MIN });
  const stolen = sessions.filter((_, i) => i % 9 === 2).slice(0, 6);
  const stolenAt = new Map(stolen.map((s, i) => [s.id, 80 + i * 41] as const));
  for (const s of stolen) labels.push({ rule: 'many_networks', entity: s.id, fromMs: T0 + stolenAt.get(s.id)! * MIN, toMs: T0 + (stolenAt.get(s.id)! + 10) * MIN });
  const bursts = [
    { app: apps[1]!, at: 95 },
    { app: apps[2]!, at: 170 },
    { app: apps[3]!, at: 260 },
    { app: apps[0]!, at: 320 },
  ];
  for (const b of bursts) labels.push({ rule: 'verification_failures', entity: b.app, fromMs: T0 + b.at * MIN, toMs: T0 + (b.at + 4) * MIN });
  for (let i = 0; i < 5; i++) {
    const k = keys[(i * 11 + 4) % nKeys]!;
    const at = T0 + (100 + i * 50) * MIN + 1234;
    keysInUrls.push({ keyId: k.id, appId: k.app, atMs: at });
    labels.push({ rule: 'key_in_url', entity: k.id, fromMs: at, toMs: at + MIN });
  }

  for (let m = 0; m < minutes; m++) {
    const start = T0 + m * MIN;
    const daily = 1 + 0.3 * Math.sin((2 * Math.PI * m) / (24 * 60));
    const at = () => start + Math.floor(rand() * MIN);
    for (const k of keys) {
      let lambda = k.base * daily * (k.ramp ? 1 + m / minutes : 1);
      const s = spikeAt.get(k.id);
      if (s !== undefined && m >= s && m < s + 5) lambda = lambda * (3 + (spikeAt.get(k.id)! % 4)) + 40;
      for (let n = poisson(rand, lambda); n > 0; n--) {
        obs.push({ atMs: at(), appId: k.app, credentialId: k.id, credentialKind: 'publishable', subject: `user_${Math.floor(rand() * 500)}`, clientIp: `198.51.${Math.floor(rand() * 100)}.${Math.floor(rand() * 250)}`, userAgent: pick(k.uas), failed: false, signatureFailed: false });
      }
    }
    for (const s of sessions) {
      const st = stolenAt.get(s.id);
      const inAttack = st !== undefined && m >= st && m < st + 3;
      const n = poisson(rand, inAttack ? s.rate + 6 : s.rate);
      for (let i = 0; i < n; i++) {
        let ip = s.nets[Math.floor(m / 90) % 2]!;
        if (s.hops && m % 37 === 0) ip = pick(s.nets);
        if (inAttack && rand() < 0.8) ip = `${20 + Math.floor(rand() * 200)}.${Math.floor(rand() * 250)}.${Math.floor(rand() * 250)}.1`;
        obs.push({ atMs: at(), appId: s.app, credentialId: s.id, credentialKind: 'session', subject: `user_${s.id}`, clientIp: ip, userAgent: uas[0]!, failed: false, signatureFailed: false });
      }
    }
    for (const app of apps) {
      const burst = bursts.find((b) => b.app === app && m >= b.at && m < b.at + 3);
      const blip = m % 53 === 0 ? 15 : 0; // hard negative: a failure blip below the threshold
      for (let n = poisson(rand, burst ? 150 : 1.5) + blip; n > 0; n--) {
        obs.push({ atMs: at(), appId: app, credentialId: null, credentialKind: null, subject: null, clientIp: `203.0.113.${Math.floor(rand() * 250)}`, userAgent: 'curl/8.5.0', failed: true, signatureFailed: false });
      }
    }
  }
  obs.sort((a, b) => a.atMs - b.atMs);
  return { observations: obs, keysInUrls, labels };
}
