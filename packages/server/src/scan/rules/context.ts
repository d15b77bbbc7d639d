/**
 * Context rules: what separates a leaked credential from the look-alikes that fill real code
 * (placeholders, documentation examples, test fixtures, hashes, UUIDs, variable references).
 * Each check is a pure function of the candidate secret, its line and its path.
 */

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Words that mark a value as a stand-in rather than a credential. */
const PLACEHOLDER = /x{4,}|X{4,}|\*{3,}|example|sample|dummy|placeholder|changeme|change_me|redacted|your[_-]?|insert|replace|fake|foobar|<[^>]*>|\$\{|\{\{|%\(|^\$[A-Z_]/i;

/** True when the secret itself reads like a placeholder or a documentation example. */
export function looksLikePlaceholder(secret: string): boolean {
  if (PLACEHOLDER.test(secret)) return true;
  // One character repeated, or a run such as 0123456789/abcdef: typed by hand, not generated.
  if (/^(.)\1+$/.test(secret)) return true;
  return /0123456789|abcdefgh|ABCDEFGH|1234567890/.test(secret);
}

const HEX_HASH = /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128}|[0-9A-F]{32}|[0-9A-F]{40}|[0-9A-F]{64})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HASH_CONTEXT = /sha\d*|md5|hash|digest|checksum|integrity|commit|etag|fingerprint|sri|revision|rev\b/i;

/** A hex digest or a UUID: identifiers, not credentials (unless the line names a secret). */
export function looksLikeIdentifier(secret: string, line: string): boolean {
  if (UUID.test(secret)) return true;
  if (HEX_HASH.test(secret) && HASH_CONTEXT.test(line)) return true;
  return /^sha(?:1|256|384|512)-[A-Za-z0-9+/]+=*$/.test(secret);
}

/** A reference to a secret held elsewhere: env lookups, template variables, vault paths. */
export function looksLikeReference(secret: string): boolean {
  return /^(?:process\.env|os\.environ|env\(|getenv|System\.getenv|ENV\[|\$\(|vault:|ssm:|secretsmanager:|arn:aws:)/i.test(secret) || /^[A-Z][A-Z0-9_]{3,}$/.test(secret);
}

/** Paths of tests, fixtures, mocks and docs examples: the generic rules stay quiet there. */
export function isTestPath(path: string): boolean {
  return /(?:^|[/\\!])(?:tests?|__tests__|spec|specs|fixtures?|__mocks__|mocks?|testdata|test-data|examples?)(?:[/\\]|$)|[._-](?:test|spec|mock|fixture|example)s?\.[a-z]+$/i.test(path);
}

/** A line that says it is an example or a test value ("e.g.", "example:", "for testing"). */
export function lineSaysExample(line: string): boolean {
  return /\bexample\b|\be\.g\.|\bfor testing\b|\bfake\b|\bdummy\b|\bplaceholder\b|\bsample\b|\bmock\b/i.test(line);
}
