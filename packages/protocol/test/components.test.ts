import { describe, expect, it } from 'vitest';
import {
  buildSignatureBase,
  component,
  componentValue,
  fieldValues,
  fromRawHeaders,
  normalizeAuthority,
  parseSignatureField,
  parseSignatureInput,
  serializeComponentId,
  signatureBase,
  splitTarget,
  type HttpMessageView,
} from '../src/message-signatures/index.js';
import { Token } from '../src/structured-fields.js';

/**
 * RFC 9421 components (§2.1, §2.2), Signature-Input / Signature parsing (§4) and the base (§2.5),
 * rule by rule. The Appendix B vectors (server/test/signatures/vectors.test.ts) check whole bases.
 */
const view = (over: Partial<HttpMessageView> = {}): HttpMessageView => ({ method: 'POST', scheme: 'https', authority: 'Example.COM:443', rawTarget: '/a/b?x=1&y=2', headerLines: [], ...over });
const value = (name: string, over: Partial<HttpMessageView> = {}, params: [string, string | boolean][] = []) => componentValue(view(over), component(name, params));
const reasonOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { reason?: string }).reason;
  }
  return 'NO_ERROR';
};

describe('derived components', () => {
  it.each([
    ['@method', 'POST'],
    ['@target-uri', 'https://example.com/a/b?x=1&y=2'],
    ['@authority', 'example.com'],
    ['@scheme', 'https'],
    ['@request-target', '/a/b?x=1&y=2'],
    ['@path', '/a/b'],
    ['@query', '?x=1&y=2'],
  ])('%s', (name, expected) => {
    expect(value(name)).toBe(expected);
  });

  it('@scheme and @target-uri lower-case the scheme; an empty path is "/", an absent query "?"', () => {
    expect(value('@scheme', { scheme: 'HTTPS' })).toBe('https');
    expect(value('@target-uri', { scheme: 'http', authority: 'A:80', rawTarget: '/' })).toBe('http://a/');
    expect(value('@path', { rawTarget: '?x' })).toBe('/');
    expect(value('@query', { rawTarget: '/a' })).toBe('?');
    expect(value('@query', { rawTarget: '/a?' })).toBe('?');
    expect(value('@query', { rawTarget: '/a?b?c' })).toBe('?b?c');
  });

  it('parameters on a derived component, and unknown derived components, are unsupported', () => {
    expect(reasonOf(() => value('@method', {}, [['sf', true]]))).toBe('UNSUPPORTED_COMPONENT');
    expect(reasonOf(() => value('@query-param', {}, [['name', 'x'], ['sf', true]]))).toBe('UNSUPPORTED_COMPONENT');
    expect(reasonOf(() => value('@status'))).toBe('UNSUPPORTED_COMPONENT');
    expect(reasonOf(() => value('@query-param'))).toBe('BAD_COMPONENT');
    expect(reasonOf(() => value('@query-param', {}, [['name', true]]))).toBe('BAD_COMPONENT');
    expect(value('@query-param', {}, [['name', 'y']])).toBe('2');
    expect(reasonOf(() => value('@query-param', { rawTarget: '/a' }, [['name', 'y']]))).toBe('MISSING_COMPONENT');
    expect(value('@query-param', { rawTarget: '/a?&y=3&&' }, [['name', 'y']])).toBe('3');
    expect(value('@query-param', { rawTarget: '/a?y' }, [['name', 'y']])).toBe('');
    expect(value('@query-param', { rawTarget: '/a?y=1=2' }, [['name', 'y']])).toBe('1%3D2');
    // `;name` is allowed on @query-param only.
    expect(reasonOf(() => value('@method', {}, [['name', 'x']]))).toBe('UNSUPPORTED_COMPONENT');
  });

  it('@query-param: empty pairs are skipped, a pair starting with = has an empty name', () => {
    expect(reasonOf(() => value('@query-param', { rawTarget: '/a?y=1&' }, [['name', '']]))).toBe('MISSING_COMPONENT');
    expect(value('@query-param', { rawTarget: '/a?=v&y=1' }, [['name', '']])).toBe('v');
  });

  it.each([
    ['%30', '0'], ['%39', '9'], ['%41', 'A'], ['%46', 'F'], ['%4F', 'O'], ['%61', 'a'], ['%66', 'f'], ['%6a', 'j'], ['%6F', 'o'], ['%6f', 'o'],
    ['%4G', '%254G'], ['%g1', '%25g1'], ['%:1', '%25%3A1'], ['%!1', '%25%211'], ['%/1', '%25%2F1'], ['%@1', '%25%401'], ['%`1', '%25%601'], ['%4', '%254'], ['%', '%25'],
  ])('@query-param value %s decodes (only real hex escapes) and re-encodes to %s', (raw, expected) => {
    expect(value('@query-param', { rawTarget: `/a?v=${raw}` }, [['name', 'v']])).toBe(expected);
  });
});

