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
  let out: string[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const n = lines[i]![0];
    // Length first: most lines are other fields, and this skips a string comparison for each.
    // Node's rawHeaders keep the sender's case; most senders use lowercase (HTTP/2 requires it).
    if (n.length !== lower.length || (n !== lower && n.toLowerCase() !== lower)) continue;
    // A literal holds exactly the one value (a pushed-to empty array would reserve 17 slots).
    if (out === undefined) out = [lines[i]![1]];
    else out.push(lines[i]![1]);
  }
  return out ?? [];
}

function isLowerAscii(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c > 127) return false;
  }
  return true;
}
