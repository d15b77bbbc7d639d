import { describe, expect, it } from 'vitest';
import { BodyScrubber, ScrubSet } from '../../src/gateway/scrub.js';

/** A seeded generator, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function streamThrough(set: ScrubSet, body: Buffer, cuts: number[]): Buffer {
  const scrubber = new BodyScrubber(set);
  const out: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, body.length]) {
    out.push(scrubber.push(body.subarray(at, cut)));
    at = cut;
  }
  const rest = scrubber.end();
  if (rest) out.push(rest);
  return Buffer.concat(out);
}

describe('BodyScrubber (streaming scan)', () => {
  it('finds every secret wherever the chunk boundaries fall, and keeps the length', () => {
    const secrets = ['sk-live-ABCDEFGHIJKLMNOP', 'short-key-42'];
    const set = new ScrubSet(secrets);
    const next = rng(7);
    for (let round = 0; round < 300; round++) {
      const parts: string[] = [];
      for (let i = 0; i < 20; i++) {
        const r = next();
        const secret = secrets[Math.floor(next() * 2)]!;
        // whole secrets, near misses (a proper prefix: must be held, then released unchanged), filler
        parts.push(r < 0.3 ? secret : r < 0.5 ? secret.slice(0, 1 + Math.floor(next() * (secret.length - 1))) : 'x'.repeat(Math.floor(next() * 40)));
      }
      const body = Buffer.from(parts.join(''));
      const cuts = Array.from({ length: Math.floor(next() * 30) }, () => Math.floor(next() * body.length)).sort((a, b) => a - b);
      const out = streamThrough(set, body, cuts).toString();
      const expected = parts.map((p) => (secrets.includes(p) ? '*'.repeat(p.length) : p)).join('');
      expect(out).toBe(expected);
    }
  });

  it("holds back only a tail that could start a secret, never the whole body", () => {
    const set = new ScrubSet(['0123456789']);
    const scrubber = new BodyScrubber(set);
    let emitted = 0;
    for (let i = 0; i < 100; i++) emitted += scrubber.push(Buffer.alloc(1000, 97)).length;
    expect(emitted).toBe(100 * 1000); // nothing here can start the secret: every chunk goes out whole
    expect(scrubber.push(Buffer.from('data: x\n\n')).toString()).toBe('data: x\n\n');
    expect(scrubber.push(Buffer.from('abc012')).toString()).toBe('abc');
    expect(scrubber.push(Buffer.from('3xyz')).toString()).toBe('0123xyz');
    expect(scrubber.push(Buffer.from('-0123456')).toString()).toBe('-');
    expect(scrubber.end()?.toString()).toBe('0123456');
  });

  it('does not write into the chunks it is given', () => {
    const set = new ScrubSet(['secret-value']);
    const chunk = Buffer.from('a secret-value b');
    const scrubber = new BodyScrubber(set);
    const out = Buffer.concat([scrubber.push(chunk), scrubber.end() ?? Buffer.alloc(0)]);
    expect(out.toString()).toBe('a ************ b');
    expect(chunk.toString()).toBe('a secret-value b');
  });
});
