import { ProblemSchema } from './schemas.js';
import type { RouteAuth } from './auth.js';
import type { Permission } from '../rootkeys/permissions.js';

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/**
 * Finishes the OpenAPI 3.1 description @fastify/swagger builds from the routes, so that what it
 * says is what the server does and a client can be generated from it:
 *  - every operation has an `operationId` (a route may set its own; otherwise one is derived from
 *    the method and path, stable across releases);
 *  - error responses are `application/problem+json` (what the server sends, 500 included), all
 *    pointing at one shared `Problem` component;
 *  - public routes declare `security: []` instead of inheriting the bearer requirement;
 *  - TypeBox tuples (draft-07 `items: [...]`) become JSON Schema 2020-12 `prefixItems`;
 *  - `servers` names this server (relative, so it is right behind any host or proxy);
 *  - every authenticated operation names the root-key permission it needs (`x-keyward-permission`).
 */
export function finishOpenApi(doc: Json, routeOf: (method: string, fastifyUrl: string) => { readonly auth: RouteAuth; readonly permission?: Permission } | undefined): Json {
  doc.servers = [{ url: '/', description: 'this Keyward server' }];
  const info = (doc.info ??= {}) as Json;
  info.license ??= { name: 'Apache-2.0', identifier: 'Apache-2.0' };
  const components = (doc.components ??= {}) as Json;
  const schemas = (components.schemas ??= {}) as Json;
  schemas.Problem = JSON.parse(JSON.stringify(ProblemSchema)) as Json;
  const problemRef = { $ref: '#/components/schemas/Problem' };
  const used = new Set<string>();
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      let id = typeof op.operationId === 'string' ? op.operationId : operationIdFor(method, path);
      while (used.has(id)) id = `${id}_`;
      used.add(id);
      op.operationId = id;
      const route = routeOf(method.toUpperCase(), path.replace(/\{([^}]+)\}/g, ':$1'));
      if (route?.auth === 'public') op.security = [];
      if (route?.permission) {
        op['x-keyward-permission'] = route.permission;
        op.description = `${typeof op.description === 'string' ? `${op.description}\n\n` : ''}Root keys need the \`${route.permission}\` permission.`;
      }
      const responses = (op.responses ??= {}) as Record<string, Json>;
      for (const status of Object.keys(responses)) {
        if (Number(status) >= 400) responses[status] = { description: (responses[status]?.description as string | undefined) ?? 'RFC 9457 problem details', content: { 'application/problem+json': { schema: problemRef } } };
      }
      // Every route can refuse a request (a key in the URL, oversized headers, a bad framing): say so where no 4xx is declared.
      if (!Object.keys(responses).some((st) => st.startsWith('4'))) responses['4XX'] = { description: 'RFC 9457 problem details (docs/errors.md)', content: { 'application/problem+json': { schema: problemRef } } };
      responses['500'] ??= { description: 'Internal error (no detail; the log has it)', content: { 'application/problem+json': { schema: problemRef } } };
    }
  }
  toPrefixItems(doc);
  return doc;
}

/** `GET /v1/apps/{appId}/keys` → `getAppsByAppIdKeys`. */
export function operationIdFor(method: string, path: string): string {
  const parts = path
    .split('/')
    .filter((s) => s && s !== 'v1')
    .map((s) => {
      const param = /^\{(.+)\}$/.exec(s);
      const word = (param ? param[1]! : s).replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''));
      const cap = word.charAt(0).toUpperCase() + word.slice(1);
      return param ? `By${cap}` : cap;
    });
  return method.toLowerCase() + (parts.join('') || 'Root');
}

function toPrefixItems(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) toPrefixItems(n);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const o = node as Json;
  if (Array.isArray(o.items)) {
    o.prefixItems = o.items;
    delete o.items;
    if (o.additionalItems === false) o.items = false;
    delete o.additionalItems;
  }
  for (const v of Object.values(o)) toPrefixItems(v);
}
