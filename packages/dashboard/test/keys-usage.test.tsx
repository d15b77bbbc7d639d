import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ApiError, fieldOf, plainWords, serverFieldErrors } from '../src/api.js';
import { reasonTotals, requestsAndRejections, seriesByOutcome, topKeyRows, type Analytics } from '../src/chart-data.js';
import { UsageChart } from '../src/chart/UsageChart.js';
import { keyStatus, matchesStatus, needsRevoked, STATUS_FILTERS } from '../src/key-status.js';
import { KeyEdit } from '../src/pages/KeyEdit.js';
import { returnPathOf, safeReturnPath, signInRoute } from '../src/return-path.js';
import type { KeyDetail } from '../src/types.js';
import { validateKeySettings } from '../../server/src/keys/validate.js';
import { changedOnly, checkSubject, isCidrOrIp, parseGraceSeconds, parseKeyCreate, parseKeyEdit, parseMeta, parseReason, parseAppName, type KeyEditFields } from '../src/validate.js';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const EDIT: KeyEditFields = { kind: 'secret', scopes: 'users:read, users:write', expiresAt: '', meta: '', ipAllowList: '', rateEnabled: false, rate: '', windowSeconds: '', burst: '', creditsEnabled: false, creditsAmount: '', refill: 'none', refillSeconds: '' };

