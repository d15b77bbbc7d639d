import { isCanonicalBase64 } from '../base64.js';
import {
  ByteSequence,
  isKey,
  StructuredFieldError,
  isInnerList,
  parseDictionary,
  parseParametersAt,
  serializeInnerList,
  serializeParams,
  Token,
  type BareItem,
  type InnerList,
  type Member,
} from '../structured-fields.js';
import { ComponentError, componentValue, normalizeAuthority, pathValue, queryValue, serializeComponentId, splitTarget, type ComponentId, type SplitTarget } from './components.js';
import { readCommonParams, type SignatureParams } from './common-params.js';
import { fieldValues, type HttpMessageView } from './message.js';

/** One signature's metadata from `Signature-Input` (RFC 9421 §2.3). */
export interface SignatureInput {
  readonly label: string;
  readonly components: readonly ComponentId[];
  /** The components' serialised identifiers (`"@method"`, `"x";key="a"`), computed once. */
  readonly componentIds: readonly string[];
  readonly created?: number;
  readonly expires?: number;
  readonly nonce?: string;
  readonly alg?: string;
  readonly keyid?: string;
  readonly tag?: string;
  /** The inner list as parsed, re-serialised canonically for the `@signature-params` line. */
  readonly raw: InnerList;
}

export class SignatureHeaderError extends Error {
  override name = 'SignatureHeaderError';
}

/** Parses every member of `Signature-Input`. Duplicate labels, non-list members, bad parameter types are errors. */
export function parseSignatureInput(fieldValue: string): SignatureInput[] {
  const fast = knownHead(fieldValue);
  if (fast !== undefined) return [fast];
  const inputs = parseDictionary(fieldValue).map(([label, member]) => toInput(label, member));
  if (inputs.length === 1) rememberHead(fieldValue, inputs[0]!);
  return inputs;
}

/**
 * Signature-Input heads (`label=("@method" "@path" …)`) already parsed, by their exact text.
 * Every request a client signs repeats the same head and differs only in its parameters (created,
 * nonce …), so the items are parsed once and only the parameters per request. A head is stored
 * only when it is the canonical serialisation of what a full parse produced and the field's first
 * `)` closes it, so the same text parses to the same items again; bounded, so odd heads cannot
 * grow it (at worst it is cleared).
 */
const HEADS = new Map<string, { readonly label: string; readonly components: readonly ComponentId[]; readonly componentIds: readonly string[]; readonly items: InnerList['items'] }>();
const MAX_HEADS = 256;

/** The head that matched last: checked first, with no slice to cut and hash (one client, one head). */
let lastHead: { readonly text: string; readonly head: NonNullable<ReturnType<typeof HEADS.get>> } | undefined;

function knownHead(fieldValue: string): SignatureInput | undefined {
  const close = fieldValue.indexOf(')');
  if (close < 0) return undefined;
  let head;
  if (lastHead !== undefined && close === lastHead.text.length - 1 && fieldValue.startsWith(lastHead.text)) head = lastHead.head;
  else {
    const text = fieldValue.slice(0, close + 1);
    head = HEADS.get(text);
    if (head === undefined) return undefined;
    lastHead = { text, head };
  }
  const common = readCommonParams(fieldValue, close + 1);
  if (common !== undefined) {
    // Text the scanner accepts is canonical: the @signature-params line is the text as received.
    const raw: InnerList = { items: head.items, params: common.list, canonicalText: fieldValue.slice(head.label.length + 1) };
    return inputOf(head.label, head.components, head.componentIds, common, raw);
  }
  const rest = parseParametersAt(fieldValue, close + 1);
  // Anything after the parameters (another member, trailing space): the full parser decides.
  if (rest.end !== fieldValue.length) return undefined;
  const raw: InnerList = rest.canonical ? { items: head.items, params: rest.params, canonicalText: fieldValue.slice(head.label.length + 1) } : { items: head.items, params: rest.params };
  return withParams(head.label, head.components, head.componentIds, raw);
}

function rememberHead(fieldValue: string, input: SignatureInput): void {
  const head = `${input.label}=(${input.componentIds.join(' ')})`;
  if (!fieldValue.startsWith(head) || fieldValue.indexOf(')') !== head.length - 1 || HEADS.has(head)) return;
  if (HEADS.size >= MAX_HEADS) {
    HEADS.clear();
    lastHead = undefined;
  }
  HEADS.set(head, { label: input.label, components: input.components, componentIds: input.componentIds, items: input.raw.items });
  // Shared by every request with this head from now on: nobody may change them under the plan.
  Object.freeze(input.components);
  Object.freeze(input.componentIds);
  PLANS.set(input.componentIds, { components: input.components, steps: planOf(input.components, input.componentIds) });
}

