import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Caller } from '../../packages/server/src/credentials/caller.js';
import { compileAccessMap, evaluate } from '../../packages/server/src/policy/evaluate.js';
import { loadAccessMap } from '../../packages/server/src/policy/load.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const map = compileAccessMap(loadAccessMap(path.join(here, 'access-map.yaml')));

const base = { appId: 'app_airship', environment: 'live' as const, signed: false, session: false, attested: false };
const callers: Record<string, Caller> = {
  app: { ...base, scheme: 'key', kind: 'publishable', id: 'key_app', subject: 'chan-A', scopes: ['audience:write'] },
  audience: { ...base, scheme: 'key', kind: 'bearer', id: 'key_aud', subject: null, scopes: ['audience:write'] },
  all: { ...base, scheme: 'key', kind: 'bearer', id: 'key_all', subject: null, scopes: ['*'] },
  master: { ...base, scheme: 'key', kind: 'secret', id: 'key_master', subject: null, scopes: ['*'] },
};

const Y = 'VALID';
// Airship's table: service → [App Key+Secret, Bearer Audience Modification, Bearer All Access, Master Secret]
const table: [string, string, [string, string, string, string]][] = [
  ['POST', '/api/push', ['KIND_NOT_ALLOWED', 'INSUFFICIENT_SCOPES', Y, Y]],
  ['GET', '/api/channels/chan-B', ['KIND_NOT_ALLOWED', Y, Y, Y]],
  ['POST', '/api/channels/tags', ['KIND_NOT_ALLOWED', Y, Y, Y]],
  ['POST', '/api/channels/sms', ['KIND_NOT_ALLOWED', Y, Y, Y]],
  ['POST', '/api/channels/sms/custom-response', ['KIND_NOT_ALLOWED', 'INSUFFICIENT_SCOPES', Y, 'KIND_NOT_ALLOWED']],
  ['POST', '/api/channels/email', ['KIND_NOT_ALLOWED', Y, Y, Y]],
  ['POST', '/api/create-and-send', ['KIND_NOT_ALLOWED', 'INSUFFICIENT_SCOPES', Y, Y]],
  ['POST', '/api/named-users/associate', ['KIND_NOT_ALLOWED', Y, Y, Y]],
  ['POST', '/api/custom-events', ['KIND_NOT_ALLOWED', 'INSUFFICIENT_SCOPES', Y, 'KIND_NOT_ALLOWED']],
  ['GET', '/api/segments/s1', ['KIND_NOT_ALLOWED', Y, Y, Y]],
  ['GET', '/api/lists/l1', ['KIND_NOT_ALLOWED', Y, Y, Y]],
  ['GET', '/api/location/l1', ['KIND_NOT_ALLOWED', Y, Y, Y]],
  ['GET', '/api/reports/r1', ['KIND_NOT_ALLOWED', Y, Y, Y]],
  ['POST', '/api/schedules/s1', ['KIND_NOT_ALLOWED', 'KIND_NOT_ALLOWED', 'KIND_NOT_ALLOWED', Y]],
  ['POST', '/api/experiments/e1', ['KIND_NOT_ALLOWED', 'KIND_NOT_ALLOWED', 'KIND_NOT_ALLOWED', Y]],
  // The app bundle's own channel (App Key + App Secret): itself only.
  ['POST', '/api/channels', [Y, Y, Y, Y]],
  ['POST', '/api/channels/chan-A/tags', [Y, Y, Y, Y]],
  ['POST', '/api/channels/chan-B/tags', ['SUBJECT_MISMATCH', Y, Y, Y]],
  ['POST', '/api/channels/chan-A/named-user', [Y, Y, Y, Y]],
  ['DELETE', '/api/channels/chan-B/named-user', ['SUBJECT_MISMATCH', Y, Y, Y]],
  // Not in the map: denied for everyone.
  ['DELETE', '/api/apps', ['ACCESS_DENIED', 'ACCESS_DENIED', 'ACCESS_DENIED', 'ACCESS_DENIED']],
  ['GET', '/api/channels', ['ACCESS_DENIED', 'ACCESS_DENIED', 'ACCESS_DENIED', 'ACCESS_DENIED']],
  ['POST', '/api/channels/chan-A%2F..%2Fchan-B/tags', ['ACCESS_DENIED', 'ACCESS_DENIED', 'ACCESS_DENIED', 'ACCESS_DENIED']],
];

const columns = ['app', 'audience', 'all', 'master'] as const;
const cells = table.flatMap(([method, p, expected]) => columns.map((c, i) => [method, p, c, expected[i]!] as const));

describe("Airship's authentication map (examples/airship/access-map.yaml)", () => {
  it('has every cell of the table', () => {
    expect(cells.length).toBe(table.length * 4);
  });

  it.each(cells)('%s %s as %s → %s', (method, p, caller, expected) => {
    const d = evaluate(map, { method, path: p }, callers[caller]!);
    expect(d.allowed ? 'VALID' : d.code).toBe(expected);
  });
});