describe('form validation (validate.ts)', () => {
  it('a valid edit becomes the PATCH body; credits are sent only when they were changed', () => {
    const ok = parseKeyEdit({ ...EDIT, expiresAt: '2027-01-01T10:30Z', meta: '{"team":"payments"}', ipAllowList: '203.0.113.0/24\n2001:db8::/32, 198.51.100.7', rateEnabled: true, rate: '100', windowSeconds: '60', burst: '20', creditsEnabled: true, creditsAmount: '500', refill: 'interval', refillSeconds: '3600' }, NOW, true);
    expect(ok.errors).toBeUndefined();
    expect(ok.value).toEqual({
      scopes: ['users:read', 'users:write'],
      expiresAt: '2027-01-01T10:30:00.000Z',
      meta: { team: 'payments' },
      ipAllowList: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7'],
      ratelimit: { rate: 100, windowSeconds: 60, burst: 20 },
      credits: { amount: 500, refill: { intervalSeconds: 3600 } },
    });
    const untouched = parseKeyEdit({ ...EDIT, creditsEnabled: true, creditsAmount: '500', refill: 'daily' }, NOW, false);
    expect(untouched.value).not.toHaveProperty('credits');
    expect(parseKeyEdit(EDIT, NOW, true).value).toMatchObject({ ratelimit: null, credits: null, expiresAt: null, meta: {}, ipAllowList: [] });
  });

  it('every bad field is named at once, and nothing is sent', () => {
    const bad = parseKeyEdit({ ...EDIT, scopes: 'Users:Read', expiresAt: '2026-12-01T00:00Z', meta: '{"a": ', ipAllowList: '10.0.0.0/33', rateEnabled: true, rate: '0', windowSeconds: 'x', burst: '1.5', creditsEnabled: true, creditsAmount: '-1', refill: 'interval', refillSeconds: '59' }, NOW, true);
    expect(bad.value).toBeUndefined();
    expect(Object.keys(bad.errors!).sort()).toEqual(['burst', 'creditsAmount', 'expiresAt', 'ipAllowList', 'meta', 'rate', 'refillSeconds', 'scopes', 'windowSeconds'].sort());
    expect(bad.errors!.ipAllowList).toContain('10.0.0.0/33');
  });

  it('only what differs from the key is sent, so the audit record names what really changed', () => {
    const now = { scopes: ['a:read'], expiresAt: '2027-01-01T10:30:15.000Z', meta: { x: 1, y: [1, 2] }, ipAllowList: ['10.0.0.0/8'], ratelimit: null };
    const same = { scopes: ['a:read'], expiresAt: '2027-01-01T10:30:00.000Z', meta: { y: [1, 2], x: 1 }, ipAllowList: ['10.0.0.0/8'], ratelimit: null };
    expect(changedOnly(same, now)).toEqual({});
    expect(changedOnly({ ...same, expiresAt: null, ipAllowList: [], ratelimit: { rate: 1, windowSeconds: 1, burst: 1 }, credits: null }, now)).toEqual({ expiresAt: null, ipAllowList: [], ratelimit: { rate: 1, windowSeconds: 1, burst: 1 }, credits: null });
    expect(changedOnly({ ...same, meta: { x: 2, y: [1, 2] }, scopes: ['a:read', 'b:read'] }, now)).toEqual({ meta: { x: 2, y: [1, 2] }, scopes: ['a:read', 'b:read'] });
  });

  it('metadata must be a JSON object within 4 KiB and 16 levels', () => {
    expect(parseMeta('').value).toEqual({});
    expect(parseMeta('[1,2]').errors?.meta).toMatch(/object/);
    expect(parseMeta('"x"').errors?.meta).toMatch(/object/);
    expect(parseMeta('{bad json}').errors?.meta).toMatch(/JSON/);
    expect(parseMeta(JSON.stringify({ big: 'x'.repeat(4100) })).errors?.meta).toMatch(/4096 bytes/);
    let deep: unknown = 1;
    for (let i = 0; i < 17; i++) deep = { d: deep };
    expect(parseMeta(JSON.stringify(deep)).errors?.meta).toMatch(/16 levels/);
    expect(parseMeta('{"ok": {"nested": [1, 2]}}').value).toEqual({ ok: { nested: [1, 2] } });
  });

  it('IP allow-list entries are IPv4/IPv6 addresses or CIDR ranges, as the server accepts them', () => {
    for (const ok of ['10.0.0.1', '10.0.0.0/8', '0.0.0.0/0', '2001:db8::/32', '::1', '::', '::ffff:192.0.2.1', 'fe80::1%eth0', '2001:db8:0:0:0:0:0:1/128']) expect(isCidrOrIp(ok), ok).toBe(true);
    for (const bad of ['10.0.0.256', '10.0.0', '10.0.0.0/33', '10.0.0.0/', '01.2.3.4', '2001:db8::/129', '1::2::3', '2001:db8:0:0:0:0:0:0:1', 'gggg::1', 'localhost', '10.0.0.0/8/8', '']) expect(isCidrOrIp(bad), bad).toBe(false);
  });

  it('the existing forms: app name, key create, grace period, revoke reason', () => {
    expect(parseAppName('  ').errors?.appName).toBeDefined();
    expect(parseAppName('x'.repeat(129)).errors?.appName).toMatch(/128/);
    expect(parseAppName(' My app ').value).toBe('My app');
    expect(parseKeyCreate({ kind: 'restricted', name: 'etl', scopes: '', subject: '' }).errors?.newScopes).toMatch(/at least one scope/);
    expect(parseKeyCreate({ kind: 'export', name: 'etl', scopes: 'users:write', subject: '' }).errors?.newScopes).toMatch(/read-only/);
    expect(parseKeyCreate({ kind: 'secret', name: '', scopes: 'no spaces allowed', subject: '' }).errors).toEqual({ newName: expect.any(String), newScopes: expect.stringContaining('no spaces allowed') });
    expect(parseKeyCreate({ kind: 'publishable', name: 'iOS', scopes: 'profile:read,', subject: '' }).value).toEqual({ kind: 'publishable', name: 'iOS', scopes: ['profile:read'] });
    expect(parseGraceSeconds('').errors?.grace).toBeDefined();
    expect(parseGraceSeconds('-5').errors?.grace).toBeDefined();
    expect(parseGraceSeconds('7776001').errors?.grace).toMatch(/90 days/);
    expect(parseGraceSeconds('0').value).toBe(0);
    expect(parseReason('   ').errors?.reason).toBeDefined();
    expect(parseReason('y'.repeat(513)).errors?.reason).toMatch(/512/);
    expect(parseReason(' teammate left ').value).toBe('teammate left');
  });
});

