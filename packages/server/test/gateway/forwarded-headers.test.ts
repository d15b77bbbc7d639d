import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { downstreamHeaders, guardRequest, isGatewayOwned, upstreamHeaders } from '../../src/gateway/request-guard.js';

/**
 * Which client headers the gateway forwards and which upstream headers it passes back, directly
 * on header lines (headers.test.ts checks the same end to end through a real gateway).
 */
function incoming(lines: string[]): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < lines.length; i += 2) headers[lines[i]!.toLowerCase()] = lines[i + 1]!;
  return { rawHeaders: lines, headers } as unknown as IncomingMessage;
}

describe('upstreamHeaders()', () => {
  it('forwards ordinary headers under their lower-case names, repeats as a list in order', () => {
    expect(upstreamHeaders(incoming(['Accept', 'a/b', 'X-Tag', '1', 'x-tag', '2', 'X-TAG', '3', 'Content-Type', 'text/plain']), { keepCookies: false })).toEqual({
      accept: 'a/b',
      'x-tag': ['1', '2', '3'],
      'content-type': 'text/plain',
    });
  });

  it.each([
    // hop-by-hop
    'Connection', 'Keep-Alive', 'Proxy-Connection', 'Transfer-Encoding', 'TE', 'Trailer', 'Upgrade', 'Proxy-Authorization', 'Proxy-Authenticate', 'Host', 'Content-Length', 'Expect',
    // credentials the gateway consumes
    'Authorization', 'X-Api-Key', 'Signature', 'Signature-Input', 'Cookie',
    // what only the gateway sets
    'Forwarded', 'X-Forwarded-For', 'X-Forwarded-Host', 'X-Forwarded-Proto', 'X-Forwarded-Port', 'X-Forwarded-Prefix', 'X-Forwarded-Server', 'X-Forwarded-Ssl', 'X-Real-IP', 'X-Request-Id',
    'X-Forwarded-Client-Cert', 'X-SSL-Client-Cert', 'X-Client-Cert', 'X-Client-Cert-Chain', 'SSL-Client-Cert', 'X-SSL-Client-Verify', 'SSL-Client-Verify', 'X-Client-Verify', 'X-SSL-Client-S-DN', 'X-SSL-Client-DN', 'X-ARR-ClientCert',
    // method overrides
    'X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override',
    // Keyward's own
    'X-Keyward-Subject', 'X-Keyward-Anything',
  ])('strips %s, and its underscore spelling', (name) => {
    const lines = [name, 'v', name.replaceAll('-', '_'), 'v', 'Accept', '*/*'];
    expect(upstreamHeaders(incoming(lines), { keepCookies: false })).toEqual({ accept: '*/*' });
    expect(isGatewayOwned(name)).toBe(true);
    expect(isGatewayOwned(name.replaceAll('-', '_'))).toBe(true);
  });

  it('isGatewayOwned is false for an ordinary header, in either spelling', () => {
    expect(isGatewayOwned('Accept-Language')).toBe(false);
    expect(isGatewayOwned('accept_language')).toBe(false);
    expect(isGatewayOwned('x-keywardish')).toBe(false);
  });

  it('keeps the Cookie header only when configured to', () => {
    expect(upstreamHeaders(incoming(['Cookie', 'a=1', 'COOKIE', 'b=2', 'Accept', '*/*']), { keepCookies: true })).toEqual({ cookie: ['a=1', 'b=2'], accept: '*/*' });
    expect(upstreamHeaders(incoming(['Cookie', 'a=1', 'Accept', '*/*']), { keepCookies: false })).toEqual({ accept: '*/*' });
    // keepCookies keeps cookies only: every other stripped header stays stripped.
    expect(upstreamHeaders(incoming(['Authorization', 'Bearer x', 'X-Api-Key', 'k', 'Host', 'h']), { keepCookies: true })).toEqual({});
  });

  it('drops the headers named in Connection, in any case and spelling, but not for keep-alive or close', () => {
    const named = ['Connection', 'X-Secret, x_other , ', 'X-Secret', '1', 'X_Other', '2', 'X-Kept', '3'];
    expect(upstreamHeaders(incoming(named), { keepCookies: false })).toEqual({ 'x-kept': '3' });
    for (const value of ['keep-alive', 'close', 'Keep-Alive', 'Close', ' , ']) {
      expect(upstreamHeaders(incoming(['Connection', value, 'X-Kept', '3']), { keepCookies: false }), value).toEqual({ 'x-kept': '3' });
    }
  });

  it('Connection: close names no header to drop (it is an option, not a field name)', () => {
    for (const value of ['close', 'Close']) {
      expect(upstreamHeaders(incoming(['Connection', value, 'Close', '1']), { keepCookies: false }), value).toEqual({ close: '1' });
    }
  });

  it('drops every header the decision will set, in any case and spelling', () => {
    const lines = ['X-Upstream-Key', 'forged', 'x_upstream_key', 'forged', 'X-Other', 'kept'];
    expect(upstreamHeaders(incoming(lines), { keepCookies: false, decided: { 'X-Upstream-Key': 'real' } })).toEqual({ 'x-other': 'kept' });
    expect(upstreamHeaders(incoming(lines), { keepCookies: false, decided: { x_upstream_key: 'real' } })).toEqual({ 'x-other': 'kept' });
    expect(upstreamHeaders(incoming(lines), { keepCookies: false })).toEqual({ 'x-upstream-key': 'forged', x_upstream_key: 'forged', 'x-other': 'kept' });
  });
});

