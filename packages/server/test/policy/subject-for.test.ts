import { describe, expect, it } from 'vitest';
import type { Caller } from '../../src/credentials/caller.js';
import { compileAccessMap, evaluate } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';

const map = (subjectFor: string) =>
  compileAccessMap(parseAccessMap(`version: 1\nresources:\n  - { path: "/users/{userId}/files", methods: [GET], allow: [secret, restricted], subject: userId, subjectFor: ${subjectFor} }\n`));

const server = (kind: 'secret' | 'restricted', subject: string | null): Caller => ({ scheme: 'key', kind, id: 'key_x', appId: 'app_x', environment: 'live', subject, scopes: ['*'], signed: false, session: false, attested: false });

describe('subjectFor: all binds server keys too (BOLA on routes that say so)', () => {
  it('a secret or restricted key without a subject is refused, and one acting for another user is refused, only under subjectFor: all', async () => {
    const all = map('all');
    for (const kind of ['secret', 'restricted'] as const) {
      expect(evaluate(all, { method: 'GET', path: '/users/alice/files' }, server(kind, null)), kind).toMatchObject({ allowed: false, code: 'SUBJECT_REQUIRED', reason: 'NO_CALLER_SUBJECT' });
      expect(evaluate(all, { method: 'GET', path: '/users/alice/files' }, server(kind, 'bob')), kind).toMatchObject({ allowed: false, code: 'SUBJECT_MISMATCH', reason: 'PARAM_USERID_IS_NOT_CALLER' });
      expect(evaluate(all, { method: 'GET', path: '/users/alice/files' }, server(kind, 'alice')).allowed, kind).toBe(true);
    }
    // The default (subject-bound): a server key without a subject acts for any user.
    expect(evaluate(map('subject-bound'), { method: 'GET', path: '/users/alice/files' }, server('secret', null)).allowed).toBe(true);
  });
});
