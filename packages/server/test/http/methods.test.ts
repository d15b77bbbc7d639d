import { generateKey } from '@keyward/protocol';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, type Code } from '../../src/errors/catalogue.js';
import { problemResponse } from '../../src/errors/problem.js';
import { MethodIndex } from '../../src/http/allow.js';
import { makeApi } from '../helpers.js';

describe('405 Method Not Allowed with Allow (admin API)', () => {
  it('a path served under other methods answers 405 METHOD_NOT_ALLOWED problem+json listing exactly those methods', async () => {
    const api = await makeApi();
    try {
      const cases: [string, string, string][] = [
        ['DELETE', `/v1/apps/${api.appId}/keys`, 'GET, HEAD, POST'],
        ['PUT', '/v1/apps', 'GET, HEAD, POST'],
        ['PATCH', '/v1/verify', 'POST'],
        ['POST', `/v1/apps/${api.appId}/pins`, 'GET, HEAD'],
      ];
      for (const [method, url, allow] of cases) {
        const res = await api.server.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${api.root}` } });
        expect({ url, status: res.statusCode, code: res.json().code, allow: res.headers.allow, type: res.headers['content-type'] }).toEqual({ url, status: 405, code: 'METHOD_NOT_ALLOWED', allow, type: 'application/problem+json; charset=utf-8' });
      }
    } finally {
      await api.kw.close();
    }
  });

  it('the 405 needs no credential (the route table is public in /openapi.json) and an unknown path stays 404 without Allow', async () => {
    const api = await makeApi();
    try {
      const wrong = await api.server.inject({ method: 'DELETE', url: '/v1/audit' });
      expect([wrong.statusCode, wrong.json().code, wrong.headers.allow]).toEqual([405, 'METHOD_NOT_ALLOWED', 'GET, HEAD']);
      const unknown = await api.server.inject({ method: 'GET', url: '/v1/nothing' });
      expect([unknown.statusCode, unknown.json().code, unknown.headers.allow]).toEqual([404, 'ROUTE_NOT_FOUND', undefined]);
    } finally {
      await api.kw.close();
    }
  });

  it('MethodIndex: a parameter matches one non-empty segment, not several and not none', () => {
    const index = new MethodIndex();
    index.add('GET', '/v1/keys/:keyId');
    index.add('POST', '/v1/keys/:keyId/rotate');
    expect(index.allowed('/v1/keys/key_x')).toEqual(['GET', 'HEAD']);
    expect(index.allowed('/v1/keys/key_x/rotate')).toEqual(['POST']);
    expect(index.allowed('/v1/keys/')).toEqual([]);
    expect(index.allowed('/v1/keys/a/b')).toEqual([]);
  });
});

describe('WWW-Authenticate on every 401', () => {
  it('every 401 code of the catalogue gets a WWW-Authenticate challenge from the one problem builder', () => {
    const codes = (Object.keys(CATALOGUE) as Code[]).filter((c) => CATALOGUE[c].status === 401);
    expect(codes.length).toBeGreaterThan(10);
    for (const code of codes) expect(problemResponse(code, 'req_x').headers['www-authenticate'], code).toMatch(/^Bearer/);
    expect(problemResponse('FORBIDDEN', 'req_x').headers['www-authenticate']).toBeUndefined();
  });

  it('admin API: a missing and a wrong root key both carry it', async () => {
    const api = await makeApi();
    try {
      const none = await api.server.inject({ method: 'GET', url: '/v1/apps' });
      expect([none.statusCode, none.headers['www-authenticate']]).toEqual([401, 'Bearer']);
      const wrong = await api.server.inject({ method: 'GET', url: '/v1/apps', headers: { authorization: `Bearer ${generateKey('root', null)}` } });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.headers['www-authenticate']).toMatch(/^Bearer/);
    } finally {
      await api.kw.close();
    }
  });
});
