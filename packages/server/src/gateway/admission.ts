import type { IncomingMessage } from 'node:http';

/**
 * Slow-client defences. A request the gateway forwards holds one upstream connection for as long
 * as its body takes to arrive, so a client that sends a byte every few seconds (slowloris, "slow
 * POST") can pin the whole upstream pool with a handful of uploads. Two bounds:
 *  - every request body must keep a minimum rate over a window and finish within a deadline
 *    (`BodyWatch`); a body that falls behind gets 408 and its upstream request is aborted;
 *  - the requests one client address, and one credential, may have in flight are bounded
 *    (`InFlight`), so one caller cannot hold more than its share of the pool while it is slow.
 */
export interface BodyLimits {
  /** Least average body rate over each window, bytes per second. */
  readonly minBytesPerSecond: number;
  /** Window over which the rate is measured. */
  readonly rateWindowMs: number;
  /** Longest a body may take in all. */
  readonly deadlineMs: number;
}

export type SlowReason = 'body_too_slow' | 'body_deadline';

interface Watched {
  readonly req: IncomingMessage;
  readonly onSlow: (reason: SlowReason) => void;
  readonly startedMs: number;
  windowStartMs: number;
  windowStartBytes: number;
}

/**
 * One shared timer for all bodies in progress, not one per request. Bytes are read from the
 * socket's `bytesRead` counter rather than a `data` listener: a listener would switch the body
 * into flowing mode before the upstream is ready to take it. While the gateway itself holds the
 * body back (the upstream applies backpressure) the window restarts: that slowness is not the
 * client's.
 */
export class BodyWatch {
  private readonly active = new Set<Watched>();
  private timer: NodeJS.Timeout | undefined;
  private readonly tickMs: number;

  constructor(
    private readonly limits: BodyLimits,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.tickMs = Math.max(10, Math.floor(Math.min(limits.rateWindowMs, limits.deadlineMs) / 4));
  }

  /** Starts watching a body; the returned function stops (call it when the exchange ends). */
  watch(req: IncomingMessage, onSlow: (reason: SlowReason) => void): () => void {
    if (req.complete) return noop;
    const now = this.nowMs();
    const w: Watched = { req, onSlow, startedMs: now, windowStartMs: now, windowStartBytes: req.socket.bytesRead };
    this.active.add(w);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
    return () => this.stop(w);
  }

  private stop(w: Watched): void {
    this.active.delete(w);
    if (this.active.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private tick(): void {
    const now = this.nowMs();
    const { minBytesPerSecond, rateWindowMs, deadlineMs } = this.limits;
    for (const w of this.active) {
      if (w.req.complete || w.req.destroyed) {
        this.stop(w);
        continue;
      }
      if (now - w.startedMs >= deadlineMs) {
        this.stop(w);
        w.onSlow('body_deadline');
        continue;
      }
      const elapsed = now - w.windowStartMs;
      if (elapsed < rateWindowMs) continue;
      const bytes = w.req.socket.bytesRead - w.windowStartBytes;
      if (!heldBack(w.req) && (bytes * 1000) / elapsed < minBytesPerSecond) {
        this.stop(w);
        w.onSlow('body_too_slow');
        continue;
      }
      w.windowStartMs = now;
      w.windowStartBytes = w.req.socket.bytesRead;
    }
  }

  close(): void {
    this.active.clear();
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function noop(): void {}

/** The gateway is not reading this body (upstream backpressure, or waiting for a pool connection). */
function heldBack(req: IncomingMessage): boolean {
  return req.isPaused() || req.readableLength >= req.readableHighWaterMark;
}

/** Counts requests in flight per key (a client address, a credential id) against a bound. */
export class InFlight {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Takes a slot; false (nothing taken) when the key already holds `max`. */
  tryAcquire(key: string): boolean {
    const n = this.counts.get(key) ?? 0;
    if (n >= this.max) return false;
    this.counts.set(key, n + 1);
    return true;
  }

  release(key: string): void {
    const n = this.counts.get(key) ?? 0;
    if (n <= 1) this.counts.delete(key);
    else this.counts.set(key, n - 1);
  }

  held(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}
