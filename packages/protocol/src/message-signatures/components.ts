import type {
  ByteSequence} from '../structured-fields.js';
import {
  isInnerList,
  parseDictionary,
  serializeBareItem,
  serializeMember,
  serializeParams,
  StructuredFieldError,
  base64Encode,
  type Item,
  type Parameters,
} from '../structured-fields.js';
import { fieldValues, type HttpMessageView } from './message.js';
import { utf8Decode, utf8Encode } from '../web.js';

/** A covered component: its name and parameters, as in the Signature-Input inner list. */
export interface ComponentId {
  readonly name: string;
  readonly params: Parameters;
}

export class ComponentError extends Error {
  override name = 'ComponentError';
  constructor(
    message: string,
    readonly reason: 'MISSING_COMPONENT' | 'UNSUPPORTED_COMPONENT' | 'BAD_COMPONENT' | 'NON_ASCII',
  ) {
    super(message);
  }
}

/** `"name";param=value` — the component identifier as it appears in the base. */
export function serializeComponentId(c: ComponentId): string {
  if (c.params.length === 0) {
    // Hot path: every signature names the same few components; their quoted forms are made once.
    const known = QUOTED.get(c.name);
    if (known !== undefined) return known;
    // A name without quote or backslash (the parser already checked it is printable ASCII).
    if (c.name.indexOf('"') < 0 && c.name.indexOf('\\') < 0) {
      const quoted = `"${c.name}"`;
      if (QUOTED.size < MAX_QUOTED) QUOTED.set(c.name, quoted);
      return quoted;
    }
  }
  return serializeBareItem(c.name) + serializeParams(c.params);
}

/** Quoted forms of parameterless component names seen so far; bounded, so odd names cannot grow it. */
const QUOTED = new Map<string, string>();
const MAX_QUOTED = 512;

const param = (c: ComponentId, name: string) => c.params.find(([k]) => k === name)?.[1];

/** The request target split at its first `?`; `signatureBase` splits once for all components. */
export interface SplitTarget {
  readonly path: string;
  readonly query: string | undefined;
}

export function splitTarget(rawTarget: string): SplitTarget {
  const q = rawTarget.indexOf('?');
  return q < 0 ? { path: rawTarget, query: undefined } : { path: rawTarget.slice(0, q), query: rawTarget.slice(q + 1) };
}

/**
 * Authority normalised per RFC 9421 §2.2.3 and RFC 9110 §4.2.3: scheme and host compared
 * case-insensitively (the host lowercased), the scheme's default port dropped, and an empty port
 * (`host:`) read as the default. A client that sends `Host: API.example:443` over `HTTPS` signs
 * the same `@authority` as one that sends `api.example`.
 */
export function normalizeAuthority(authority: string, scheme: string): string {
  // A server sees one Host over and over: the last answer is kept (strings compare by value).
  if (authority === lastAuthority.authority && scheme === lastAuthority.scheme) return lastAuthority.normalized;
  const normalized = normalize(authority, scheme);
  lastAuthority = { authority, scheme, normalized };
  return normalized;
}

let lastAuthority = { authority: '', scheme: '', normalized: '' };

function normalize(authority: string, scheme: string): string {
  let a = authority.trim().toLowerCase();
  const s = scheme.toLowerCase();
  if (a.endsWith(':')) a = a.slice(0, -1);
  else if ((s === 'https' && a.endsWith(':443')) || (s === 'http' && a.endsWith(':80'))) a = a.slice(0, a.lastIndexOf(':'));
  return a;
}

/**
 * The WHATWG form-urlencoded percent-encode set, used to re-encode @query-param names and values
 * (RFC 9421 §2.2.8): only ASCII alphanumerics and `*-._` stay; everything else — including space —
 * becomes %XX of its UTF-8 bytes.
 */
function formEncode(text: string): string {
  const bytes = utf8Encode(text);
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9*\-._]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Percent-decoding as the URL standard's form-urlencoded parser does it: `+` is a space, `%XX` with
 * two hex digits becomes that byte, any other `%` stays literally — malformed input never throws —
 * and the bytes are read as UTF-8 with U+FFFD for invalid sequences.
 */
function formDecode(text: string): string {
  const bytes = utf8Encode(text.replace(/\+/g, ' '));
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x25 /* % */ && i + 2 < bytes.length && isHex(bytes[i + 1]!) && isHex(bytes[i + 2]!)) {
      out[n++] = parseInt(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!), 16);
      i += 2;
    } else out[n++] = b;
  }
  return utf8Decode(out.subarray(0, n));
}

const isHex = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);

