import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/observability/metrics.js';

/** `name{labels} value` lines of a Prometheus text exposition, as a map. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('metrics', () => {
  it('request durations land in cumulative le buckets (inclusive bounds), with sum, count and +Inf', async () => {
    const m = new Metrics();
    for (const ms of [0.2, 0.5, 1, 3, 5, 40, 2500]) m.httpRequest('/v1/keys/verify', 'POST', 200, ms);
    m.httpRequest('/v1/keys/verify', 'POST', 400, 0.1);
    const s = samples(await m.registry.metrics());
    const bucket = (le: string) => s.get(`keyward_http_request_duration_seconds_bucket{route="/v1/keys/verify",method="POST",le="${le}"}`);
    expect(bucket('0.0005')).toBe(3); // 0.1, 0.2 and 0.5 ms (a bound is inclusive)
    expect(bucket('0.001')).toBe(4);
    expect(bucket('0.005')).toBe(6);
    expect(bucket('0.05')).toBe(7);
    expect(bucket('1')).toBe(7);
    expect(bucket('+Inf')).toBe(8);
    expect(s.get('keyward_http_request_duration_seconds_count{route="/v1/keys/verify",method="POST"}')).toBe(8);
    expect(s.get('keyward_http_request_duration_seconds_sum{route="/v1/keys/verify",method="POST"}')).toBeCloseTo(2.5498, 6);
    expect(s.get('keyward_http_requests_total{route="/v1/keys/verify",method="POST",status="200"}')).toBe(7);
    expect(s.get('keyward_http_requests_total{route="/v1/keys/verify",method="POST",status="400"}')).toBe(1);
  });

  it('counts accumulate across scrapes and none is lost between them', async () => {
    const m = new Metrics();
    m.verification('key', 'VALID', 'VALID');
    m.verification('key', 'INVALID_CREDENTIAL', 'REVOKED');
    m.httpRequest('/v1/apps', 'GET', 200, 1);
    const first = samples(await m.registry.metrics());
    expect(first.get('keyward_verifications_total{credential="key",code="INVALID_CREDENTIAL",reason="REVOKED"}')).toBe(1);
    m.verification('key', 'VALID', 'VALID');
    m.httpRequest('/v1/apps', 'GET', 200, 1);
    const second = samples(await m.registry.metrics());
    expect(second.get('keyward_verifications_total{credential="key",code="VALID",reason="VALID"}')).toBe(2);
    expect(second.get('keyward_http_requests_total{route="/v1/apps",method="GET",status="200"}')).toBe(2);
    expect(second.get('keyward_http_request_duration_seconds_count{route="/v1/apps",method="GET"}')).toBe(2);
  });
});

describe('metrics exposition', () => {
  it('passes promtool check metrics, with default metrics and build_info', async () => {
    const { execFileSync } = await import('node:child_process');
    const m = new Metrics({ defaultMetrics: true });
    m.verification('key', 'VALID', 'VALID');
    m.httpRequest('/v1/keys/verify', 'POST', 200, 1.5);
    m.keysSeenInUrls.inc();
    const text = await m.registry.metrics();
    expect(text).toMatch(/^keyward_build_info\{version="\d+\.\d+\.\d+",node="v\d+[^"]*"\} 1$/m);
    // scripts/install-system-deps.sh puts promtool (from Debian's prometheus package) on the PATH.
    const lint = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    expect(lint.trim()).toBe('');
  });
});