describe('the subject of a new key', () => {
  it('is required for device keys only, and sent trimmed; empty sends none', () => {
    expect(parseKeyCreate({ kind: 'device', name: 'd', scopes: '', subject: '  ' }).errors).toEqual({ newSubject: expect.stringMatching(/device/) });
    expect(parseKeyCreate({ kind: 'device', name: 'd', scopes: '', subject: ' ins_42 ' }).value).toEqual({ kind: 'device', name: 'd', subject: 'ins_42' });
    expect(parseKeyCreate({ kind: 'publishable', name: 'iOS', scopes: '', subject: 'user_42' }).value).toEqual({ kind: 'publishable', name: 'iOS', subject: 'user_42' });
    for (const kind of ['publishable', 'secret', 'restricted']) expect(parseKeyCreate({ kind, name: 'k', scopes: 'a:read', subject: '' }).value, kind).not.toHaveProperty('subject');
    expect(parseKeyCreate({ kind: 'publishable', name: 'iOS', scopes: '', subject: 'u'.repeat(257) }).errors?.newSubject).toMatch(/256/);
  });

  it("accepts exactly the subjects the server's own check accepts (keys/validate.ts), for each kind", () => {
    const samples = ['', '   ', 'u1', ' u1 ', 'user@example.com', 'x'.repeat(256), 'x'.repeat(257), '😀'.repeat(128), '😀'.repeat(129)];
    for (const kind of ['publishable', 'device', 'secret']) {
      for (const text of samples) {
        // What the form sends for this text: the trimmed subject, or nothing.
        const sent = text.trim() || undefined;
        let serverOk = true;
        try {
          validateKeySettings({ kind: kind as 'publishable', name: 'k', ...(sent !== undefined ? { subject: sent } : {}) }, NOW, 'create');
        } catch {
          serverOk = false;
        }
        expect(checkSubject(text, kind) === undefined, `${kind} ${JSON.stringify(text.slice(0, 12))}…(${text.length})`).toBe(serverOk);
      }
    }
  });
});

describe("the server's problem+json in plain words", () => {
  it('field pointers read as the form names them, and go to the field they belong to', () => {
    expect(fieldOf('/body/ipAllowList/2').label).toBe('IP allow-list, entry 3');
    expect(fieldOf('/body/credits/amount')).toEqual({ field: 'credits', label: 'Credits (amount)' });
    const err = new ApiError({ code: 'VALIDATION_FAILED', title: 'x', status: 400, detail: 'developer text', errors: [{ pointer: '/body/ipAllowList/0', message: 'must be an IPv4/IPv6 address or CIDR' }] });
    expect(plainWords(err)).toBe('Some fields are not valid. IP allow-list, entry 1: must be an IPv4/IPv6 address or CIDR.');
    expect(serverFieldErrors(err)).toEqual({ ipAllowList: 'must be an IPv4/IPv6 address or CIDR' });
  });

  it("the words come from the code: the server's message text never replaces them", () => {
    expect(plainWords(new ApiError({ code: 'CONFLICT', title: 'Version conflict', status: 409 }))).toBe('Someone changed this at the same time. Reload and try again.');
    // One code, several causes: the server's detail follows the words as context, never instead of them.
    expect(plainWords(new ApiError({ code: 'CONFLICT', title: 'Version conflict', status: 409, detail: 'a revoked key cannot be changed; reissue it' }))).toBe('Someone changed this at the same time. Reload and try again. (The server says: a revoked key cannot be changed; reissue it.)');
    expect(plainWords(new ApiError({ code: 'AUDIT_UNAVAILABLE', title: 't', status: 503 }))).toMatch(/^The change was not made/);
  });
});

