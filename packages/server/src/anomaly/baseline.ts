/**
 * Rolling baselines, as pure functions over small plain records (so they serialise to the store
 * and survive a restart). A baseline is an exponentially weighted mean and variance of a count per
 * minute: constant memory per entity, and recent behaviour weighs most.
 */
export interface RateBaseline {
  /** Start (ms) of the minute being counted. */
  readonly minuteStartMs: number;
  /** Count in that minute so far. */
  readonly count: number;
  /** EWMA of the per-minute count over closed minutes, and of its square deviation. */
  readonly mean: number;
  readonly variance: number;
  /** Closed minutes folded in (idle minutes included), capped at 10^6. */
  readonly minutes: number;
}

export const MINUTE_MS = 60_000;

export function minuteOf(atMs: number): number {
  return atMs - (atMs % MINUTE_MS);
}

export function newBaseline(atMs: number): RateBaseline {
  return { minuteStartMs: minuteOf(atMs), count: 0, mean: 0, variance: 0, minutes: 0 };
}

/** Folds one closed minute's count into the mean and variance (West's EWMA update). */
function fold(b: { mean: number; variance: number; minutes: number }, count: number, alpha: number): { mean: number; variance: number; minutes: number } {
  // The first minute seeds the mean; afterwards each minute moves it by alpha.
  if (b.minutes === 0) return { mean: count, variance: 0, minutes: 1 };
  const diff = count - b.mean;
  const incr = alpha * diff;
  return { mean: b.mean + incr, variance: (1 - alpha) * (b.variance + diff * incr), minutes: Math.min(b.minutes + 1, 1_000_000) };
}

/**
 * Moves the baseline to the minute of `atMs`: every closed minute (the counted one, then idle ones
 * with count 0, at most 24 h of them: beyond that the baseline has decayed anyway) is folded in.
 */
export function advance(b: RateBaseline, atMs: number, alpha: number): RateBaseline {
  const minute = minuteOf(atMs);
  if (minute <= b.minuteStartMs) return b;
  let s = fold(b, b.count, alpha);
  const idle = Math.min((minute - b.minuteStartMs) / MINUTE_MS - 1, 24 * 60);
  for (let i = 0; i < idle; i++) s = fold(s, 0, alpha);
  return { minuteStartMs: minute, count: 0, ...s };
}

export function add(b: RateBaseline, n = 1): RateBaseline {
  // Spelled out rather than `{ ...b, count }`: this runs once per authenticated request (the
  // pipeline feeds every outcome to the detector), and the spread showed on the gateway's profile.
  return { minuteStartMs: b.minuteStartMs, count: b.count + n, mean: b.mean, variance: b.variance, minutes: b.minutes };
}

/** The count above which the current minute is a spike, given the thresholds. */
export function spikeThreshold(b: RateBaseline, t: { readonly spikeSigma: number; readonly spikeFactor: number; readonly minSpikePerMinute: number }): number {
  return Math.max(t.minSpikePerMinute, b.mean + t.spikeSigma * Math.sqrt(b.variance), t.spikeFactor * b.mean);
}

/** The network an address belongs to for "many networks": IPv4 /24, IPv6 /48. */
export function networkOf(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/i.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  const parts = expandIpv6(ip);
  return parts ? `${parts.slice(0, 3).join(':')}::/48` : ip;
}

function expandIpv6(ip: string): string[] | undefined {
  const zoneless = ip.split('%')[0]!.toLowerCase();
  if (!zoneless.includes(':')) return undefined;
  const [head, tail] = zoneless.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  if (fill < 0) return undefined;
  return [...h, ...Array.from({ length: fill }, () => '0'), ...t].map((p) => p.replace(/^0+(?=.)/, ''));
}
