import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/credentials/caller.js';
import { createGatewayPolicy } from '../../src/gateway/policy.js';
import type { Keyward } from '../../src/keyward.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { CLI, makeKeyward } from '../helpers.js';

/** docs/access-map.md's identity-token table names exactly the claims the gateway puts in the token. */
const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../docs/access-map.md');

function documentedClaims(): { header: string[]; payload: string[] } {
  const text = readFileSync(DOC, 'utf8');
  const start = text.indexOf('## The identity token');
  const section = text.slice(start, text.indexOf('\n## ', start + 1));
  const header: string[] = [];
  const payload: string[] = [];
  for (const line of section.split('\n')) {
    const m = /^\| ([^|]+) \| [^|]+ \|$/.exec(line);
    if (!m || m[1]!.trim() === 'claim' || m[1]!.startsWith('---')) continue;
    const names = [...m[1]!.matchAll(/`([a-z_]+)`/g)].map((x) => x[1]!);
    (m[1]!.startsWith('header') ? header : payload).push(...names);
  }
  return { header, payload };
}

let kw: Keyward;
beforeAll(async () => {
  kw = (await makeKeyward()).kw;
});
afterAll(() => kw.close());

describe('the identity token', () => {
  it('carries the claims docs/access-map.md lists, and no others', async () => {
    const app = await kw.apps.create({ name: 'id' }, CLI);
    const map = compileAccessMap(parseAccessMap('version: 1\nresources:\n  - { path: /x, allow: [secret] }\n', 'map.yaml'));
    const policy = createGatewayPolicy({ kw, map, limits: kw.limits });
    const caller: Caller = { scheme: 'key', kind: 'secret', id: 'key_x', appId: app.id, environment: 'live', subject: 'u1', scopes: ['a:read'], signed: false, session: false, attested: false };
    const token = await policy.identityFor(caller);
    const doc = documentedClaims();
    expect(Object.keys(decodeProtectedHeader(token)).sort()).toEqual([...doc.header].sort());
    const claims = decodeJwt(token);
    expect(Object.keys(claims).sort()).toEqual([...doc.payload].sort());
    expect(claims).toMatchObject({ iss: 'keyward', aud: 'upstream', sub: 'u1', kw_kind: 'secret', kw_credential: 'key_x', kw_scheme: 'key', scope: 'a:read' });
    expect(claims.exp! - claims.iat!).toBe(60);
  });
});
