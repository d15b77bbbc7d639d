/**
 * The verification analytics answer (`GET /v1/analytics/verifications`, packages/server/src/
 * analytics/query.ts) turned into what the charts and tables draw. Pure: no fetch, no DOM.
 *
 * The API leaves empty buckets out (sparse); a chart needs every bucket, so `alignSeries` lays the
 * window out bucket by bucket with zeros where nothing happened, or a quiet minute would be drawn
 * as a line straight across it.
 */
export type Granularity = 'minute' | 'hour' | 'day';

export interface AnalyticsBucket {
  readonly start: string;
  readonly total: number;
  readonly valid: number;
  readonly outcomes: Readonly<Record<string, number>>;
}

export interface Analytics {
  readonly granularity: Granularity;
  readonly from: string;
  readonly to: string;
  readonly buckets: readonly AnalyticsBucket[];
}

const BUCKET_MS: Record<Granularity, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The most points a chart lays out (the API's own maximum per query is 5 000 buckets). */
const MAX_POINTS = 5_000;

/** One line of a chart: its label and a value per bucket. */
export interface Series {
  readonly label: string;
  readonly values: number[];
}

/** x: each bucket's start in seconds since the epoch (uPlot's unit); one series per line. */
export interface Aligned {
  readonly xs: number[];
  readonly series: Series[];
}

/** Every bucket of the answer's window, in order, and where each bucket start sits (shared with series-data.ts). */
export function slots(a: Pick<Analytics, 'granularity' | 'from' | 'to'>): { xs: number[]; index: Map<number, number> } {
  const size = BUCKET_MS[a.granularity];
  const from = Date.parse(a.from);
  const to = Date.parse(a.to);
  const xs: number[] = [];
  const index = new Map<number, number>();
  for (let t = from; t < to && xs.length < MAX_POINTS; t += size) {
    index.set(t, xs.length);
    xs.push(t / 1000);
  }
  return { xs, index };
}

/** The outcome codes of an answer, VALID first, then by how often they occurred. */
export function outcomeCodes(a: Analytics): string[] {
  const totals = reasonTotals(a, true);
  return totals.map((r) => r.code).sort((x, y) => (x === 'VALID' ? -1 : y === 'VALID' ? 1 : 0));
}

/** Requests per bucket split by outcome code: one series per code that occurred. */
export function seriesByOutcome(a: Analytics): Aligned {
  const { xs, index } = slots(a);
  const codes = outcomeCodes(a);
  const series = codes.map((label) => ({ label, values: xs.map(() => 0) }));
  for (const b of a.buckets) {
    const i = index.get(Date.parse(b.start));
    if (i === undefined) continue;
    codes.forEach((code, c) => (series[c]!.values[i] = b.outcomes[code] ?? 0));
  }
  return { xs, series };
}

/** Requests (every outcome) and rejections (every outcome but VALID) per bucket. */
export function requestsAndRejections(a: Analytics): Aligned {
  const { xs, index } = slots(a);
  const requests = xs.map(() => 0);
  const rejections = xs.map(() => 0);
  for (const b of a.buckets) {
    const i = index.get(Date.parse(b.start));
    if (i === undefined) continue;
    requests[i] = b.total;
    rejections[i] = b.total - b.valid;
  }
  return { xs, series: [{ label: 'requests', values: requests }, { label: 'rejections', values: rejections }] };
}

/** Totals per outcome code over the whole window, most frequent first; rejections only unless `includeValid`. */
export function reasonTotals(a: Analytics, includeValid = false): { code: string; count: number }[] {
  const sum = new Map<string, number>();
  for (const b of a.buckets) for (const [code, n] of Object.entries(b.outcomes)) if (includeValid || code !== 'VALID') sum.set(code, (sum.get(code) ?? 0) + n);
  return [...sum].map(([code, count]) => ({ code, count })).sort((x, y) => y.count - x.count || x.code.localeCompare(y.code));
}

export interface KeyUsage {
  readonly id: string;
  readonly name: string;
  readonly requests: number;
  readonly rejections: number;
}

/** The top-keys answer (`GET /v1/analytics/top-keys`): ranked by the server, one request. */
export interface TopKeys {
  readonly granularity: Granularity;
  readonly from: string;
  readonly to: string;
  readonly keys: readonly { keyId: string; name: string | null; environment: string | null; kind: string | null; start: string | null; total: number; valid: number; rejected: number }[];
}

/** The server's ranking as the table shows it, in the server's order: "name (environment)"; a key that is gone goes by its id. */
export function topKeyRows(answer: TopKeys): KeyUsage[] {
  return answer.keys.map((k) => ({ id: k.keyId, name: `${k.name ?? k.keyId}${k.environment ? ` (${k.environment})` : ''}`, requests: k.total, rejections: k.rejected }));
}

/** Plain words for the verify codes a chart legend and the reasons table show (docs/errors.md). */
const CODE_WORDS: Record<string, string> = {
  VALID: 'valid',
  INVALID_CREDENTIAL: 'invalid or revoked key',
  CREDENTIAL_EXPIRED: 'expired',
  CREDENTIAL_DISABLED: 'disabled',
  KIND_NOT_ALLOWED: 'kind not allowed',
  SUBJECT_REQUIRED: 'subject missing',
  SUBJECT_MISMATCH: 'wrong subject',
  INSUFFICIENT_SCOPES: 'missing scope',
  IP_NOT_ALLOWED: 'IP not allowed',
  CLIENT_CERT_MISMATCH: 'wrong client certificate',
  RATE_LIMITED: 'rate limited',
  USAGE_EXCEEDED: 'out of credits',
  KEY_IN_URL: 'key sent in a URL',
};

export function codeWords(code: string): string {
  return CODE_WORDS[code] ?? code.toLowerCase().replaceAll('_', ' ');
}