describe('the return path after signing in again (return-path.ts)', () => {
  it('keeps routes of this dashboard and turns anything else into the home page', () => {
    for (const ok of ['/audit', '/apps/app_0123456789abcdefghijkl', '/keys/key_0123456789abcdefghijkl', '/apps/app_x/usage', '/security']) expect(safeReturnPath(ok)).toBe(ok);
    for (const bad of ['https://evil.example/', '//evil.example', '/\\evil.example', 'javascript:alert(1)', '/apps/../../x', 'audit', '/sign-in', '/sign-in?return=/audit', '/a b', '/x'.repeat(200), '', null, undefined]) expect(safeReturnPath(bad as string)).toBe('/');
  });

  it('round-trips through the sign-in route, encoded, and only the route travels', () => {
    expect(signInRoute('/keys/key_0123456789abcdefghijkl')).toBe('/sign-in?return=%2Fkeys%2Fkey_0123456789abcdefghijkl');
    expect(returnPathOf(signInRoute('/audit'))).toBe('/audit');
    expect(signInRoute('/')).toBe('/sign-in');
    expect(returnPathOf('/sign-in?return=%2F%2Fevil.example')).toBe('/');
    expect(returnPathOf('/audit')).toBe('/');
  });
});

const ANSWER: Analytics = {
  granularity: 'minute',
  from: '2026-12-02T11:00:00.000Z',
  to: '2026-12-02T11:05:00.000Z',
  buckets: [
    { start: '2026-12-02T11:01:00.000Z', total: 5, valid: 3, outcomes: { VALID: 3, INSUFFICIENT_SCOPES: 2 } },
    { start: '2026-12-02T11:03:00.000Z', total: 4, valid: 1, outcomes: { VALID: 1, INSUFFICIENT_SCOPES: 1, RATE_LIMITED: 2 } },
  ],
};

describe('chart data (chart-data.ts)', () => {
  it('lays the sparse answer out minute by minute, one series per outcome code, VALID first', () => {
    const a = seriesByOutcome(ANSWER);
    expect(a.xs).toEqual([0, 1, 2, 3, 4].map((m) => Date.parse(`2026-12-02T11:0${m}:00Z`) / 1000));
    expect(a.series.map((s) => s.label)).toEqual(['VALID', 'INSUFFICIENT_SCOPES', 'RATE_LIMITED']);
    expect(a.series[0]!.values).toEqual([0, 3, 0, 1, 0]);
    expect(a.series[2]!.values).toEqual([0, 0, 0, 2, 0]);
    expect(requestsAndRejections(ANSWER).series).toEqual([
      { label: 'requests', values: [0, 5, 0, 4, 0] },
      { label: 'rejections', values: [0, 2, 0, 3, 0] },
    ]);
  });

  it('rejection reasons and top keys are ranked by count', () => {
    expect(reasonTotals(ANSWER)).toEqual([
      { code: 'INSUFFICIENT_SCOPES', count: 3 },
      { code: 'RATE_LIMITED', count: 2 },
    ]);
    // Top keys come ranked from the server (one request); the table keeps its order and names each key with its environment.
    const top = topKeyRows({
      granularity: 'minute', from: ANSWER.from, to: ANSWER.to,
      keys: [
        { keyId: 'key_b', name: 'b', environment: 'live', kind: 'secret', start: 'kw_sk_live_ab', total: 9, valid: 4, rejected: 5 },
        { keyId: 'key_gone', name: null, environment: null, kind: null, start: null, total: 4, valid: 1, rejected: 3 },
      ],
    });
    expect(top).toEqual([
      { id: 'key_b', name: 'b (live)', requests: 9, rejections: 5 },
      { id: 'key_gone', name: 'key_gone', requests: 4, rejections: 3 },
    ]);
  });

  it('the chart renders its figures as a table too, and says when the window is empty', () => {
    const html = renderToStaticMarkup(<UsageChart id="c" title="Requests" data={seriesByOutcome(ANSWER)} />);
    expect(html).toContain('data-points="9"');
    expect(html).toContain('<th scope="col">missing scope</th>');
    expect((html.match(/<tr>/g) ?? []).length).toBe(3); // the header and the two minutes with traffic
    expect(renderToStaticMarkup(<UsageChart id="c" title="Requests" data={seriesByOutcome({ ...ANSWER, buckets: [] })} />)).toContain('No verifications in this window.');
  });
});