describe('ComponentError messages (they reach the verifier’s reason, for logs and metrics)', () => {
  const lines: [string, string][] = [['x-two', 'b'], ['x-two', 'c'], ['x-bad', '"unterminated'], ['x-d', 'a=1']];
  const at = (name: string, params: [string, string | boolean][] = [], rawTarget = '/a?y=1&y=2') => () => componentValue(view({ headerLines: lines, rawTarget }), component(name, params));
  it.each([
    [at('@method', [['sf', true]]), 'parameter ;sf on @method'],
    [at('@query-param'), '@query-param needs ;name'],
    [at('@query-param', [['name', 'y']]), '@query-param y appears 2 times'],
    [at('@status'), 'derived component @status'],
    [at('X-Two'), 'field names must be lowercase'],
    [at('x-none'), 'header x-none is absent'],
    [at('x-two', [['req', true]]), 'parameter ;req'],
    [at('x-two', [['bs', true], ['sf', true]]), ';bs with ;sf or ;key'],
    [at('x-two', [['key', true]]), ';key must be a string'],
    [at('x-d', [['key', 'z']]), 'dictionary key z absent'],
    [at('x-bad', [['key', 'a']]), 'x-bad is not a dictionary'],
    [at('x-bad', [['sf', true]]), 'x-bad is not a structured field'],
  ])('%#: %s', (fn, message) => {
    expect(fn).toThrow(expect.objectContaining({ name: 'ComponentError', message }));
  });
});

describe('normalizeAuthority() and splitTarget()', () => {
  it.each([
    ['Example.com', 'https', 'example.com'],
    [' a.example ', 'https', 'a.example'],
    ['a:443', 'https', 'a'],
    ['a:80', 'http', 'a'],
    ['a:80', 'https', 'a:80'],
    ['a:443', 'http', 'a:443'],
    ['a:8443', 'https', 'a:8443'],
    ['[::1]:443', 'https', '[::1]'],
    // RFC 9110 §4.2.3: the scheme is case-insensitive too, and an empty port is the default one.
    ['A.Example:443', 'HTTPS', 'a.example'],
    ['a:80', 'Http', 'a'],
    ['a:', 'https', 'a'],
    ['[::1]:', 'http', '[::1]'],
  ])('%s over %s → %s', (authority, scheme, expected) => {
    expect(normalizeAuthority(authority, scheme)).toBe(expected);
  });

  it('one authority under two schemes in turn, and two authorities under one: each normalised for its own', () => {
    // normalizeAuthority keeps its last answer; it must be keyed by both inputs.
    expect(normalizeAuthority('a:443', 'https')).toBe('a');
    expect(normalizeAuthority('a:443', 'http')).toBe('a:443');
    expect(normalizeAuthority('a:443', 'https')).toBe('a');
    expect(normalizeAuthority('b:443', 'https')).toBe('b');
    expect(normalizeAuthority('b:443', 'https')).toBe('b');
    expect(normalizeAuthority('B:443', 'https')).toBe('b');
  });

  it('splits at the first ?', () => {
    expect(splitTarget('/a?b?c')).toEqual({ path: '/a', query: 'b?c' });
    expect(splitTarget('/a')).toEqual({ path: '/a', query: undefined });
    expect(splitTarget('?')).toEqual({ path: '', query: '' });
  });
});

