/**
 * Body fields of every operation in the OpenAPI description: top-level properties, and the
 * properties of an object-valued field as `parent.child` (one level down; `$ref`s resolved, a
 * union with null looked through). Shared by the api.md drift test.
 */
type Schema = { $ref?: string; type?: string | string[]; properties?: Record<string, Schema>; required?: string[]; anyOf?: Schema[]; oneOf?: Schema[] };
export type OpenApi = { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>>; components?: { schemas?: Record<string, Schema> } };

export function bodyFields(doc: OpenApi): Map<string, string[]> {
  const resolve = (s: Schema | undefined): Schema | undefined => {
    if (!s) return s;
    if (s.$ref) return resolve(doc.components?.schemas?.[s.$ref.split('/').pop()!]);
    const alts = s.anyOf ?? s.oneOf;
    if (alts) return alts.map(resolve).find((a) => a?.properties);
    return s;
  };
  const out = new Map<string, string[]>();
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const schema = resolve(op.requestBody?.content?.['application/json']?.schema);
      if (!schema?.properties) continue;
      const fields: string[] = [];
      for (const [name, prop] of Object.entries(schema.properties)) {
        fields.push(name);
        const inner = resolve(prop);
        if (inner?.properties) for (const child of Object.keys(inner.properties)) fields.push(`${name}.${child}`);
      }
      out.set(`${method.toUpperCase()} ${p.replace(/\{(\w+)\}/g, '{$1}')}`, fields);
    }
  }
  return out;
}
