/**
 * The message as RFC 9421 needs it: raw. Header lines keep their order and duplicates, and the
 * request target is the exact bytes on the request line — never a parsed-and-reserialised URL,
 * which would let two parties compute different bases for one request (RFC 9421 §1.4, §2.1).
 */
export interface HttpMessageView {
  readonly method: string;
  /** `https` or `http`: how the request reached the verifier (or will reach the server). */
  readonly scheme: string;
  /** Host header (or :authority) as sent. */
  readonly authority: string;
  /** The request-target as sent on the request line, e.g. `/foo?param=Value&Pet=dog`. */
  readonly rawTarget: string;
  /** Header lines as `[name, value]`, duplicates preserved, in order. */
  readonly headerLines: ReadonlyArray<readonly [string, string]>;
}

/** Builds a view from Node's `rawHeaders` array (`[name, value, name, value …]`). */
export function fromRawHeaders(
  method: string,
  scheme: string,
  rawTarget: string,
  rawHeaders: readonly string[],
): HttpMessageView {
  const headerLines: [string, string][] = [];
  let authority = '';
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    headerLines.push([rawHeaders[i]!, rawHeaders[i + 1]!]);
    if (authority === '' && rawHeaders[i]!.toLowerCase() === 'host') authority = rawHeaders[i + 1]!;
  }
  return { method, scheme, authority, rawTarget, headerLines };
}

/** All values of a field, by case-insensitive name, in order. */
export function fieldValues(view: HttpMessageView, name: string): string[] {
  // Callers almost always pass a lowercase literal; lowercasing it anyway costs a builtin call each time.
  const lower = isLowerAscii(name) ? name : name.toLowerCase();
  const lines = view.headerLines;
  // Counted first, so the array is made at its size: a pushed-to empty array reserves 17 slots, and
  // this runs for several fields of every signed request.
  let n = 0;
  for (let i = 0; i < lines.length; i++) if (isNamed(lines[i]![0], lower)) n++;
  const out = new Array<string>(n);
  if (n === 0) return out;
  for (let i = 0, j = 0; j < n; i++) if (isNamed(lines[i]![0], lower)) out[j++] = lines[i]![1];
  return out;
}

/** Node's rawHeaders keep the sender's case; most senders use lowercase (HTTP/2 requires it). */
function isNamed(n: string, lower: string): boolean {
  return n === lower || (n.length === lower.length && n.toLowerCase() === lower);
}

function isLowerAscii(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c > 127) return false;
  }
  return true;
}
