import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodePath, compilePattern, matchPattern } from '../../src/policy/match.js';
import { parseAccessMap, PolicyLoadError } from '../../src/policy/load.js';
import { compareVersions } from '../../src/policy/version.js';

function problems(text: string) {
  try {
    parseAccessMap(text, 'map.yaml');
  } catch (err) {
    if (err instanceof PolicyLoadError) return err.problems.map((p) => ({ line: p.line, path: p.path }));
    throw err;
  }
  return [];
}

describe('access map loading', () => {
  it('reports every problem with file, line and path', () => {
    const text = [
      'version: 1', // 1
      'limits:', // 2
      '  fast: { rate: 0, windowSeconds: 60, by: nobody }', // 3
      'resources:', // 4
      '  - path: /users/{id}/tags', // 5
      '    allow: [publishable, wizard]', // 6
      '    subject: userId', // 7
      '    rateLimits: [slow]', // 8
      '    bogus: true', // 9
      '  - path: users', // 10
      '    allow: [secret]', // 11
    ].join('\n');
    const found = problems(text);
    expect(found).toEqual(
      expect.arrayContaining([
        { line: 3, path: 'limits.fast.rate' },
        { line: 3, path: 'limits.fast.by' },
        { line: 6, path: 'resources.0.allow.1' },
        { line: 7, path: 'resources.0.subject' },
        { line: 8, path: 'resources.0.rateLimits.0' },
        { line: 9, path: 'resources.0.bogus' },
        { line: 10, path: 'resources.1.path' },
      ]),
    );
  });

  it('limit and quota names must be safe bucket-key and header tokens, and one name is one policy', () => {
    const text = [
      'version: 1', // 1
      'limits:', // 2
      '  "a:credential": { rate: 1, windowSeconds: 60, by: app }', // 3
      '  "per user": { rate: 1, windowSeconds: 60, by: app }', // 4
      '  "quo\\"te": { rate: 1, windowSeconds: 60, by: app }', // 5
      '  "naïve": { rate: 1, windowSeconds: 60, by: app }', // 6
      '  per-user.v2_ok: { rate: 1, windowSeconds: 60, by: app }', // 7
      'quotas:', // 8
      '  per-user.v2_ok: { amount: 5, refill: daily, by: app }', // 9
      '  "": { amount: 5, refill: daily, by: app }', // 10
      '  monthly: { amount: 5, refill: monthly, by: app }', // 11
      'resources:', // 12
      '  - { path: /a, allow: [secret], rateLimits: [per-user.v2_ok], quota: monthly }', // 13
    ].join('\n');
    expect(problems(text)).toEqual([
      { line: 3, path: 'limits.a:credential' },
      { line: 4, path: 'limits.per user' },
      { line: 5, path: 'limits.quo"te' },
      { line: 6, path: 'limits.naïve' },
      { line: 9, path: 'quotas.per-user.v2_ok' },
      { line: 10, path: 'quotas.' },
    ]);
  });

  it('YAML syntax errors and duplicate keys carry their line', () => {
    expect(problems('version: 1\nresources:\n  - path: /a\n    path: /b\n    allow: [secret]\n')[0]!.line).toBe(4);
    expect(problems('version: 1\nresources: [\n')[0]!.line).toBeGreaterThan(0);
  });

  it('JSON maps load too, with lines', () => {
    const ok = parseAccessMap('{"version":1,"resources":[{"path":"/a","allow":["secret"]}]}', 'map.json');
    expect(ok.resources[0]!.path).toBe('/a');
    expect(problems('{\n"version": 1,\n"resources": [{"path": "/a", "allow": ["nobody"]}]\n}')).toEqual([{ line: 3, path: 'resources.0.allow.0' }]);
  });

  it('an empty map is refused: deny-all must be explicit', () => {
    expect(problems('version: 1\nresources: []\n')).toEqual([{ line: 2, path: 'resources' }]);
  });

  it('two resources for the same route and method are refused', () => {
    expect(problems('version: 1\nresources:\n  - path: /a/{x}\n    allow: [secret]\n  - path: /a/{y}\n    allow: [secret]\n')).toEqual([{ line: 5, path: 'resources.1.path' }]);
  });
});

describe('route matching', () => {
  it('refuses path-confusion tricks', () => {
    for (const p of ['/users/a%2Fb', '/users/a%2fb', '/users/..', '/users/%2e%2e', '/users//x', '/users/a%5Cb', '/users/%E0%A4%A', 'users']) expect(decodePath(p), p).toBeUndefined();
    expect(decodePath('/users/caf%C3%A9')).toEqual(['users', 'café']);
  });

  it('params, static segments and a trailing catch-all', () => {
    const p = compilePattern('/users/{id}/files/*');
    expect(matchPattern(p, ['users', '7', 'files', 'a', 'b'])).toEqual({ id: '7' });
    expect(matchPattern(p, ['users', '7', 'files'])).toBeUndefined();
    expect(() => compilePattern('/a/*/b')).toThrow();
    expect(() => compilePattern('/a/{x}/{x}')).toThrow();
  });

  it('never throws on arbitrary paths (10^4 cases)', () => {
    const p = compilePattern('/users/{id}/tags');
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        const segs = decodePath(s);
        if (segs) matchPattern(p, segs);
        return true;
      }),
      { numRuns: 10_000 },
    );
  });

  it('compares app versions numerically', () => {
    expect(compareVersions('2.10.0', '2.9.9')).toBeGreaterThan(0);
    expect(compareVersions('2.3', '2.3.0')).toBe(0);
    expect(compareVersions('v3.0.0-beta.1', '3.0.0')).toBe(0);
    expect(compareVersions('garbage', '0.0.1')).toBeLessThan(0);
  });
});