describe('HTTP field components', () => {
  const lines: [string, string][] = [
    ['X-One', ' a '],
    ['x-two', 'b'],
    ['X-Two', ' c'],
    ['x-dict', 'a=1, b=2;p, c'],
    ['x-dict', 'd=?0'],
    ['x-bad', '"unterminated'],
    ['x-loose', 'a=1,b=2'],
  ];
  const field = (name: string, params: [string, string | boolean][] = []) => componentValue(view({ headerLines: lines }), component(name, params));

  it('one line is trimmed; several are trimmed and joined with ", "', () => {
    expect(field('x-one')).toBe('a');
    expect(field('x-two')).toBe('b, c');
  });

  it('an upper-case name is refused, an absent field is missing', () => {
    expect(reasonOf(() => field('X-One'))).toBe('BAD_COMPONENT');
    expect(reasonOf(() => field('x-none'))).toBe('MISSING_COMPONENT');
  });

  it(';bs wraps each line as a byte sequence, and cannot be combined with ;sf or ;key', () => {
    expect(field('x-two', [['bs', true]])).toBe(':Yg==:, :Yw==:');
    expect(reasonOf(() => field('x-two', [['bs', true], ['sf', true]]))).toBe('BAD_COMPONENT');
    expect(reasonOf(() => field('x-two', [['bs', true], ['key', 'a']]))).toBe('BAD_COMPONENT');
  });

  it(';key picks one dictionary member; ;sf re-serialises the dictionary', () => {
    expect(field('x-dict', [['key', 'b']])).toBe('2;p');
    expect(field('x-dict', [['key', 'c']])).toBe('?1');
    expect(reasonOf(() => field('x-dict', [['key', 'z']]))).toBe('MISSING_COMPONENT');
    expect(reasonOf(() => field('x-dict', [['key', true]]))).toBe('BAD_COMPONENT');
    expect(reasonOf(() => field('x-bad', [['key', 'a']]))).toBe('BAD_COMPONENT');
    expect(field('x-dict', [['sf', true]])).toBe('a=1, b=2;p, c, d=?0');
    expect(reasonOf(() => field('x-bad', [['sf', true]]))).toBe('BAD_COMPONENT');
    // ;sf=?0 is not ;sf: the plain value, not re-serialised.
    expect(field('x-loose', [['sf', false]])).toBe('a=1,b=2');
    expect(field('x-loose', [['sf', true]])).toBe('a=1, b=2');
  });

  it('any other parameter is unsupported', () => {
    expect(reasonOf(() => field('x-one', [['req', true]]))).toBe('UNSUPPORTED_COMPONENT');
  });
});

describe('serializeComponentId()', () => {
  it('quotes the name and appends parameters', () => {
    expect(serializeComponentId(component('@method'))).toBe('"@method"');
    expect(serializeComponentId(component('x-new-name'))).toBe('"x-new-name"');
    expect(serializeComponentId(component('x-new-name'))).toBe('"x-new-name"');
    expect(serializeComponentId(component('x-d', [['key', 'a']]))).toBe('"x-d";key="a"');
    expect(serializeComponentId(component('x-d', [['sf', true]]))).toBe('"x-d";sf');
    expect(serializeComponentId(component('a"b'))).toBe('"a\\"b"');
    expect(serializeComponentId(component('a\\b'))).toBe('"a\\\\b"');
    expect(serializeComponentId(component('"ab'))).toBe('"\\"ab"');
    expect(serializeComponentId(component('\\ab'))).toBe('"\\\\ab"');
  });
});

describe('fromRawHeaders() and fieldValues()', () => {
  it('keeps lines in order with duplicates; the first Host is the authority', () => {
    const v = fromRawHeaders('GET', 'https', '/x', ['Host', 'a.example', 'X-A', '1', 'HOST', 'b.example', 'x-a', '2', 'dangling']);
    expect(v).toEqual({ method: 'GET', scheme: 'https', authority: 'a.example', rawTarget: '/x', headerLines: [['Host', 'a.example'], ['X-A', '1'], ['HOST', 'b.example'], ['x-a', '2']] });
    expect(fromRawHeaders('GET', 'https', '/', ['X-A', '1']).authority).toBe('');
    expect(fromRawHeaders('GET', 'https', '/', ['host', '', 'Host', 'b']).authority).toBe('b');
  });

  it('finds every line of a field whatever its case, and no line of another field of the same length', () => {
    const v = view({ headerLines: [['X-A', '1'], ['x-b', '2'], ['x-a', '3'], ['X-a', '4']] });
    expect(fieldValues(v, 'x-a')).toEqual(['1', '3', '4']);
    expect(fieldValues(v, 'X-A')).toEqual(['1', '3', '4']);
    expect(fieldValues(v, 'x-c')).toEqual([]);
  });
});

