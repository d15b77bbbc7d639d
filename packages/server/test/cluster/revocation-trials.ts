/** Something that answers whether a credential is refused now (a node's verify endpoint, the gateway). */
export interface Observer {
  readonly name: string;
  refused(secret: string): Promise<boolean>;
}

export interface RevocationTrials {
  /** Per observer, ms from the revoke's answer to the first refusal it gave, one entry per trial. */
  readonly byObserver: Record<string, number[]>;
  /** Per trial, the slowest observer. */
  readonly slowest: number[];
}

/**
 * The revocation-visibility measurement of the cluster tests and the cluster benchmark: `trials`
 * keys are made and seen valid by every observer (so each caches them), then, one at a time,
 * each is revoked and every observer is asked again and again, concurrently, until it refuses.
 * Latency counts from the revoke's answer, as its caller sees it, to the answer that first
 * refused. An observer that still accepts after `giveUpMs` is recorded at that value.
 *
 * Probes overlap: a new one starts every `probeGapMs` while fewer than `inFlight` are out. With
 * one probe at a time, a probe sent just before the invalidation answered "valid" and the next
 * one only started after it, so each trial carried up to one extra round trip of the prober's own
 * making (under load, tens of ms: the tail this measurement is about). Overlapping probes bring
 * the resolution to about the probe gap plus one round trip.
 */
export async function revocationTrials(o: {
  readonly trials: number;
  readonly create: () => Promise<{ readonly id: string; readonly secret: string }>;
  readonly revoke: (id: string) => Promise<void>;
  readonly observers: readonly Observer[];
  readonly giveUpMs: number;
  /** Set-up requests in flight at once. */
  readonly width?: number;
  /** Probes of one observer in flight at once (default 4), and the gap between their starts (default 2 ms). */
  readonly inFlight?: number;
  readonly probeGapMs?: number;
}): Promise<RevocationTrials> {
  const width = o.width ?? 10;
  const inFlight = o.inFlight ?? 4;
  const gapMs = o.probeGapMs ?? 2;
  const keys: { id: string; secret: string }[] = [];
  for (let i = 0; i < o.trials; i += width) keys.push(...(await Promise.all(Array.from({ length: Math.min(width, o.trials - i) }, () => o.create()))));
  for (let i = 0; i < keys.length; i += width) {
    await Promise.all(
      keys.slice(i, i + width).flatMap((k) =>
        o.observers.map(async (ob) => {
          if (await ob.refused(k.secret)) throw new Error(`${ob.name} refused a fresh key`);
        }),
      ),
    );
  }
  const byObserver: Record<string, number[]> = Object.fromEntries(o.observers.map((ob) => [ob.name, []]));
  const slowest: number[] = [];
  for (const k of keys) {
    await o.revoke(k.id);
    const t0 = performance.now();
    const times = await Promise.all(o.observers.map((ob) => firstRefusal(ob, k.secret, t0, { inFlight, gapMs, giveUpMs: o.giveUpMs })));
    o.observers.forEach((ob, i) => byObserver[ob.name]!.push(times[i]!));
    slowest.push(Math.max(...times));
  }
  return { byObserver, slowest };
}

/** ms from `t0` to the first refusing answer of overlapping probes (capped at `giveUpMs`); waits for every probe it started. */
function firstRefusal(ob: Observer, secret: string, t0: number, o: { inFlight: number; gapMs: number; giveUpMs: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    let result: number | undefined;
    let out = 0;
    const settleIfDone = () => {
      if (result !== undefined && out === 0) resolve(result);
    };
    const launch = () => {
      if (result !== undefined) return settleIfDone();
      if (performance.now() - t0 > o.giveUpMs) {
        result = o.giveUpMs;
        return settleIfDone();
      }
      if (out < o.inFlight) {
        out++;
        ob.refused(secret).then(
          (refused) => {
            out--;
            if (refused && result === undefined) result = Math.min(performance.now() - t0, o.giveUpMs);
            settleIfDone();
          },
          (err: unknown) => {
            out--;
            result ??= o.giveUpMs;
            reject(err);
          },
        );
      }
      setTimeout(launch, o.gapMs);
    };
    launch();
  });
}
