import { describe, expect, it } from 'vitest';
import { pathProblem } from '../../src/gateway/target.js';

/** pathProblem() directly: each rule with the smallest path only it refuses (paths.test.ts runs them through a gateway). */
describe('pathProblem()', () => {
  it.each([
    ['users/a', 'not_absolute'],
    ['', 'not_absolute'],
    ['/a;b', 'path_parameter'],
    ['/a/%3b', 'path_parameter'],
    ['/a/%253B', 'path_parameter'],
    ['/a/b\\c', 'backslash'],
    ['/a/%5C', 'backslash'],
    ['/a/%00', 'nul'],
    ['/a/\0', 'nul'],
    ['/a/%2F', 'encoded_slash'],
    ['/a/%252f', 'encoded_slash'],
    ['/a/.', 'dot_segment'],
    ['/a/..', 'dot_segment'],
    ['/./a', 'dot_segment'],
    ['/a/%2e', 'dot_segment'],
    ['/a/%252e%252e', 'dot_segment'],
    ['/a//b', 'empty_segment'],
    ['//a', 'empty_segment'],
    ['/a/%zz', 'bad_escape'],
    ['/a/%', 'bad_escape'],
    ['/a/%2525252e', 'nested_escape'],
    ['/a/%2525252F', 'nested_escape'],
    ['/a/%2525253b', 'nested_escape'],
    ['/a/%2525255c', 'nested_escape'],
    ['/a/%25252500', 'nested_escape'],
    ['/a/%2525252525', 'nested_escape'],
  ])('%j is %s', (path, problem) => {
    expect(pathProblem(path)).toBe(problem);
  });

  it.each([
    '/',
    '/a',
    '/a/b/',
    // a trailing slash after a segment that needs the full check
    '/a%20b/',
    '/a/b.c',
    '/a/..b',
    '/a/.well-known',
    '/a/%20b',
    '/a/100%25',
    // a percent sign that appears only after decoding is data, not an escape to check
    '/a/%25zz',
    // three decodings leave a harmless escape
    '/a/%25252541',
  ])('%j is canonical', (path) => {
    expect(pathProblem(path)).toBeUndefined();
  });

  it('the first problem found is named, segment by segment from the left', () => {
    expect(pathProblem('/a;b/..')).toBe('path_parameter');
    expect(pathProblem('/../a;b')).toBe('dot_segment');
    expect(pathProblem('/a//b/..')).toBe('empty_segment');
    expect(pathProblem('/x/a;b\\c')).toBe('path_parameter');
    expect(pathProblem('/x/a\\b%00')).toBe('backslash');
    expect(pathProblem('/x/%00%2f')).toBe('nul');
    expect(pathProblem('/x/%2f..')).toBe('encoded_slash');
  });
});
