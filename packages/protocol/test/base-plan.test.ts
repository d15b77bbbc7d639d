import { describe, expect, it } from 'vitest';
import { buildSignatureBase, component, serializeComponentId, type ComponentId, type HttpMessageView } from '../src/message-signatures/index.js';
import { Token } from '../src/structured-fields.js';

/**
 * Given the serialised ids of a parsed input, buildSignatureBase makes each line from a plan
 * worked out once per component list (message-signatures/base.ts); without them it runs the
 * general loop over componentValue. Both must give the same answer, base or error, for any
 * message: here thousands of generated messages against component lists that are reused across
 * messages the way a remembered Signature-Input head shares its list.
 */
const COMPONENTS: ComponentId[] = [
  component('@method'), component('@authority'), component('@path'), component('@query'), component('@target-uri'),
  component('@scheme'), component('@request-target'), component('@query-param', [['name', 'x']]), component('@method', [['sf', true]]),
  component('@status'), component('content-type'), component('x-a'), component('X-Upper'), component('x-absent'), component('x-two'),
  component('x-tab'), component('x-dict', [['key', 'a']]), component('x-dict', [['sf', true]]), component('x-a', [['bs', true]]),
  component('x-a', [['req', true]]), component('x-nonascii'), component('@path', [['name', 'x']]), component('x-tok', [['p', new Token('t')]]),
];
const METHODS = ['GET', 'POST', 'get', 'GÉT', 'P\tUT'];
const AUTHORITIES = ['api.example.com', 'API.Example.com:443', 'a:80', 'a:', ' b.example ', 'é.example'];
const TARGETS = ['/v1/users/1?limit=10', '/', '', '?x=1', '/a?', '/a?b?c', '/a', '/é?x=1', '/a?x=é', '/a?x=1&x=2', '/p\tq?x=1'];
const HEADERS: [string, string][][] = [
  [['Content-Type', 'application/json'], ['x-a', ' v '], ['x-two', 'b'], ['x-two', 'c'], ['x-tab', 'a\tb'], ['x-dict', 'a=1, b=2'], ['x-tok', 't']],
  [['content-type', 'text/plain'], ['x-tab', 'c\td'], ['x-tab', 'e\tf'], ['X-A', 'é'], ['x-nonascii', 'caf\u00c3\u00a9'], ['x-dict', '"bad'], ['x-Upper', 'u']],
  [['x-a', ''], ['x-two', 'only'], ['x-tab', '\tlead'], ['x-a', 'second']],
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
const IDS = new Map(LISTS.map((list) => [list, list.map(serializeComponentId)]));

function message(): HttpMessageView {
  return { method: pick(METHODS), scheme: pick(SCHEMES), authority: pick(AUTHORITIES), rawTarget: pick(TARGETS), headerLines: pick(HEADERS) };
}

function both(view: HttpMessageView, list: ComponentId[], ids: readonly string[] | undefined) {
  const raw = { items: list.map((c) => ({ value: c.name, params: c.params })), params: [['created', 1]] as [string, number][] };
  return { planned: buildSignatureBase(view, { components: list, componentIds: ids, raw }), general: buildSignatureBase(view, { components: list, raw }) };
}

describe('the planned signature base', () => {
  it('is the general loop’s base or error, for 8,000 generated messages over reused component lists', () => {
    let ok = 0;
    const reasons = new Set<string>();
    for (let n = 0; n < 8000; n++) {
      const list = pick(LISTS);
      const view = message();
      const { planned, general } = both(view, list, IDS.get(list));
      expect(planned, JSON.stringify({ view, ids: IDS.get(list) })).toEqual(general);
      if (general.ok) ok++;
      else reasons.add(general.reason);
    }
    // The generator reaches both answers and every kind of failure.
    expect(ok).toBeGreaterThan(300);
    expect([...reasons].sort()).toEqual(['BAD_COMPONENT', 'MISSING_COMPONENT', 'NON_ASCII', 'UNSUPPORTED_COMPONENT']);
  });

  it('the usual request gives the RFC 9421 lines', () => {
    const list = [component('@method'), component('@authority'), component('@path'), component('@query'), component('content-type')];
    const view: HttpMessageView = { method: 'GET', scheme: 'https', authority: 'API.example.com:443', rawTarget: '/v1/u?limit=10', headerLines: [['Content-Type', ' application/json ']] };
    const { planned } = both(view, list, list.map(serializeComponentId));
    expect(planned).toEqual({ ok: true, base: '"@method": GET\n"@authority": api.example.com\n"@path": /v1/u\n"@query": ?limit=10\n"content-type": application/json\n"@signature-params": ("@method" "@authority" "@path" "@query" "content-type");created=1' });
  });

  it('ids that do not fit the list, or a list changed after it was planned, give the general loop’s answer', () => {
    const view: HttpMessageView = { method: 'GET', scheme: 'http', authority: 'a', rawTarget: '/p?q', headerLines: [] };
    const list = [component('@method'), component('@path')];
    const ids = list.map(serializeComponentId);
    expect(both(view, list, ids).planned).toEqual(both(view, list, ids).general);
    // Other ids for the same list: the line carries the id given, as the general loop writes it.
    const other = ['"@method"', '"@scheme"'];
    const empty = { items: [], params: [] };
    expect(buildSignatureBase(view, { components: list, componentIds: other, raw: empty })).toMatchObject({ ok: true, base: expect.stringContaining('\n"@scheme": /p\n') });
    // The same list object and ids, the list changed in place since: planned again, not read from the old plan.
    list[1] = component('@scheme');
    expect(buildSignatureBase({ ...view, scheme: 'https' }, { components: list, componentIds: other, raw: empty })).toMatchObject({ ok: true, base: expect.stringContaining('\n"@scheme": https\n') });
    // No components: only the @signature-params line.
    expect(buildSignatureBase(view, { components: [], componentIds: [], raw: empty })).toEqual({ ok: true, base: '"@signature-params": ()' });
    // A non-ASCII id is refused as the general loop refuses it.
    const withField = { ...view, headerLines: [['x-é', 'v']] as [string, string][] };
    expect(buildSignatureBase(withField, { components: [component('x-é')], componentIds: ['"x-é"'], raw: { items: [], params: [] } })).toMatchObject({ ok: false, reason: 'NON_ASCII' });
  });

  it('a list that has no plan gives the general loop’s answer again when it comes back', () => {
    // A non-ASCII id leaves the list unplanned; the remembered "no plan" must be read as such.
    const view: HttpMessageView = { method: 'GET', scheme: 'http', authority: 'a', rawTarget: '/p', headerLines: [['x-é', 'v']] };
    const list = [component('x-é')];
    const ids = ['"x-é"'];
    for (let round = 0; round < 2; round++) {
      expect(buildSignatureBase(view, { components: list, componentIds: ids, raw: { items: [], params: [] } })).toMatchObject({ ok: false, reason: 'NON_ASCII' });
    }
  });

  it('a list that grew in place since it was planned is planned again', () => {
    const view: HttpMessageView = { method: 'GET', scheme: 'https', authority: 'a', rawTarget: '/p?q=1', headerLines: [] };
    const list = [component('@method')];
    const ids = list.map(serializeComponentId);
    const raw = { items: [], params: [] };
    expect(buildSignatureBase(view, { components: list, componentIds: ids, raw })).toEqual({ ok: true, base: '"@method": GET\n"@signature-params": ("@method")' });
    // The same list and ids objects, one component longer: the new line must be there.
    list.push(component('@query'));
    (ids as string[]).push('"@query"');
    expect(buildSignatureBase(view, { components: list, componentIds: ids, raw })).toEqual({ ok: true, base: '"@method": GET\n"@query": ?q=1\n"@signature-params": ("@method" "@query")' });
  });
});