describe('parseSignatureInput() and parseSignatureField()', () => {
  it('reads every parameter, keeps unknown ones signed but ignored', () => {
    const [input] = parseSignatureInput('sig1=("@method" "x-a";key="b");created=1;expires=2;nonce="n";alg="ed25519";keyid="k";tag="t";other=5');
    expect(input).toMatchObject({ label: 'sig1', componentIds: ['"@method"', '"x-a";key="b"'], created: 1, expires: 2, nonce: 'n', alg: 'ed25519', keyid: 'k', tag: 't' });
    expect(input!.components).toEqual([component('@method'), component('x-a', [['key', 'b']])]);
    const [bare] = parseSignatureInput('s=()');
    expect(bare).toMatchObject({ label: 's', components: [], created: undefined, expires: undefined, nonce: undefined, alg: undefined, keyid: undefined, tag: undefined });
  });

  it.each([
    ['a member that is not an inner list', 's="@method"', 'Signature-Input s is not an inner list'],
    ['a component that is not a string', 's=(1)', 'component identifiers are strings'],
    ['a component listed twice', 's=("@method" "@method")', 'a component is listed twice'],
    ['a non-integer created', 's=();created=1.5', 'created must be an integer'],
    ['a string expires', 's=();expires="1"', 'expires must be an integer'],
    ['a token nonce', 's=();nonce=n', 'nonce must be a string'],
    ['an integer keyid', 's=();keyid=1', 'keyid must be a string'],
    ['an integer alg', 's=();alg=1', 'alg must be a string'],
    ['an integer tag', 's=();tag=1', 'tag must be a string'],
  ])('refuses %s', (_name, field, message) => {
    expect(() => parseSignatureInput(field)).toThrow(expect.objectContaining({ name: 'SignatureHeaderError', message }));
  });

  it('Signature: label → bytes; anything but a byte sequence is refused', () => {
    expect(parseSignatureField('a=:AQI=:, b=:/w==:')).toEqual(new Map([['a', new Uint8Array([1, 2])], ['b', new Uint8Array([255])]]));
    expect(() => parseSignatureField('a=("x")')).toThrow(expect.objectContaining({ name: 'SignatureHeaderError', message: 'Signature a is not a byte sequence' }));
    expect(() => parseSignatureField('a=1')).toThrow(expect.objectContaining({ name: 'SignatureHeaderError' }));
  });
});