function toInput(label: string, member: Member): SignatureInput {
  if (!isInnerList(member)) throw new SignatureHeaderError(`Signature-Input ${label} is not an inner list`);
  const components: ComponentId[] = [];
  const componentIds: string[] = [];
  for (const item of member.items) {
    if (typeof item.value !== 'string') throw new SignatureHeaderError('component identifiers are strings');
    const c = { name: item.value, params: item.params };
    const id = serializeComponentId(c);
    if (componentIds.includes(id)) throw new SignatureHeaderError('a component is listed twice');
    components.push(c);
    componentIds.push(id);
  }
  return withParams(label, components, componentIds, member);
}

/** The signature parameters' checks and values, the same for the full parse and the fast path. */
function withParams(label: string, components: readonly ComponentId[], componentIds: readonly string[], member: InnerList): SignatureInput {
  let created: number | undefined;
  let expires: number | undefined;
  let nonce: string | undefined;
  let alg: string | undefined;
  let keyid: string | undefined;
  let tag: string | undefined;
  for (const [k, v] of member.params) {
    switch (k) {
      case 'created':
      case 'expires':
        if (typeof v !== 'number' || !Number.isInteger(v)) throw new SignatureHeaderError(`${k} must be an integer`);
        if (k === 'created') created = v;
        else expires = v;
        break;
      case 'nonce':
      case 'alg':
      case 'keyid':
      case 'tag':
        if (typeof v !== 'string') throw new SignatureHeaderError(`${k} must be a string`);
        if (k === 'nonce') nonce = v;
        else if (k === 'alg') alg = v;
        else if (k === 'keyid') keyid = v;
        else tag = v;
        break;
      default:
      // RFC 9421 §2.3: unknown parameters are signed but ignored
    }
  }
  return inputOf(label, components, componentIds, { list: member.params, created, expires, nonce, alg, keyid, tag }, member);
}

/** One object shape for every input (absent parameters are `undefined`), so the hot path stays monomorphic. */
function inputOf(label: string, components: readonly ComponentId[], componentIds: readonly string[], p: SignatureParams, raw: InnerList): SignatureInput {
  return { label, components, componentIds, created: p.created, expires: p.expires, nonce: p.nonce, alg: p.alg, keyid: p.keyid, tag: p.tag, raw } as SignatureInput;
}

/** Parses `Signature`: label → signature bytes. Duplicate labels are errors. */
export function parseSignatureField(fieldValue: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [label, member] of parseDictionary(fieldValue)) out.set(label, byteSequence(label, member).bytes);
  return out;
}

/**
 * Parses `Signature`: label → the signature as its base64 text, exactly as received. The parser
 * decodes strictly (one spelling per byte string), so equal texts are equal signatures: an HMAC
 * verifier compares this text with the MAC's own base64 and never makes a buffer of the MAC.
 */
export function parseSignatureFieldText(fieldValue: string): Map<string, string> {
  const one = singleMember(fieldValue);
  if (one !== undefined) return one;
  const out = new Map<string, string>();
  // The parser records the text of every byte sequence it reads.
  for (const [label, member] of parseDictionary(fieldValue)) out.set(label, byteSequence(label, member).text!);
  return out;
}

/**
 * `Signature` in the shape signers send, one member `label=:base64:`, decided here without the
 * dictionary parser, by its rules: the label must be a key and the base64 canonical, or the field
 * is refused. Only other shapes (more members, parameters, a leading space) go to the general
 * parser; for this shape the two can only agree (`protocol/test/signature-field.test.ts`).
 */
function singleMember(fieldValue: string): Map<string, string> | undefined {
  const eq = fieldValue.indexOf('=');
  const last = fieldValue.length - 1;
  // `=` then `:`, a last `:` and none between: nothing follows the bytes, no second member.
  if (eq < 0 || fieldValue.charCodeAt(eq + 1) !== 58 /* : */ || fieldValue.indexOf(':', eq + 2) !== last || fieldValue.charCodeAt(0) === 32) return undefined;
  const label = fieldValue.slice(0, eq);
  if (!isKey(label)) throw new StructuredFieldError('a Signature label is not a key');
  const text = fieldValue.slice(eq + 2, last);
  if (!isCanonicalBase64(text)) throw new StructuredFieldError(`Signature ${label}: bad base64`);
  const out = new Map<string, string>();
  out.set(label, text);
  return out;
}

function byteSequence(label: string, member: Member): ByteSequence {
  if (isInnerList(member) || !(member.value instanceof ByteSequence)) throw new SignatureHeaderError(`Signature ${label} is not a byte sequence`);
  return member.value;
}

