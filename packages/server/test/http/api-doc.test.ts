import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import type { Server } from '../../src/http/types.js';
import type { Keyward } from '../../src/keyward.js';
import { makeKeyward } from '../helpers.js';
import { bodyFields, type OpenApi } from './api-doc-fields.js';

/** docs/api.md's "Request bodies" table lists exactly the body fields of the route schemas. */
const API_MD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../docs/api.md');

function documented(): Map<string, string[]> {
  const text = readFileSync(API_MD, 'utf8');
  const section = text.slice(text.indexOf('## Request bodies'), text.indexOf('\n## ', text.indexOf('## Request bodies') + 1));
  const out = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const m = /^\| `([A-Z]+ [^`]+)` \| (.*) \|$/.exec(line);
    if (m) out.set(m[1]!, [...m[2]!.matchAll(/\*\*`([A-Za-z0-9.]+)`\*\*/g)].map((f) => f[1]!));
  }
  return out;
}

let kw: Keyward;
let server: Server;
beforeAll(async () => {
  kw = (await makeKeyward()).kw;
  server = await buildServer(kw);
});
afterAll(async () => {
  await server.close();
  await kw.close();
});

describe('docs/api.md request bodies', () => {
  it('name every route with a body and every field of it, and no field that does not exist', async () => {
    const schema = bodyFields((await server.inject({ method: 'GET', url: '/openapi.json' })).json() as OpenApi);
    const docs = documented();
    expect(schema.size).toBeGreaterThan(10);
    expect([...docs.keys()].sort()).toEqual([...schema.keys()].sort());
    for (const [route, fields] of schema) expect(new Set(docs.get(route)), route).toEqual(new Set(fields));
  });
});