/** The value of one covered component (RFC 9421 §2.1, §2.2). Throws ComponentError when absent or unsupported. */
/** `@path` (RFC 9421 §2.2.6): an empty path is `/`. */
export const pathValue = (target: SplitTarget): string => (target.path === '' ? '/' : target.path);
/** `@query` (§2.2.7): the query with its `?`, or a lone `?` when there is none. */
export const queryValue = (target: SplitTarget): string => `?${target.query ?? ''}`;

export function componentValue(view: HttpMessageView, c: ComponentId, target: SplitTarget = splitTarget(view.rawTarget)): string {
  const { query } = target;
  if (c.name.charCodeAt(0) === 64 /* @ */) {
    if (c.params.length > 0) for (const [k] of c.params) if (!(c.name === '@query-param' && k === 'name')) throw new ComponentError(`parameter ;${k} on ${c.name}`, 'UNSUPPORTED_COMPONENT');
    switch (c.name) {
      case '@method':
        return view.method;
      case '@target-uri':
        return `${view.scheme.toLowerCase()}://${normalizeAuthority(view.authority, view.scheme)}${view.rawTarget}`;
      case '@authority':
        return normalizeAuthority(view.authority, view.scheme);
      case '@scheme':
        return view.scheme.toLowerCase();
      case '@request-target':
        return view.rawTarget;
      case '@path':
        return pathValue(target);
      case '@query':
        return queryValue(target);
      case '@query-param': {
        const name = param(c, 'name');
        if (typeof name !== 'string') throw new ComponentError('@query-param needs ;name', 'BAD_COMPONENT');
        // RFC 9421 §2.2.8: parse and decode the query as form-urlencoded, re-encode each name and
        // value, and match ;name against the re-encoded name (the identifier carries the encoded form).
        const matches = (query ?? '')
          .split('&')
          .filter((pair) => pair.length > 0)
          .map((pair) => {
            const eq = pair.indexOf('=');
            return eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
          })
          .map(([n, v]) => [formEncode(formDecode(n!)), formEncode(formDecode(v!))] as const)
          .filter(([n]) => n === name);
        // A repeated parameter is ambiguous: RFC 9421 §2.2.8 says it must not be signed this way.
        if (matches.length !== 1) throw new ComponentError(`@query-param ${name} appears ${matches.length} times`, 'MISSING_COMPONENT');
        return matches[0]![1];
      }
      default:
        throw new ComponentError(`derived component ${c.name}`, 'UNSUPPORTED_COMPONENT');
    }
  }

  if (c.name !== c.name.toLowerCase()) throw new ComponentError('field names must be lowercase', 'BAD_COMPONENT');
  const values = fieldValues(view, c.name);
  if (values.length === 0) throw new ComponentError(`header ${c.name} is absent`, 'MISSING_COMPONENT');
  // The usual case: a plain field with one line.
  if (c.params.length === 0 && values.length === 1) return values[0]!.trim();
  const sf = param(c, 'sf');
  const key = param(c, 'key');
  const bs = param(c, 'bs');
  for (const [k] of c.params) if (k !== 'sf' && k !== 'key' && k !== 'bs') throw new ComponentError(`parameter ;${k}`, 'UNSUPPORTED_COMPONENT');
  if (bs === true) {
    if (sf !== undefined || key !== undefined) throw new ComponentError(';bs with ;sf or ;key', 'BAD_COMPONENT');
    return values.map((v) => `:${base64Encode(utf8Encode(v.trim()))}:`).join(', ');
  }
  const combined = values.map((v) => v.trim()).join(', ');
  if (key !== undefined) {
    if (typeof key !== 'string') throw new ComponentError(';key must be a string', 'BAD_COMPONENT');
    try {
      const member = parseDictionary(combined).find(([k]) => k === key);
      if (!member) throw new ComponentError(`dictionary key ${key} absent`, 'MISSING_COMPONENT');
      return serializeMember(member[1]);
    } catch (err) {
      if (err instanceof StructuredFieldError) throw new ComponentError(`${c.name} is not a dictionary`, 'BAD_COMPONENT');
      throw err;
    }
  }
  if (sf === true) {
    try {
      return serializeDictionaryOrList(combined);
    } catch (err) {
      if (err instanceof StructuredFieldError) throw new ComponentError(`${c.name} is not a structured field`, 'BAD_COMPONENT');
      throw err;
    }
  }
  return combined;
}

/** `;sf` re-serialisation for dictionary-valued fields (the only kind Keyward signs with ;sf). */
function serializeDictionaryOrList(text: string): string {
  const d = parseDictionary(text);
  return d.map(([k, m]) => (!isInnerList(m) && m.value === true ? k + serializeParams(m.params) : `${k}=${serializeMember(m)}`)).join(', ');
}

/** Convenience for callers: a component id from a bare name. */
export function component(name: string, params: Parameters = []): ComponentId {
  return { name, params };
}

export type { Item, ByteSequence };
