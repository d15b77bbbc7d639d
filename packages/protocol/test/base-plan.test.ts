import { describe, expect, it } from 'vitest';
import { buildSignatureBase, component, parseSignatureInput, serializeComponentId, type ComponentId, type HttpMessageView, type SignatureInput } from '../src/message-signatures/index.js';
import { Token } from '../src/structured-fields.js';

/**
 * For an input parsed from a remembered Signature-Input head, buildSignatureBase makes each line
 * from the plan made when the head was remembered (message-signatures/base.ts); for anything else,
 * or without the ids, it runs the general loop over componentValue. Both must give the same
 * answer, base or error, for any message: here thousands of generated messages against heads
 * that are parsed again and again, the way a client repeats its head on every request.
 */
const COMPONENTS: ComponentId[] = [
  component('@method'), component('@authority'), component('@path'), component('@query'), component('@target-uri'),
  component('@scheme'), component('@request-target'), component('@query-param', [['name', 'x']]), component('@method', [['sf', true]]),
  component('@status'), component('content-type'), component('x-a'), component('X-Upper'), component('x-absent'), component('x-two'),
  component('x-tab'), component('x-dict', [['key', 'a']]), component('x-dict', [['sf', true]]), component('x-a', [['bs', true]]),
  component('x-a', [['req', true]]), component('x-nonascii'), component('X-ALL'), component('x-1'), component('@path', [['name', 'x']]), component('x-tok', [['p', new Token('t')]]),
];
const METHODS = ['GET', 'POST', 'get', 'GÉT', 'P\tUT'];
const AUTHORITIES = ['api.example.com', 'API.Example.com:443', 'a:80', 'a:', ' b.example ', 'é.example'];
const TARGETS = ['/v1/users/1?limit=10', '/', '', '?x=1', '/a?', '/a?b?c', '/a', '/é?x=1', '/a?x=é', '/a?x=1&x=2', '/p\tq?x=1'];
const HEADERS: [string, string][][] = [
  [['Content-Type', 'application/json'], ['x-a', ' v '], ['x-two', 'b'], ['x-two', 'c'], ['x-tab', 'a\tb'], ['x-dict', 'a=1, b=2'], ['x-tok', 't']],
  [['content-type', 'text/plain'], ['x-tab', 'c\td'], ['x-tab', 'e\tf'], ['X-A', 'é'], ['x-nonascii', 'caf\u00c3\u00a9'], ['x-dict', '"bad'], ['x-Upper', 'u']],
  [['x-a', ''], ['x-two', 'only'], ['x-tab', '\tlead'], ['x-a', 'second'], ['X-All', 'upper'], ['x-1', 'one']],
  [],
];
const SCHEMES = ['https', 'http', 'HTTPS'];

let seed = 2025;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

/** Component lists (no repeats), each made once and then reused for many messages: each component alone, then mixes. */
const LISTS: ComponentId[][] = COMPONENTS.map((c) => [c]);
for (let n = 0; n < 60; n++) {
  const list: ComponentId[] = [];
  for (let k = 1 + Math.floor(random() * 6); k > 0; k--) {
    const c = pick(COMPONENTS);
    if (!list.includes(c)) list.push(c);
  }
  LISTS.push(list);
}
/**
 * The input a repeated head parses to (the second parse reads the remembered head, and its plan).
 * Made inside each test, under a label no earlier run used: the head cache outlives a test (and,
 * under Stryker, a mutant), and a plan made at import or by an earlier run would never show a
 * mutant of the planning code.
 */
let run = 0;
const runLabel = () => `p${process.pid}r${++run}${Math.floor(Math.random() * 1e9)}`;
function parsedTwice(list: readonly ComponentId[], label = runLabel()): SignatureInput {
  const text = `${label}=(${list.map(serializeComponentId).join(' ')});created=1`;
  parseSignatureInput(text);
  return parseSignatureInput(text)[0]!;
}

