import { describe, expect, it } from 'vitest';
import { checkHistory, type Attempt } from './limit-history.js';

const at = (sentMs: number, answeredMs: number, allowed: boolean): Attempt => ({ sentMs, answeredMs, allowed });

describe('the exact-limiter check of a recorded rate-limit history', () => {
  const bucket = { burst: 3, intervalMs: 100 };

  it('a history an exact limiter could produce: no overshoot, no wrongful denial', () => {
    const h = [at(0, 5, true), at(0, 5, true), at(1, 6, true), at(1, 6, false), at(2, 7, false), at(150, 155, true), at(151, 156, false)];
    expect(checkHistory(h, bucket)).toMatchObject({ attempts: 7, allowed: 4, overshoot: 0, wrongfulDenials: 0 });
  });

  it('one request more than the bucket inside one window is an overshoot of one', () => {
    const h = [at(0, 5, true), at(0, 5, true), at(1, 6, true), at(1, 6, true), at(2, 7, false)];
    expect(checkHistory(h, bucket).overshoot).toBe(1);
  });

  it('a refill only counts when the window is long enough for it', () => {
    const refilled = [at(0, 1, true), at(0, 1, true), at(0, 1, true), at(100, 101, true)];
    expect(checkHistory(refilled, bucket).overshoot).toBe(0);
    const early = [at(0, 1, true), at(0, 1, true), at(0, 1, true), at(50, 51, true)];
    expect(checkHistory(early, bucket).overshoot).toBe(1);
  });

  it('a denial while the bucket surely had tokens is wrongful', () => {
    const h = [at(0, 5, true), at(0, 5, false), at(1, 6, false), at(2, 7, false)];
    expect(checkHistory(h, bucket)).toMatchObject({ allowed: 1, wrongfulDenials: 2, overshoot: 0 });
  });

  it('arrival times the client cannot know are given the benefit of the doubt both ways', () => {
    // Four allowed whose intervals overlap a refill instant: an exact limiter may have seen them 100 ms apart.
    const h = [at(0, 120, true), at(0, 120, true), at(0, 120, true), at(0, 120, true)];
    expect(checkHistory(h, bucket).overshoot).toBe(0);
  });
});
