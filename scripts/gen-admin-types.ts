/**
 * Writes packages/client/src/admin/api.gen.ts — the admin SDK's request and response types — from
 * the OpenAPI description the server serves (http/openapi.ts), so the SDK and the server cannot
 * drift: packages/client/test/admin/types.test.ts regenerates it and fails on any difference.
 * Run `npx tsx scripts/gen-admin-types.ts` after changing a route's schema.
 *
 * The converter covers the JSON Schema 2020-12 subset TypeBox emits (type, type arrays, enum,
 * const, anyOf/oneOf/allOf, object properties/required/additionalProperties, items/prefixItems,
 * local $refs); anything else is an error here, not a silent `unknown`.
 */
import { writeFileSync } from 'node:fs';

type Schema = Record<string, unknown>;
type Spec = { paths: Record<string, Record<string, Schema>>; components?: { schemas?: Record<string, Schema> } };

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const KNOWN = new Set(['type', 'enum', 'const', 'anyOf', 'oneOf', 'allOf', 'properties', 'required', 'additionalProperties', 'items', 'prefixItems', '$ref', 'description', 'format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'uniqueItems', 'default', 'examples', 'title', 'nullable', 'contentEncoding', 'contentMediaType', 'deprecated', 'readOnly', 'writeOnly', '$id', '$comment', 'example']);

const ident = (k: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : JSON.stringify(k));
const pad = (depth: number) => '  '.repeat(depth);
const doc = (text: unknown, depth: number) => (typeof text === 'string' && text ? `${pad(depth)}/** ${text.replaceAll('*/', '* /').replace(/\s*\n\s*/g, ' ')} */\n` : '');

/** The TypeScript type of one JSON Schema, at an indentation depth (for nested object literals). */
export function tsType(s: Schema | boolean | undefined, depth = 0): string {
  if (s === undefined || s === true) return 'unknown';
  if (s === false) return 'never';
  for (const k of Object.keys(s)) if (!KNOWN.has(k)) throw new Error(`gen-admin-types: unsupported schema keyword ${k}`);
  if (typeof s.$ref === 'string') {
    const m = /^#\/components\/schemas\/(.+)$/.exec(s.$ref);
    if (!m) throw new Error(`gen-admin-types: unsupported $ref ${s.$ref}`);
    return m[1]!;
  }
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ') + (Array.isArray(s.type) && s.type.includes('null') && !s.enum.includes(null) ? ' | null' : '');
  if (Array.isArray(s.anyOf ?? s.oneOf)) return union(((s.anyOf ?? s.oneOf) as Schema[]).map((x) => tsType(x, depth)));
  if (Array.isArray(s.allOf)) return (s.allOf as Schema[]).map((x) => paren(tsType(x, depth))).join(' & ');
  if (Array.isArray(s.type)) return union((s.type as string[]).map((t) => tsType({ ...s, type: t }, depth)));
  switch (s.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      if (Array.isArray(s.prefixItems)) return `[${(s.prefixItems as Schema[]).map((x) => tsType(x, depth)).join(', ')}]`;
      return `${paren(tsType(s.items as Schema | undefined, depth))}[]`;
    case undefined:
      // `{}` (or one with only annotations): any JSON value.
      return s.properties === undefined && s.additionalProperties === undefined ? 'unknown' : objectType(s, depth);
    case 'object':
      return objectType(s, depth);
    default:
      throw new Error(`gen-admin-types: unsupported type ${String(s.type)}`);
  }
}

function objectType(s: Schema, depth: number): string {
  const props = (s.properties ?? {}) as Record<string, Schema>;
  const required = new Set((s.required ?? []) as string[]);
  const extra = s.additionalProperties as Schema | boolean | undefined;
  if (Object.keys(props).length === 0) return extra === false ? 'Record<string, never>' : `Record<string, ${tsType(extra, depth)}>`;
  const lines = Object.entries(props).map(([k, v]) => `${doc(v.description, depth + 1)}${pad(depth + 1)}${ident(k)}${required.has(k) ? '' : '?'}: ${tsType(v, depth + 1)};\n`);
  if (extra !== undefined && extra !== false && extra !== true) lines.push(`${pad(depth + 1)}[key: string]: ${tsType(extra, depth + 1)};\n`);
  return `{\n${lines.join('')}${pad(depth)}}`;
}

function union(parts: string[]): string {
  const unique = [...new Set(parts)];
  return unique.length === 1 ? unique[0]! : unique.map(paren).join(' | ');
}

function paren(t: string): string {
  return /^[\w."[\]<>, ]+$/.test(t) || t.startsWith('{') || t.startsWith('[') ? t : `(${t})`;
}

interface Param {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly schema: Schema;
  readonly description?: string;
}

function paramsType(params: readonly Param[], where: string, depth: number): string {
  const ps = params.filter((p) => p.in === where);
  if (ps.length === 0) return 'never';
  return `{\n${ps.map((p) => `${doc(p.description ?? p.schema.description, depth + 1)}${pad(depth + 1)}${ident(p.name)}${p.required ? '' : '?'}: ${tsType(p.schema, depth + 1)};\n`).join('')}${pad(depth)}}`;
}

function jsonSchemaOf(content: unknown): Schema | undefined {
  const c = content as Record<string, { schema?: Schema }> | undefined;
  return c?.['application/json']?.schema;
}

/** The generated module's text for an OpenAPI document. */
export function renderAdminTypes(spec: Spec): string {
  const out: string[] = [
    '// Generated from the server\'s OpenAPI description by `npx tsx scripts/gen-admin-types.ts`. Do not edit:',
    '// packages/client/test/admin/types.test.ts regenerates it and fails when it differs.',
    '',
  ];
  for (const [name, schema] of Object.entries(spec.components?.schemas ?? {})) out.push(`${doc(schema.description, 0)}export type ${name} = ${tsType(schema, 0)};`, '');
  const ops: string[] = [];
  const routes: string[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const id = op.operationId as string;
      const params = (op.parameters ?? []) as Param[];
      const body = jsonSchemaOf((op.requestBody as Schema | undefined)?.content);
      const responses = (op.responses ?? {}) as Record<string, Schema>;
      const ok = Object.keys(responses).filter((s) => /^2\d\d$/.test(s)).sort()[0];
      const res = ok ? jsonSchemaOf(responses[ok]!.content) : undefined;
      ops.push(
        `${doc(op.summary, 1)}  ${id}: {\n` +
          `    params: ${paramsType(params, 'path', 2)};\n` +
          `    query: ${paramsType(params, 'query', 2)};\n` +
          `    body: ${body ? tsType(body, 2) : 'never'};\n` +
          `    bodyRequired: ${(op.requestBody as Schema | undefined)?.required === true};\n` +
          `    response: ${res ? tsType(res, 2) : ok === '204' ? 'void' : 'unknown'};\n` +
          `  };\n`,
      );
      routes.push(`  ${id}: { method: '${method.toUpperCase()}', path: '${path}', public: ${Array.isArray(op.security) && op.security.length === 0} },\n`);
    }
  }
  out.push('/** Every operation of the API, by operationId: path and query parameters, JSON body and 2xx JSON response. */');
  out.push(`export interface Operations {\n${ops.join('')}}`, '');
  out.push('export type OperationId = keyof Operations;', '');
  out.push('/** Method and path template of every operation (`public`: it takes no root key). */');
  out.push(`export const ROUTES = {\n${routes.join('')}} as const satisfies Record<OperationId, { method: string; path: string; public: boolean }>;`, '');
  return out.join('\n');
}

/** The spec of a server built in process (an empty in-memory store, nothing listening). */
export async function currentSpec(): Promise<Spec> {
  const { createKeyward } = await import('../packages/server/src/keyward.js');
  const { buildServer } = await import('../packages/server/src/http/server.js');
  const { openSqliteStore } = await import('../packages/server/src/store/sqlite.js');
  const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0 } });
  try {
    const server = await buildServer(kw);
    const spec = JSON.parse(JSON.stringify(server.swagger())) as Spec;
    await server.close();
    return spec;
  } finally {
    await kw.close();
  }
}

export const GENERATED_PATH = new URL('../packages/client/src/admin/api.gen.ts', import.meta.url);

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(GENERATED_PATH, renderAdminTypes(await currentSpec()));
  console.log('wrote packages/client/src/admin/api.gen.ts');
}
