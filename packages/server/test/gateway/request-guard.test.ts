import { describe, expect, it } from 'vitest';
import { guardRequest, type GuardedRequest } from '../../src/gateway/request-guard.js';

/**
 * Node's HTTP parser already rejects most of these framings, so end to end the guard rarely runs
 * (proxy.test.ts keeps those tests). Here each rule is fed exactly the header lines that only it
 * catches, so removing any one rule fails its test.
 */
const req = (lines: string[], httpVersionMinor = 1): GuardedRequest => ({ rawHeaders: lines, httpVersionMinor });

describe('request guard (smuggling and framing rules)', () => {
  it('accepts an ordinary request', () => {
    expect(guardRequest(req(['Host', 'a', 'Content-Length', '5']))).toEqual({ ok: true });
    expect(guardRequest(req(['Host', 'a', 'Transfer-Encoding', 'chunked']))).toEqual({ ok: true });
    expect(guardRequest(req([], 0))).toEqual({ ok: true });
  });

  it.each([
    ['Content-Length with Transfer-Encoding', ['Host', 'a', 'Content-Length', '5', 'Transfer-Encoding', 'chunked'], 'content_length_and_transfer_encoding'],
    ['two Content-Length lines, even equal', ['Host', 'a', 'Content-Length', '5', 'content-length', '5'], 'repeated_content_length'],
    ['two Transfer-Encoding lines', ['Host', 'a', 'Transfer-Encoding', 'chunked', 'Transfer-Encoding', 'chunked'], 'repeated_transfer_encoding'],
    ['Transfer-Encoding other than chunked', ['Host', 'a', 'Transfer-Encoding', 'chunked, identity'], 'unsupported_transfer_encoding'],
    ['two Host lines', ['Host', 'a', 'HOST', 'b'], 'repeated_host'],
    ['no Host on HTTP/1.1', ['Accept', '*/*'], 'missing_host'],
    ['a control character in a value', ['Host', 'a', 'X-Note', 'a\x01b'], 'control_character'],
    ['a bare LF (obs-fold remnant) in a value', ['Host', 'a', 'X-Note', 'a\n b'], 'control_character'],
    ['DEL in a value', ['Host', 'a', 'X-Note', 'a\x7f'], 'control_character'],
  ])('refuses %s', (_name, lines, reason) => {
    const out = guardRequest(req(lines));
    expect(out).toMatchObject({ ok: false, code: 'BAD_REQUEST', reason });
  });
});
