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
 * refused; its resolution is one request's round trip. An observer that still accepts after
 * `giveUpMs` is recorded at that value.
 */
export async function revocationTrials(o: {
  readonly trials: number;
  readonly create: () => Promise<{ readonly id: string; readonly secret: string }>;
  readonly revoke: (id: string) => Promise<void>;
  readonly observers: readonly Observer[];
  readonly giveUpMs: number;
  /** Set-up requests in flight at once. */
  readonly width?: number;
}): Promise<RevocationTrials> {
  const width = o.width ?? 10;
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
    const times = await Promise.all(
      o.observers.map(async (ob) => {
        for (;;) {
          const refused = await ob.refused(k.secret);
          const dt = performance.now() - t0;
          if (refused || dt > o.giveUpMs) return Math.min(dt, o.giveUpMs);
        }
      }),
    );
    o.observers.forEach((ob, i) => byObserver[ob.name]!.push(times[i]!));
    slowest.push(Math.max(...times));
  }
  return { byObserver, slowest };
}
