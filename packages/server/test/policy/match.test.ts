import { describe, expect, it } from 'vitest';
import { bySpecificity, compilePattern, decodePath, matchPattern } from '../../src/policy/match.js';

/** Route patterns and request paths directly (load.test.ts covers them through the map loader). */
describe('compilePattern()', () => {
  it('compiles static segments, parameters and a trailing catch-all, with their specificity', () => {
    expect(compilePattern('/a/{b}/*')).toEqual({
      pattern: '/a/{b}/*',
      segments: [{ kind: 'static', value: 'a' }, { kind: 'param', name: 'b' }, { kind: 'rest' }],
      specificity: [3, 2, 1],
    });
    expect(compilePattern('/')).toEqual({ pattern: '/', segments: [], specificity: [] });
    expect(compilePattern('/_x/{_y1}').segments).toEqual([{ kind: 'static', value: '_x' }, { kind: 'param', name: '_y1' }]);
  });

  it.each([
    ['users', 'must start with /'],
    ['/a/*/b', '* is allowed only as the last segment'],
    ['/{a}/{a}', 'parameter {a} appears twice'],
    ['/a//b', 'bad segment ""'],
    ['/a/', 'bad segment ""'],
    ['/a/.', 'bad segment "."'],
    ['/a/..', 'bad segment ".."'],
    ['/{a}x', 'bad segment "{a}x"'],
    ['/x{a}', 'bad segment "x{a}"'],
    ['/{1a}', 'bad segment "{1a}"'],
    ['/a}', 'bad segment "a}"'],
    ['/a%2f', 'bad segment "a%2f"'],
    ['/a?', 'bad segment "a?"'],
    ['/a#', 'bad segment "a#"'],
    ['/a*', 'bad segment "a*"'],
  ])('%s is refused: %s', (pattern, message) => {
    expect(() => compilePattern(pattern)).toThrow(new Error(message));
  });
});

describe('decodePath()', () => {
  it.each([
    ['/', []],
    ['/a', ['a']],
    ['/a/b', ['a', 'b']],
    ['/a%20b/c', ['a b', 'c']],
    ['/%41', ['A']],
    ['/a.b/..c', ['a.b', '..c']],
  ])('%s → %j', (path, segments) => {
    expect(decodePath(path)).toEqual(segments);
  });

  it.each(['a', '', '/a//b', '/a/', '//', '/a%2Fb', '/a%2fb', '/a%5Cb', '/a%5cb', '/%zz', '/%', '/.', '/..', '/%2e', '/%2E%2e', '/a\\b', '/a%5c', '/%00'])('%j matches nothing', (path) => {
    expect(decodePath(path)).toBeUndefined();
  });
});

describe('matchPattern()', () => {
  const match = (pattern: string, path: string) => matchPattern(compilePattern(pattern), decodePath(path)!);
  it('binds parameters, needs every segment, and no extra ones', () => {
    expect(match('/users/{id}/files', '/users/alice/files')).toEqual({ id: 'alice' });
    expect(match('/users/{id}/files', '/users/alice')).toBeUndefined();
    expect(match('/users/{id}', '/users/alice/files')).toBeUndefined();
    expect(match('/users', '/users/alice')).toBeUndefined();
    expect(match('/users/{id}', '/orders/alice')).toBeUndefined();
    expect(match('/', '/')).toEqual({});
    expect(match('/', '/a')).toBeUndefined();
  });

  it('a catch-all needs at least one segment in its place', () => {
    expect(match('/files/{id}/*', '/files/a/b/c')).toEqual({ id: 'a' });
    expect(match('/files/*', '/files/x')).toEqual({});
    expect(match('/files/*', '/files')).toBeUndefined();
  });
});

describe('bySpecificity()', () => {
  const order = (a: string, b: string) => Math.sign(bySpecificity(compilePattern(a), compilePattern(b)));
  it('static before parameter before catch-all, decided at the first segment that differs', () => {
    expect(order('/a/b', '/a/{x}')).toBe(-1);
    expect(order('/a/{x}', '/a/b')).toBe(1);
    expect(order('/a/{x}', '/a/*')).toBe(-1);
    expect(order('/a/*', '/a/{x}')).toBe(1);
    expect(order('/a/{x}/c', '/a/b/{y}')).toBe(1);
    expect(order('/a/b', '/a/c')).toBe(0);
  });

  it('with an equal prefix, the longer pattern first', () => {
    expect(order('/a/{x}', '/a')).toBe(-1);
    expect(order('/a', '/a/{x}')).toBe(1);
    expect(order('/a', '/a')).toBe(0);
  });
});