describe('buildSignatureBase()', () => {
  it('one line per component, then @signature-params as received', () => {
    const [input] = parseSignatureInput('s=("@method" "x-a");keyid="k"');
    expect(buildSignatureBase(view({ headerLines: [['x-a', 'v']] }), input!)).toEqual({ ok: true, base: '"@method": POST\n"x-a": v\n"@signature-params": ("@method" "x-a");keyid="k"' });
  });

  it('without parsed ids or canonical text, identifiers and params are serialised', () => {
    const [input] = parseSignatureInput('s=("@method" "x-a");keyid="k"');
    const raw = { ...input!.raw, canonicalText: undefined };
    expect(buildSignatureBase(view({ headerLines: [['x-a', 'v']] }), { components: input!.components, raw })).toEqual({
      ok: true,
      base: '"@method": POST\n"x-a": v\n"@signature-params": ("@method" "x-a");keyid="k"',
    });
    expect(buildSignatureBase(view({ headerLines: [['x-a', 'v']] }), { components: input!.components, componentIds: input!.componentIds, raw })).toEqual({
      ok: true,
      base: '"@method": POST\n"x-a": v\n"@signature-params": ("@method" "x-a");keyid="k"',
    });
  });

  it('the NON_ASCII message names what held the character', () => {
    const one = (name: string, lines: [string, string][]) => buildSignatureBase(view({ headerLines: lines }), { components: [component(name)], raw: { items: [{ value: name, params: [] }], params: [] } });
    expect(one('x-a', [['x-a', 'caf\u00e9']])).toEqual({ ok: false, reason: 'NON_ASCII', message: '"x-a" holds a character outside printable ASCII' });
    const param = buildSignatureBase(view(), { components: [component('@method')], raw: { items: [{ value: '@method', params: [] }], params: [['k', 'caf\u00e9']] } });
    expect(param).toEqual({ ok: false, reason: 'NON_ASCII', message: 'a @signature-params parameter holds a character outside printable ASCII' });
  });

  it('parameters a signer built are checked before serialising: tokens, keys, tabs, and every item', () => {
    const m = [component('@method')];
    const built = (raw: Parameters<typeof buildSignatureBase>[1]['raw']) => buildSignatureBase(view(), { components: m, raw });
    const items = [{ value: '@method', params: [] as [string, string][] }];
    expect(built({ items, params: [['t', new Token('caf\u00e9')]] })).toMatchObject({ ok: false, reason: 'NON_ASCII' });
    expect(built({ items, params: [['t', new Token('ok')]] })).toMatchObject({ ok: true });
    expect(built({ items, params: [['a\tb', 'v']] })).toMatchObject({ ok: false, reason: 'NON_ASCII' });
    expect(built({ items, params: [['k', 'a\tb']] })).toMatchObject({ ok: false, reason: 'NON_ASCII' });
    expect(built({ items, params: [['n', 5], ['b', true]] })).toEqual({ ok: true, base: '"@method": POST\n"@signature-params": ("@method");n=5;b' });
    expect(built({ items: [...items, { value: 'x-\u00e9', params: [] }], params: [] })).toMatchObject({ ok: false, reason: 'NON_ASCII' });
    expect(built({ items: [{ value: '@method', params: [['p', 'caf\u00e9']] }], params: [] })).toMatchObject({ ok: false, reason: 'NON_ASCII' });
  });

  it('a component that cannot be produced is a value with its reason and message', () => {
    const [input] = parseSignatureInput('s=("x-missing")');
    expect(buildSignatureBase(view(), input!)).toEqual({ ok: false, reason: 'MISSING_COMPONENT', message: 'header x-missing is absent' });
    expect(() => signatureBase(view(), input!)).toThrow(expect.objectContaining({ name: 'ComponentError', reason: 'MISSING_COMPONENT' }));
  });

  it('a non-ASCII component identifier, or non-ASCII text in a component or parameter, is NON_ASCII', () => {
    const c = [component('x-\u00e9')];
    expect(buildSignatureBase(view({ headerLines: [['x-\u00e9', 'v']] }), { components: c, raw: { items: [{ value: 'x-\u00e9', params: [] }], params: [] } })).toMatchObject({ ok: false, reason: 'NON_ASCII' });
    const item = (v: string) => ({ items: [{ value: 'x-a', params: [['p', v] as [string, string]] }], params: [] });
    expect(buildSignatureBase(view({ headerLines: [['x-a', 'v']] }), { components: [component('x-a')], raw: item('\u00e9') })).toMatchObject({ ok: false, reason: 'NON_ASCII' });
    expect(buildSignatureBase(view({ headerLines: [['x-a', 'v']] }), { components: [component('x-a')], raw: item('ok') })).toMatchObject({ ok: true });
    expect(buildSignatureBase(view({ headerLines: [['x-a', 'v']] }), { components: [component('x-a')], raw: { items: [{ value: 'x-a', params: [] }], params: [['k\u00e9', 'v']] } })).toMatchObject({ ok: false, reason: 'NON_ASCII' });
    expect(buildSignatureBase(view({ headerLines: [['x-a', 'v']] }), { components: [component('x-a')], raw: { items: [{ value: 'x-\u00e9', params: [] }], params: [] } })).toMatchObject({ ok: false, reason: 'NON_ASCII' });
    expect(buildSignatureBase(view({ method: 'P\u00d6ST' }), { components: [component('@method')], raw: { items: [{ value: '@method', params: [] }], params: [] } })).toMatchObject({ ok: false, reason: 'NON_ASCII' });
    expect(buildSignatureBase(view({ headerLines: [['x-a', 'a\u0000']] }), { components: [component('x-a')], raw: { items: [{ value: 'x-a', params: [] }], params: [] } })).toMatchObject({ ok: false, reason: 'NON_ASCII' });
    expect(buildSignatureBase(view({ headerLines: [['x-a', 'a ~']] }), { components: [component('x-a')], raw: { items: [{ value: 'x-a', params: [] }], params: [] } })).toMatchObject({ ok: true });
  });
});