/** A built signature base, or why none can be built — a value, so the verifier needs no try/catch. */
export type SignatureBaseResult =
  | { readonly ok: true; readonly base: string }
  | { readonly ok: false; readonly reason: ComponentError['reason']; readonly message: string };

/**
 * RFC 9421 §2.5: a signature base holding non-ASCII characters is an error, for signer and verifier
 * alike. Node hands header bytes through as latin1, so a UTF-8 `é` arrives as two chars ≥ 0x80 and
 * would otherwise be signed under an encoding the two sides need not agree on.
 * Printable ASCII (%x20-7E) only; HTAB is allowed inside HTTP field values, because the base's ABNF
 * takes them as RFC 9110 `field-content`, which permits HTAB between visible characters (leading and
 * trailing whitespace is already trimmed, §2.1). Derived components and `@signature-params` get no HTAB.
 */
function isBaseText(value: string, allowTab: boolean): boolean {
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (ch >= 0x20 && ch <= 0x7e) continue;
    if (ch === 0x09 && allowTab) continue;
    return false;
  }
  return true;
}

/**
 * The signature base (RFC 9421 §2.5): one line per covered component, then `@signature-params`.
 * A component that cannot be produced, or any non-ASCII character, is a `{ ok: false }` value.
 */
export function buildSignatureBase(view: HttpMessageView, input: Pick<SignatureInput, 'components' | 'raw'> & { readonly componentIds?: readonly string[] }): SignatureBaseResult {
  const ids = input.componentIds;
  const known = ids === undefined ? undefined : PLANS.get(ids);
  // The plan is of the list it was made with; a caller pairing these ids with another list gets the general loop.
  const plan = known !== undefined && known.components === input.components ? known.steps : undefined;
  let base: string;
  if (plan !== undefined) {
    const lines = plannedLines(view, plan);
    if (typeof lines !== 'string') return lines;
    base = lines;
  } else {
    base = '';
    const target = splitTarget(view.rawTarget);
    for (let i = 0; i < input.components.length; i++) {
      const c = input.components[i]!;
      const value = valueOf(view, c, target);
      if (typeof value !== 'string') return value;
      const id = ids ? ids[i]! : serializeComponentId(c);
      if (!isBaseText(id, false) || !isBaseText(value, c.name.charCodeAt(0) !== 64 /* @ */)) return nonAsciiLine(id);
      base += `${id}: ${value}\n`;
    }
  }
  // As received when that text is already canonical (the parser checked); else re-serialised. The
  // inner list's items are exactly the component identifiers, already serialised.
  // A signer's parameter (say a keyid) with a non-ASCII string: the serialiser would throw, so look first.
  if (input.raw.canonicalText === undefined && !paramsAreAscii(input.raw)) return { ok: false, reason: 'NON_ASCII', message: 'a @signature-params parameter holds a character outside printable ASCII' };
  const canonical = input.raw.canonicalText;
  const params = canonical ?? (ids ? `(${ids.join(' ')})${serializeParams(input.raw.params)}` : serializeInnerList(input.raw));
  // The parser's canonical text needs no scan: it is text the parser accepted, whose grammar inside
  // an inner list (SP, sf-string, token, key, number, byte sequence) is printable ASCII only.
  if (canonical === undefined && !isBaseText(params, false)) return { ok: false, reason: 'NON_ASCII', message: '@signature-params holds a character outside printable ASCII' };
  return { ok: true, base: `${base}"@signature-params": ${params}` };
}

const nonAsciiLine = (id: string): SignatureBaseResult => ({ ok: false, reason: 'NON_ASCII', message: `${id} holds a character outside printable ASCII` });

/** A component's value, or the refusal its ComponentError carries (the base is a value, not an exception). */
function valueOf(view: HttpMessageView, c: ComponentId, target: SplitTarget): string | SignatureBaseResult {
  try {
    return componentValue(view, c, target);
  } catch (err) {
    if (err instanceof ComponentError) return { ok: false, reason: err.reason, message: err.message };
    throw err;
  }
}

/**
 * How each covered component's line is made, worked out once per remembered head (which shares
 * one component list across requests): the line's prefix `"id": ` (the parser's id, ASCII by the
 * grammar), and which of the usual components it is, so the base is built without the string
 * switch, the lowercase check of a field name and the id scan on every request. Anything not
 * listed (parameters, other derived components) is read by `componentValue` as before; the lines
 * are the same as the general loop's (`protocol/test/base-plan.test.ts`).
 */
