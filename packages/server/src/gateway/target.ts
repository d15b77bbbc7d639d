/**
 * Path canonicality, checked before the access map sees a path.
 *
 * Why refuse rather than normalize: the gateway forwards the request target byte for byte, so the
 * path the map matched is exactly the path the upstream receives. Any form that some upstream
 * would resolve to a different path than the map matched (Tomcat/Spring/Jetty drop `;params`
 * and then resolve `..`; IIS and some frameworks read `\` as `/`; a second decoding turns
 * `%252e` into `.`) is a path-confusion attempt, not something real clients send — fetch, OkHttp
 * and URLSession already resolve dot segments before sending. Refusing keeps one rule for every
 * upstream instead of guessing which one is behind the gateway.
 *
 * Refused (each segment checked raw and after each of up to three percent-decodings):
 *  - `;` anywhere in a segment (path parameters: `..;`, `..%3b`, `%2e%2e;`, `x;jsessionid=…`);
 *  - dot segments `.` and `..` (`%2e`, `%2E%2e`, `%252e%252e` …);
 *  - encoded slashes (`%2f`, `%252f`), backslashes raw or encoded (`\`, `%5c`), NUL (`%00`);
 *  - empty segments inside the path (`//`), which many routers collapse;
 *  - malformed percent-escapes (`%zz`, `%e2%28`), and escapes of the characters above still
 *    encoded after three decodings.
 * A single trailing slash is left to the access map (its patterns never match one).
 */
export type PathProblem = 'path_parameter' | 'dot_segment' | 'encoded_slash' | 'backslash' | 'nul' | 'empty_segment' | 'bad_escape' | 'nested_escape' | 'not_absolute';

/** Characters whose absence proves a path is canonical without splitting it (the common case). */
const SUSPECT = /[%;\\\0]|\/\/|\/\./;
const MAX_DECODINGS = 3;

export function pathProblem(path: string): PathProblem | undefined {
  if (!path.startsWith('/')) return 'not_absolute';
  if (!SUSPECT.test(path)) return undefined;
  const segments = path.slice(1).split('/');
  for (let i = 0; i < segments.length; i++) {
    const raw = segments[i]!;
    if (raw === '') {
      if (i === segments.length - 1) continue; // trailing slash (or the root path)
      return 'empty_segment';
    }
    const problem = segmentProblem(raw);
    if (problem) return problem;
  }
  return undefined;
}

function segmentProblem(raw: string): PathProblem | undefined {
  let seg = raw;
  for (let level = 0; ; level++) {
    if (seg.includes(';')) return 'path_parameter';
    if (seg.includes('\\')) return 'backslash';
    if (seg.includes('\0')) return 'nul';
    if (level > 0 && seg.includes('/')) return 'encoded_slash';
    if (seg === '.' || seg === '..') return 'dot_segment';
    if (!seg.includes('%')) return undefined;
    if (level === MAX_DECODINGS) return /%(?:2e|2f|3b|5c|00|25)/i.test(seg) ? 'nested_escape' : undefined;
    try {
      seg = decodeURIComponent(seg);
    } catch {
      // The request's own escapes must be well formed; a `%` that only appears after decoding
      // (`%25zz`, a literal percent sign) is data.
      return level === 0 ? 'bad_escape' : undefined;
    }
  }
}
