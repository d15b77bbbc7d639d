/** Milliseconds since the epoch. Every time-dependent module takes one, so tests freeze time. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** A clock for tests: frozen until advanced. */
export function manualClock(startMs = Date.UTC(2026, 0, 1)): Clock & { advance(ms: number): void; set(ms: number): void } {
  let now = startMs;
  const clock = (() => now) as Clock & { advance(ms: number): void; set(ms: number): void };
  clock.advance = (ms) => {
    now += ms;
  };
  clock.set = (ms) => {
    now = ms;
  };
  return clock;
}