interface PlanStep {
  readonly c: ComponentId;
  readonly id: string;
  /** `"id": `, with the newline ending the line before it (none on the first). */
  readonly prefix: string;
  readonly kind: number;
  /** HTAB is allowed in a field's value, never in a derived component's (as in the general loop). */
  readonly allowTab: boolean;
}
const METHOD = 0;
const AUTHORITY = 1;
const PATH = 2;
const QUERY = 3;
const FIELD = 4;
const OTHER = 5;
const KINDS = new Map<string, number>([['@method', METHOD], ['@authority', AUTHORITY], ['@path', PATH], ['@query', QUERY]]);

/**
 * The plans of the component lists the head cache keeps, by their id list: made once, when a head
 * is remembered (rememberHead), with both lists frozen, so a plan can never fall out of step with
 * its list. Any other list (a caller's own, a head not remembered) is built by the general loop.
 * Those ids are the parser's serialisation, printable ASCII by the grammar, one per component.
 */
const PLANS = new WeakMap<readonly string[], { readonly components: readonly ComponentId[]; readonly steps: readonly PlanStep[] }>();

function planOf(components: readonly ComponentId[], ids: readonly string[]): PlanStep[] {
  const steps: PlanStep[] = [];
  for (let i = 0; i < components.length; i++) {
    const c = components[i]!;
    const id = ids[i]!;
    let kind = OTHER;
    if (c.params.length === 0) kind = c.name.charCodeAt(0) === 64 /* @ */ ? (KINDS.get(c.name) ?? OTHER) : c.name === c.name.toLowerCase() ? FIELD : OTHER;
    steps.push({ c, id, prefix: i === 0 ? `${id}: ` : `\n${id}: `, kind, allowTab: c.name.charCodeAt(0) !== 64 /* @ */ });
  }
  return steps;
}

/** The component lines of the base (each ended by a newline), or the error the general loop gives. */
function plannedLines(view: HttpMessageView, steps: readonly PlanStep[]): string | SignatureBaseResult {
  let base = '';
  let target: SplitTarget | undefined;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    let value: string;
    switch (step.kind) {
      case METHOD:
        value = view.method;
        break;
      case AUTHORITY:
        value = normalizeAuthority(view.authority, view.scheme);
        break;
      case PATH:
        value = pathValue((target ??= splitTarget(view.rawTarget)));
        break;
      case QUERY:
        value = queryValue((target ??= splitTarget(view.rawTarget)));
        break;
      default: {
        const values = step.kind === FIELD ? fieldValues(view, step.c.name) : undefined;
        if (values !== undefined && values.length === 1) value = values[0]!.trim();
        else {
          const v = valueOf(view, step.c, (target ??= splitTarget(view.rawTarget)));
          if (typeof v !== 'string') return v;
          value = v;
        }
      }
    }
    if (!isBaseText(value, step.allowTab)) return nonAsciiLine(step.id);
    base = base + step.prefix + value;
  }
  return steps.length === 0 ? base : `${base}\n`;
}

function paramsAreAscii(list: InnerList): boolean {
  const text = (v: BareItem) => (typeof v === 'string' ? v : v instanceof Token ? v.value : '');
  const ok = (params: InnerList['params']) => params.every(([k, v]) => isBaseText(k, false) && isBaseText(text(v), false));
  return ok(list.params) && list.items.every((item) => isBaseText(text(item.value), false) && ok(item.params));
}

/** `buildSignatureBase` for callers that prefer an exception (the SDK signer): throws ComponentError. */
export function signatureBase(view: HttpMessageView, input: Pick<SignatureInput, 'components' | 'raw'> & { readonly componentIds?: readonly string[] }): string {
  const r = buildSignatureBase(view, input);
  if (!r.ok) throw new ComponentError(r.message, r.reason);
  return r.base;
}

/** Builds the inner list a signer puts in `Signature-Input`, with parameters in a fixed order. */
export function buildSignatureParams(
  components: readonly ComponentId[],
  params: { created?: number; expires?: number; nonce?: string; alg?: string; keyid?: string; tag?: string },
): InnerList {
  const p: [string, BareItem][] = [];
  if (params.created !== undefined) p.push(['created', params.created]);
  if (params.expires !== undefined) p.push(['expires', params.expires]);
  if (params.nonce !== undefined) p.push(['nonce', params.nonce]);
  if (params.alg !== undefined) p.push(['alg', params.alg]);
  if (params.keyid !== undefined) p.push(['keyid', params.keyid]);
  if (params.tag !== undefined) p.push(['tag', params.tag]);
  return { items: components.map((c) => ({ value: c.name, params: c.params })), params: p };
}

export { Token };
