import { describe, expect, it } from 'vitest';
import { isId, newId, newRequestId } from '../../src/lib/ids.js';

describe('ids', () => {
  it('request ids are well-formed and unique across many carries of the counter (10^5)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const id = newRequestId();
      expect(isId(id, 'req')).toBe(true);
      seen.add(id);
    }
    expect(seen.size).toBe(100_000);
  });

  it('ids carry their prefix and are refused under another', () => {
    const id = newId('key');
    expect(isId(id, 'key')).toBe(true);
    expect(isId(id, 'app')).toBe(false);
    expect(isId(`${id}x`, 'key')).toBe(false);
  });
});
