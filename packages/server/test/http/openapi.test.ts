import { describe, expect, it } from 'vitest';
import { makeApi } from '../helpers.js';

type Op = { operationId?: string; security?: unknown[]; responses: Record<string, { content?: Record<string, unknown> }> };

describe('the OpenAPI description', () => {
  it('names every operation, declares problem+json errors (500 too), marks public routes, and uses 2020-12 tuples', async () => {
    const api = await makeApi();
    try {
      const doc = (await api.server.inject({ method: 'GET', url: '/openapi.json' })).json() as { servers: unknown[]; paths: Record<string, Record<string, Op>>; components: { schemas: Record<string, unknown> } };
      expect(doc.servers.length).toBeGreaterThan(0);
      expect(doc.components.schemas.Problem).toBeDefined();
      const ids = new Set<string>();
      let operations = 0;
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(item)) {
          operations++;
          expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z0-9_]+$/);
          expect(ids.has(op.operationId!), op.operationId).toBe(false);
          ids.add(op.operationId!);
          const route = api.server.routeTable.find((r) => r.method === method.toUpperCase() && r.url === path.replace(/\{([^}]+)\}/g, ':$1'));
          expect(route, `${method} ${path} is in the route table`).toBeDefined();
          if (route!.auth === 'public') expect(op.security, `${method} ${path}`).toEqual([]);
          else expect(op.security, `${method} ${path}`).toBeUndefined();
          expect(op.responses['500'], `${method} ${path}`).toBeDefined();
          for (const [status, response] of Object.entries(op.responses)) {
            if (Number(status) < 400) continue;
            expect(Object.keys(response.content ?? {}), `${method} ${path} ${status}`).toEqual(['application/problem+json']);
          }
        }
      }
      expect(operations).toBe(api.server.routeTable.length);
      expect(JSON.stringify(doc)).not.toContain('"additionalItems"');
      expect(JSON.stringify(doc)).not.toMatch(/"items":\[/);
    } finally {
      await api.kw.close();
    }
  });
});
