import { describe, expect, it } from 'vitest';
import { buildSignatureBase, componentValue, parseSignatureInput, type HttpMessageView } from '../src/message-signatures/index.js';

const view = (rawTarget: string, headerLines: [string, string][] = []): HttpMessageView => ({ method: 'GET', scheme: 'https', authority: 'example.com', rawTarget, headerLines });
const qp = (v: HttpMessageView, name: string) => componentValue(v, { name: '@query-param', params: [['name', name]] });
const base = (v: HttpMessageView, signatureInput: string) => buildSignatureBase(v, parseSignatureInput(signatureInput)[0]!);

describe('@query-param (RFC 9421 §2.2.8): ;name is matched against the re-encoded name', () => {
  it('the first §2.2.8 example', () => {
    const v = view('/path?param=value&foo=bar&baz=batman&qux=');
    expect(qp(v, 'baz')).toBe('batman');
    expect(qp(v, 'qux')).toBe('');
    expect(qp(v, 'param')).toBe('value');
  });

  it('the second §2.2.8 example: values and names are re-encoded, space as %20', () => {
    const v = view('/parameters?var=this%20is%20a%20big%0Avalue&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something');
    expect(qp(v, 'var')).toBe('this%20is%20a%20big%0Avalue');
    expect(qp(v, 'bar')).toBe('with%20plus%20whitespace');
    expect(qp(v, 'fa%C3%A7ade%22%3A%20')).toBe('something');
    // The decoded name is not the identifier's name.
    expect(() => qp(v, 'façade": ')).toThrow(expect.objectContaining({ reason: 'MISSING_COMPONENT' }));
  });

  it('names needing percent-encoding: space (sent as + or %20) and ü (UTF-8)', () => {
    const v = view('/p?a+b=1&%C3%BCber=2');
    expect(qp(v, 'a%20b')).toBe('1');
    expect(() => qp(v, 'a b')).toThrow(expect.objectContaining({ reason: 'MISSING_COMPONENT' }));
    expect(() => qp(v, 'a+b')).toThrow(expect.objectContaining({ reason: 'MISSING_COMPONENT' }));
    expect(qp(v, '%C3%BCber')).toBe('2');
    expect(() => qp(v, 'über')).toThrow(expect.objectContaining({ reason: 'MISSING_COMPONENT' }));
    expect(qp(view('/p?a%20b=1'), 'a%20b')).toBe('1');
  });

  it('malformed percent-encoding is taken literally, as the URL standard does, and never throws', () => {
    const v = view('/p?bad%zz=1&x=%&y=%4&z=%C3');
    expect(qp(v, 'bad%25zz')).toBe('1');
    expect(qp(v, 'x')).toBe('%25');
    expect(qp(v, 'y')).toBe('%254');
    // A lone UTF-8 lead byte decodes to U+FFFD, re-encoded as its UTF-8.
    expect(qp(v, 'z')).toBe('%EF%BF%BD');
  });

  it('a repeated name is ambiguous even when spelled differently', () => {
    expect(() => qp(view('/p?a+b=1&a%20b=2'), 'a%20b')).toThrow(expect.objectContaining({ reason: 'MISSING_COMPONENT' }));
  });
});

describe('signature base (RFC 9421 §2.5): characters outside printable ASCII are a NON_ASCII value', () => {
  it('a header value with UTF-8 é or a latin1 byte (as Node hands them over)', () => {
    for (const value of [Buffer.from('café', 'utf8').toString('latin1'), 'caf\u00e9']) {
      expect(base(view('/', [['x-a', value]]), 'kw=("x-a");created=1')).toMatchObject({ ok: false, reason: 'NON_ASCII' });
    }
  });

  it('control characters are refused; HTAB only inside a field value', () => {
    expect(base(view('/', [['x-a', 'a\u0001b']]), 'kw=("x-a")')).toMatchObject({ ok: false, reason: 'NON_ASCII' });
    expect(base(view('/', [['x-a', 'a\u007fb']]), 'kw=("x-a")')).toMatchObject({ ok: false, reason: 'NON_ASCII' });
    expect(base(view('/', [['x-a', 'a\tb']]), 'kw=("x-a")')).toEqual({ ok: true, base: '"x-a": a\tb\n"@signature-params": ("x-a")' });
    expect(base(view('/p\tq'), 'kw=("@path")')).toMatchObject({ ok: false, reason: 'NON_ASCII' });
  });

  it('derived components: a raw non-ASCII request target', () => {
    expect(base(view('/caf\u00e9'), 'kw=("@path")')).toMatchObject({ ok: false, reason: 'NON_ASCII' });
    expect(base(view('/x?q=\u00e9'), 'kw=("@query")')).toMatchObject({ ok: false, reason: 'NON_ASCII' });
    // @query-param re-encodes, so the same character arrives as ASCII.
    expect(base(view('/x?q=\u00e9'), 'kw=("@query-param";name="q")')).toMatchObject({ ok: true });
  });

  it('the @signature-params line', () => {
    const input = parseSignatureInput('kw=("@method");keyid="k"')[0]!;
    const raw = { ...input.raw, canonicalText: undefined, params: [['keyid', 'k\u00e9'] as [string, string]] };
    expect(buildSignatureBase(view('/'), { components: input.components, raw })).toMatchObject({ ok: false, reason: 'NON_ASCII' });
  });

  it('an absent component is still its own reason', () => {
    expect(base(view('/'), 'kw=("x-missing")')).toMatchObject({ ok: false, reason: 'MISSING_COMPONENT' });
  });
});