describe('downstreamHeaders()', () => {
  it('drops hop-by-hop response headers and undefined values, lower-casing the rest', () => {
    const out = downstreamHeaders({
      Connection: 'close',
      'keep-alive': 'timeout=5',
      'Transfer-Encoding': 'chunked',
      'proxy-connection': 'x',
      Upgrade: 'h2c',
      Trailer: 'x',
      'Content-Type': 'text/plain',
      'set-cookie': ['a=1', 'b=2'],
      'x-none': undefined,
    });
    expect(out).toStrictEqual({ 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'] });
    expect('x-none' in out).toBe(false);
  });
});

describe('guardRequest(): boundaries', () => {
  const req = (lines: string[], httpVersionMinor = 1) => guardRequest({ rawHeaders: lines, httpVersionMinor });
  it('HTTP/1.0 may omit Host; a tab is not a control character; Transfer-Encoding is compared trimmed and case-insensitively', () => {
    expect(req(['Accept', '*/*'], 0)).toEqual({ ok: true });
    expect(req(['Host', 'a', 'X-Note', 'a\tb'])).toEqual({ ok: true });
    expect(req(['Host', 'a', 'Transfer-Encoding', ' Chunked '])).toEqual({ ok: true });
    expect(req(['Host', 'a', 'Transfer-Encoding', 'xchunked'])).toMatchObject({ ok: false, reason: 'unsupported_transfer_encoding' });
  });

  it('each refusal names what it found', () => {
    expect(req(['Host', 'a', 'X-Note', 'a\x00'])).toEqual({ ok: false, code: 'BAD_REQUEST', reason: 'control_character', detail: 'control character in x-note' });
    expect(req(['Host', 'a', 'Host', 'a'])).toEqual({ ok: false, code: 'BAD_REQUEST', reason: 'repeated_host', detail: 'more than one Host header' });
    expect(req(['X', 'y'])).toEqual({ ok: false, code: 'BAD_REQUEST', reason: 'missing_host', detail: 'missing Host header' });
    expect(req(['Host', 'a', 'Content-Length', '1', 'Content-Length', '1'])).toEqual({ ok: false, code: 'BAD_REQUEST', reason: 'repeated_content_length', detail: 'more than one Content-Length header' });
    expect(req(['Host', 'a', 'Transfer-Encoding', 'chunked', 'Transfer-Encoding', 'chunked'])).toEqual({ ok: false, code: 'BAD_REQUEST', reason: 'repeated_transfer_encoding', detail: 'more than one Transfer-Encoding header' });
    expect(req(['Host', 'a', 'Content-Length', '1', 'Transfer-Encoding', 'chunked'])).toEqual({ ok: false, code: 'BAD_REQUEST', reason: 'content_length_and_transfer_encoding', detail: 'Content-Length and Transfer-Encoding together' });
    expect(req(['Host', 'a', 'Transfer-Encoding', 'gzip'])).toEqual({ ok: false, code: 'BAD_REQUEST', reason: 'unsupported_transfer_encoding', detail: 'unsupported Transfer-Encoding' });
  });

  it('a control character in any line is refused, the host included, before the counts', () => {
    expect(req(['Host', 'a\x1f', 'Host', 'b'])).toMatchObject({ reason: 'control_character' });
    expect(req(['Host', 'a', 'Transfer-Encoding', 'chunked\r'])).toMatchObject({ reason: 'control_character' });
  });
});
