/**
 * Canonical JSON: object keys sorted, no whitespace. The audit chain hashes this form, so the same
 * record always yields the same hash whatever order its fields were built in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** Deepest nesting Keyward accepts in a client's JSON (objects and arrays). */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether a parsed value nests deeper than `maxDepth`, found with an explicit stack (no recursion),
 * so it answers for any depth. Run it before anything that walks a client's JSON recursively
 * (JSON.stringify, canonicalJson, schema validators): those run out of stack on a body 10,000
 * levels deep, which would otherwise surface as a 500.
 */
export function jsonDepthExceeds(value: unknown, maxDepth: number = MAX_JSON_DEPTH): boolean {
  const stack: Array<{ v: unknown; depth: number }> = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > maxDepth) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) {
      if (child !== null && typeof child === 'object') stack.push({ v: child, depth: depth + 1 });
    }
  }
  return false;
}

/**
 * The nesting depth of JSON text, measured on the text before it is parsed (brackets outside
 * strings), in one pass with no recursion: a parser or validator that recurses never sees a body
 * deeper than the caller allows. Returns the first depth past `maxDepth`, or the deepest found.
 */
export function jsonTextDepth(text: string, maxDepth: number = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (depth > maxDepth) return depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}