function message(): HttpMessageView {
  return { method: pick(METHODS), scheme: pick(SCHEMES), authority: pick(AUTHORITIES), rawTarget: pick(TARGETS), headerLines: pick(HEADERS) };
}

function both(view: HttpMessageView, input: SignatureInput) {
  return { planned: buildSignatureBase(view, input), general: buildSignatureBase(view, { components: input.components, raw: input.raw }) };
}

describe('the planned signature base', () => {
  it('is the general loop’s base or error, for 8,000 generated messages over reused component lists', () => {
    const label = runLabel();
    const inputs = LISTS.map((list) => parsedTwice(list, label));
    let ok = 0;
    const reasons = new Set<string>();
    for (let n = 0; n < 8000; n++) {
      const input = pick(inputs);
      const view = message();
      const { planned, general } = both(view, input);
      expect(planned, JSON.stringify({ view, ids: input.componentIds })).toEqual(general);
      if (general.ok) ok++;
      else reasons.add(general.reason);
    }
    // The generator reaches both answers and every kind of failure.
    expect(ok).toBeGreaterThan(300);
    expect([...reasons].sort()).toEqual(['BAD_COMPONENT', 'MISSING_COMPONENT', 'NON_ASCII', 'UNSUPPORTED_COMPONENT']);
  });

  it('the usual request gives the RFC 9421 lines', () => {
    const input = parsedTwice([component('@method'), component('@authority'), component('@path'), component('@query'), component('content-type')]);
    const view: HttpMessageView = { method: 'GET', scheme: 'https', authority: 'API.example.com:443', rawTarget: '/v1/u?limit=10', headerLines: [['Content-Type', ' application/json ']] };
    expect(both(view, input).planned).toEqual({ ok: true, base: '"@method": GET\n"@authority": api.example.com\n"@path": /v1/u\n"@query": ?limit=10\n"content-type": application/json\n"@signature-params": ("@method" "@authority" "@path" "@query" "content-type");created=1' });
  });

  it('a remembered head’s lists are frozen: the plan cannot fall out of step with them', () => {
    const input = parsedTwice([component('@method'), component('x-frozen')]);
    expect(Object.isFrozen(input.components)).toBe(true);
    expect(Object.isFrozen(input.componentIds)).toBe(true);
  });

  it('a remembered head’s ids with another component list give that list’s lines (the general loop)', () => {
    const input = parsedTwice([component('@method'), component('@path')]);
    const view: HttpMessageView = { method: 'GET', scheme: 'https', authority: 'a', rawTarget: '/p?q=1', headerLines: [] };
    const other = [component('@method'), component('@query')];
    expect(buildSignatureBase(view, { components: other, componentIds: input.componentIds, raw: { items: [], params: [] } })).toEqual({ ok: true, base: '"@method": GET\n"@path": ?q=1\n"@signature-params": ("@method" "@path")' });
  });

  it('a caller’s own lists and ids are built by the general loop', () => {
    const view: HttpMessageView = { method: 'GET', scheme: 'http', authority: 'a', rawTarget: '/p?q', headerLines: [] };
    const list = [component('@method'), component('@path')];
    const empty = { items: [], params: [] };
    // Other ids for the same list: the line carries the id given, as the general loop writes it.
    expect(buildSignatureBase(view, { components: list, componentIds: ['"@method"', '"@scheme"'], raw: empty })).toMatchObject({ ok: true, base: expect.stringContaining('\n"@scheme": /p\n') });
    // No components: only the @signature-params line.
    expect(buildSignatureBase(view, { components: [], componentIds: [], raw: empty })).toEqual({ ok: true, base: '"@signature-params": ()' });
    // A non-ASCII id is refused.
    const withField = { ...view, headerLines: [['x-é', 'v']] as [string, string][] };
    expect(buildSignatureBase(withField, { components: [component('x-é')], componentIds: ['"x-é"'], raw: empty })).toMatchObject({ ok: false, reason: 'NON_ASCII' });
  });
});
