import { describe, expect, it } from 'vitest';
import { covers, holds, isGrant, normaliseGrants, powerOf, reachesApp, type RootPower } from '../../src/rootkeys/permissions.js';

const p = (permissions: RootPower['permissions'], appIds: RootPower['appIds'] = null): RootPower => ({ permissions, appIds });

describe('root key permissions (pure)', () => {
  it('normalise: sorted, deduplicated, and `*` swallows the rest', () => {
    expect(normaliseGrants(['keys:write', 'apps:read', 'keys:write'])).toEqual(['apps:read', 'keys:write']);
    expect(normaliseGrants(['keys:write', '*'])).toEqual(['*']);
  });

  it('the list is closed: unknown names and wildcards other than `*` are not grants', () => {
    expect(isGrant('apps:read')).toBe(true);
    expect(isGrant('*')).toBe(true);
    for (const bad of ['apps:*', 'apps', 'APPS:READ', '', 'apps:read ']) expect(isGrant(bad), bad).toBe(false);
  });

  it('holds: `*` holds everything, a write does not imply its read, a record without permissions holds nothing', () => {
    expect(holds(p(['*']), 'audit:read')).toBe(true);
    expect(holds(p(['keys:write']), 'keys:read')).toBe(false);
    expect(holds(powerOf({}), 'apps:read')).toBe(false);
  });

  it('reachesApp: unrestricted reaches every app and app-less things; restricted only its apps', () => {
    expect(reachesApp(p(['*']), 'app_a')).toBe(true);
    expect(reachesApp(p(['*']), null)).toBe(true);
    expect(reachesApp(p(['*'], ['app_a']), 'app_a')).toBe(true);
    expect(reachesApp(p(['*'], ['app_a']), 'app_b')).toBe(false);
    expect(reachesApp(p(['*'], ['app_a']), null)).toBe(false);
  });

  it.each([
    ['full covers anything', p(['*']), p(['*'], ['app_a']), true],
    ['full covers full', p(['*']), p(['*']), true],
    ['named does not cover *', p(['apps:read', 'keys:read']), p(['*'], ['app_a']), false],
    ['subset of permissions', p(['apps:read', 'keys:read']), p(['keys:read']), true],
    ['one permission more', p(['apps:read']), p(['apps:read', 'keys:read']), false],
    ['restricted does not cover every app', p(['*'], ['app_a']), p(['apps:read']), false],
    ['restricted covers a subset of its apps', p(['*'], ['app_a', 'app_b']), p(['apps:read'], ['app_b']), true],
    ['restricted does not cover another app', p(['*'], ['app_a']), p(['apps:read'], ['app_a', 'app_c']), false],
  ] as const)('covers: %s', (_name, holder, wanted, expected) => {
    expect(covers(holder, wanted)).toBe(expected);
  });
});
