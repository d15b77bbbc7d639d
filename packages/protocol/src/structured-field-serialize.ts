import { base64Encode } from './base64.js';
import { StructuredFieldError } from './structured-field-error.js';
import { Decimal, isInnerList, Token, type BareItem, type Dictionary, type InnerList, type Item, type Member, type Parameters } from './structured-field-types.js';

// ---- serialisation (RFC 8941 §4.1) ------------------------------------------------------------

/** sf-key (RFC 8941 §3.1.2); serialising anything else would emit a field no parser accepts. */
const KEY = /^[a-z*][a-z0-9_\-.*]*$/;
/** sf-token: ALPHA / "*", then tchar / ":" / "/" (RFC 8941 §3.3.4). */
const TOKEN = /^[A-Za-z*][!#$%&'*+\-.^_`|~:/A-Za-z0-9]*$/;

export function serializeKey(k: string): string {
  if (!KEY.test(k)) throw new StructuredFieldError('bad key');
  return k;
}

function serializeInteger(v: number): string {
  if (Math.abs(v) > 999_999_999_999_999) throw new StructuredFieldError('integer out of range');
  return String(v === 0 ? 0 : v);
}

/**
 * RFC 9651 §4.1.5: at most three fractional digits, rounded half to even, at most twelve integer
 * digits. Rounds the shortest decimal spelling of the double (what the caller wrote, `0.0025`), not
 * its binary expansion (0.00250000000000000005…), so ties are ties.
 */
export function serializeDecimal(v: number): string {
  if (!Number.isFinite(v)) throw new StructuredFieldError('decimal out of range');
  const text = String(Math.abs(v));
  if (text.includes('e')) {
    // Only tiny magnitudes (< 1e-6, which round to zero) or huge ones (out of range) are spelled with an exponent.
    if (Math.abs(v) >= 1) throw new StructuredFieldError('decimal out of range');
    return '0.0';
  }
  const dot = text.indexOf('.');
  let intPart = dot < 0 ? text : text.slice(0, dot);
  let frac = dot < 0 ? '' : text.slice(dot + 1);
  if (frac.length > 3) {
    const kept = frac.slice(0, 3);
    const rest = frac.slice(3);
    const lastOdd = (Number(kept[2]) & 1) === 1;
    const up = rest[0]! > '5' || (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) || lastOdd));
    // At most 12 + 3 digits: exact in a double's integer range.
    let scaled = Number(intPart + kept);
    if (up) scaled += 1;
    const digits = String(scaled).padStart(4, '0');
    intPart = digits.slice(0, -3);
    frac = digits.slice(-3);
  }
  if (intPart.length > 12) throw new StructuredFieldError('decimal out of range');
  frac = frac.replace(/0+$/, '');
  const sign = v < 0 && (intPart !== '0' || frac !== '') ? '-' : '';
  return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
}

export function serializeBareItem(v: BareItem): string {
  if (typeof v === 'boolean') return v ? '?1' : '?0';
  if (typeof v === 'number') return Number.isInteger(v) ? serializeInteger(v) : serializeDecimal(v);
  if (typeof v === 'string') {
    let needsEscape = false;
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c < 0x20 || c > 0x7e) throw new StructuredFieldError('string with non-printable characters');
      if (c === 34 || c === 92) needsEscape = true;
    }
    return needsEscape ? `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"` : `"${v}"`;
  }
  if (v instanceof Token) {
    if (!TOKEN.test(v.value)) throw new StructuredFieldError('bad token');
    return v.value;
  }
  if (v instanceof Decimal) return serializeDecimal(v.value);
  return `:${base64Encode(v.bytes)}:`;
}

export function serializeParams(params: Parameters): string {
  return params.map(([k, v]) => (v === true ? `;${serializeKey(k)}` : `;${serializeKey(k)}=${serializeBareItem(v)}`)).join('');
}

export function serializeItem(item: Item): string {
  return serializeBareItem(item.value) + serializeParams(item.params);
}

export function serializeInnerList(list: InnerList): string {
  return `(${list.items.map(serializeItem).join(' ')})${serializeParams(list.params)}`;
}

export function serializeMember(m: Member): string {
  return isInnerList(m) ? serializeInnerList(m) : serializeItem(m);
}

export function serializeDictionary(d: Dictionary): string {
  return d.map(([k, m]) => (!isInnerList(m) && m.value === true ? serializeKey(k) + serializeParams(m.params) : `${serializeKey(k)}=${serializeMember(m)}`)).join(', ');
}

export function serializeList(list: readonly Member[]): string {
  return list.map(serializeMember).join(', ');
}
