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
  const lower = name.toLowerCase();
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
