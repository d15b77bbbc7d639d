/**
 * Benchmark primitives. Every figure Keyward reports is a ratio against a baseline measured in the
 * same run, interleaved round by round, so machine load affects both sides alike.
 */
import { performance } from 'node:perf_hooks';

export interface Measure {
  /** Operations (or requests) per second. */
  readonly opsPerSec: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
}

export interface BenchRow {
  readonly name: string;
  readonly subjectLabel: string;
  readonly baselineLabel: string;
  readonly subject: Measure;
  readonly baseline: Measure;
  /**
   * Median of the per-round ratios (subject ÷ baseline of the same round), when the rows came from
   * `compare`. Robust to the machine's speed drifting during a run, which moves both sides of a
   * round together; used instead of the ratio of the two medians.
   */
  readonly pairedRatio?: number;
  /** What the issue asks for: a minimum throughput ratio and/or a maximum p99. */
  readonly target?: { readonly minRatio?: number; readonly maxAddedP99Ms?: number; readonly maxP99Ms?: number; readonly minOpsPerSec?: number };
  readonly notes?: string;
}

export interface BenchCase {
  readonly name: string;
  run(options: { quick: boolean; log: (line: string) => void }): Promise<BenchRow[]>;
}

/** Runs `fn` in batches for about `durationMs`, returning operations per second. */
export async function opsPerSecond(fn: () => unknown, durationMs: number, batch = 1000): Promise<number> {
  const end = performance.now() + durationMs;
  let ops = 0;
  const start = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
  }
  return ops / ((performance.now() - start) / 1000);
}

/** Same as opsPerSecond for functions that may return promises (each result awaited, one at a time). */
export async function opsPerSecondAsync(fn: () => unknown, durationMs: number, batch = 200): Promise<number> {
  const end = performance.now() + durationMs;
  let ops = 0;
  const start = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < batch; i++) await fn();
    ops += batch;
  }
  return ops / ((performance.now() - start) / 1000);
}

/**
 * Interleaves subject and baseline for `rounds` rounds (A B B A …) and keeps the median of each,
 * so that a burst of background load hits both, plus the median of the per-round ratios.
 */
export async function compare(
  subject: () => Promise<number> | number,
  baseline: () => Promise<number> | number,
  rounds: number,
): Promise<{ subject: number; baseline: number; pairedRatio: number; subjectRounds: number[] }> {
  const s: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      s.push(await subject());
      b.push(await baseline());
    } else {
      b.push(await baseline());
      s.push(await subject());
    }
  }
  return { subject: median(s), baseline: median(b), pairedRatio: median(s.map((x, i) => x / b[i]!)), subjectRounds: s };
}

/**
 * For operations whose time is mostly waiting (WebCrypto runs on libuv's thread pool, whose
 * hand-off latency drifts by ±20% within seconds): subject and baseline alternate in batches of
 * `batch` awaited calls, A B B A …, for `rounds` rounds, so both see the same conditions within
 * milliseconds. Reports each side's rate and the median of the per-round ratios.
 */
export async function compareInterleaved(subject: () => Promise<unknown>, baseline: () => Promise<unknown>, batch: number, rounds: number): Promise<{ subject: number; baseline: number; pairedRatio: number }> {
  const timeBatch = async (fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) await fn();
    return batch / ((performance.now() - t0) / 1000);
  };
  return compare(() => timeBatch(subject), () => timeBatch(baseline), rounds);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(sortedValues: number[], p: number): number {
  if (sortedValues.length === 0) return Number.NaN;
  const idx = Math.min(sortedValues.length - 1, Math.ceil((p / 100) * sortedValues.length) - 1);
  return sortedValues[Math.max(0, idx)]!;
}

export function ratio(row: BenchRow): number {
  return row.pairedRatio ?? row.subject.opsPerSec / row.baseline.opsPerSec;
}

export function passes(row: BenchRow): boolean {
  const t = row.target;
  if (!t) return true;
  if (t.minRatio !== undefined && ratio(row) < t.minRatio) return false;
  if (t.minOpsPerSec !== undefined && row.subject.opsPerSec < t.minOpsPerSec) return false;
  if (t.maxP99Ms !== undefined && (row.subject.p99Ms ?? Infinity) > t.maxP99Ms) return false;
  if (t.maxAddedP99Ms !== undefined) {
    const added = (row.subject.p99Ms ?? Infinity) - (row.baseline.p99Ms ?? 0);
    if (added > t.maxAddedP99Ms) return false;
  }
  return true;
}