const KEY: KeyDetail = {
  id: 'key_0123456789abcdefghijkl', appId: 'app_0123456789abcdefghijkl', environment: 'live', kind: 'secret', name: 'backend', start: 'kw_sk_live_ab', scopes: ['users:read'], enabled: true, revokedAt: null, revokedReason: null,
  expiresAt: null, lastUsedAt: null, usageCount: 0, createdAt: '2026-12-01T00:00:00Z', subject: null, meta: { team: 'payments' }, ipAllowList: ['10.0.0.0/8'],
  ratelimit: { rate: 100, windowSeconds: 60, burst: 20 }, credits: { amount: 500, refill: 'daily', remaining: 499 }, exposedAt: null, identityId: null, updatedAt: '2026-12-01T00:00:00Z', version: 1,
};

describe('the key edit form', () => {
  it('starts from the key: every setting in a labelled field', () => {
    const html = renderToStaticMarkup(<KeyEdit keyRecord={KEY} onSaved={() => {}} />);
    for (const id of ['scopes', 'expiresAt', 'meta', 'ipAllowList', 'rate', 'windowSeconds', 'burst', 'creditsAmount', 'refill']) expect(html).toContain(`<label for="edit-${id}">`);
    expect(html).toContain('value="users:read"');
    expect(html).toContain('10.0.0.0/8</textarea>');
    expect(html).toContain('&quot;team&quot;: &quot;payments&quot;');
    expect(html).toMatch(/<option value="daily" selected="">/);
  });
});

describe("a key's rate limit now, in words", () => {
  it('says how many calls are left and when the bucket is full again, or that it is full', async () => {
    const { limitNowWords } = await import('../src/pages/KeyPage.js');
    const now = Date.UTC(2026, 5, 1, 12);
    expect(limitNowWords({ remaining: 3, fullAt: new Date(now + 24_000).toISOString() }, 5, now)).toMatch(/^3 of 5 left now, full again at /);
    expect(limitNowWords({ remaining: 5, fullAt: new Date(now).toISOString() }, 5, now)).toBe('5 of 5 left now (full)');
  });
});

describe('key status in words (key-status.ts)', () => {
  const live = { revokedAt: null, revokedReason: null, enabled: true, expiresAt: null };
  it('an expiry reached reads "expired", not "active"; revoked and disabled come first, as verification refuses them first', () => {
    expect(keyStatus(live, NOW)).toBe('active');
    expect(keyStatus({ ...live, expiresAt: new Date(NOW + 1).toISOString() }, NOW)).toBe('active');
    expect(keyStatus({ ...live, expiresAt: new Date(NOW).toISOString() }, NOW)).toBe('expired');
    const expired = { ...live, expiresAt: new Date(NOW - 60_000).toISOString() };
    expect(keyStatus({ ...expired, enabled: false }, NOW)).toBe('disabled');
    expect(keyStatus({ ...expired, enabled: false, revokedAt: new Date(NOW - 1).toISOString(), revokedReason: 'leaked' }, NOW)).toBe('revoked (leaked)');
  });
});

describe('the key list status filter (key-status.ts)', () => {
  const base = { revokedAt: null, revokedReason: null, enabled: true, expiresAt: null };
  const keys = {
    active: base,
    disabled: { ...base, enabled: false },
    expired: { ...base, expiresAt: new Date(NOW - 1).toISOString() },
    revoked: { ...base, revokedAt: new Date(NOW - 1).toISOString(), revokedReason: 'leaked' },
  };
  const shown = (filter: Parameters<typeof matchesStatus>[1]) => Object.entries(keys).filter(([, k]) => matchesStatus(k, filter, NOW)).map(([name]) => name);

  it('each status shows only its own keys; "not revoked" shows what the server lists by default', () => {
    expect(shown('active')).toEqual(['active']);
    expect(shown('disabled')).toEqual(['disabled']);
    expect(shown('expired')).toEqual(['expired']);
    expect(shown('revoked')).toEqual(['revoked']);
    expect(shown('unrevoked')).toEqual(['active', 'disabled', 'expired']);
    expect(shown('all')).toEqual(['active', 'disabled', 'expired', 'revoked']);
  });

  it('asks the server for revoked keys only where the filter can show them', () => {
    expect(STATUS_FILTERS.filter(([f]) => needsRevoked(f)).map(([f]) => f)).toEqual(['revoked', 'all']);
  });
});
