import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { isOriginEntry } from '../../server/src/lib/origin.js';
import { setAppEnv, appEnv } from '../src/app-env.js';
import { AppHeader, EnvSwitch } from '../src/components/AppHeader.js';
import { Confirm } from '../src/components/Confirm.js';
import { Field } from '../src/components/Field.js';
import { ExplainResult, limitsOf, requirements } from '../src/ops/AccessMap.js';
import { outcomesFrom } from '../src/ops/AppAttestation.js';
import { webhookUrlError } from '../src/ops/AppWebhooks.js';
import { explainBody, type ExplainFields } from '../src/ops/explain-form.js';
import { counterSamples } from '../src/ops/metrics.js';
import { afterRefusal, DeleteApp, deletePath, namesApp } from '../src/ops/DeleteApp.js';
import { ApiError } from '../src/api.js';
import { revokeTokenErrors } from '../src/ops/RevokeToken.js';
import { opsPage } from '../src/ops/routes.js';
import { isOrigin, settingsBody, type SettingsFields } from '../src/ops/settings-form.js';
import { signingKeyStatus } from '../src/ops/SigningKeys.js';
import type { MapResource, SigningKeyRow } from '../src/ops/types.js';

const APP = 'app_0123456789abcdefghijkl';

describe('settings form validation', () => {
  const fields: SettingsFields = { name: 'Demo', corsOrigins: '', anomalyActions: {}, leakAction: 'auto', revokeKeysSeenInUrls: false, defaultRotationGraceSeconds: '0', maxTokenTtlSeconds: '3600' };

  it('accepts origins the server accepts and refuses the ones it refuses (the same rule as lib/origin.ts)', () => {
    const samples = ['*', 'https://app.example.com', 'http://localhost:5173', 'https://[::1]:8443', 'https://app.example.com/', 'HTTPS://APP.EXAMPLE.COM', 'app.example.com', 'https://app.example.com/path', 'ftp://x.example', 'https://-bad.example', `https://${'a'.repeat(250)}.com`, 'https://app.example.com:99999x'];
    for (const s of samples) expect(isOrigin(s), s).toBe(isOriginEntry(s));
  });

  it('names each bad field and sends nothing; a good form becomes one PATCH body', () => {
    const bad = settingsBody({ ...fields, name: ' ', corsOrigins: 'https://ok.example\nhttps://app.example.com/', defaultRotationGraceSeconds: '-5', maxTokenTtlSeconds: '86401', anomalyActions: { traffic_spike: 'explode' } });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(Object.keys(bad.errors).sort()).toEqual(['anomalyActions', 'corsOrigins', 'defaultRotationGraceSeconds', 'maxTokenTtlSeconds', 'name']);
    expect(bad.errors.corsOrigins).toContain('https://app.example.com/');
    expect(bad.errors.corsOrigins).not.toContain('https://ok.example,');

    const good = settingsBody({ ...fields, corsOrigins: ' https://a.example \n\nhttps://a.example\nhttp://localhost:3000', anomalyActions: { traffic_spike: 'suspend', not_a_rule: 'alert' }, leakAction: 'flag', revokeKeysSeenInUrls: true, defaultRotationGraceSeconds: '600' });
    expect(good).toEqual({
      ok: true,
      body: { name: 'Demo', settings: { corsOrigins: ['https://a.example', 'http://localhost:3000'], anomalyActions: { traffic_spike: 'suspend' }, leakAction: 'flag', revokeKeysSeenInUrls: true, defaultRotationGraceSeconds: 600, maxTokenTtlSeconds: 3600 } },
    });
  });
});

describe('explain form', () => {
  const fields: ExplainFields = { by: 'keyId', keyId: 'key_0123456789abcdefghijkl', credential: 'kw_pk_live_secret', method: 'GET', path: '/reports/1', subject: '', appVersion: '', assumeSigned: false, assumeAttested: false };

  it('sends a key id or the credential, never both, and only in the body', () => {
    const byId = explainBody(fields);
    expect(byId).toEqual({ ok: true, body: { keyId: fields.keyId, method: 'GET', path: '/reports/1' } });
    const byKey = explainBody({ ...fields, by: 'credential', subject: ' u1 ', assumeSigned: true });
    expect(byKey).toEqual({ ok: true, body: { credential: 'kw_pk_live_secret', method: 'GET', path: '/reports/1', subject: 'u1', assumeSigned: true } });
  });

  it('names the field to fix', () => {
    const r = explainBody({ ...fields, keyId: 'key_short', path: 'reports' });
    expect(r.ok ? {} : r.errors).toEqual({ keyId: expect.stringMatching(/key_/), path: expect.stringMatching(/starts with \//) });
    const empty = explainBody({ ...fields, by: 'credential', credential: '  ' });
    expect(empty.ok ? {} : Object.keys(empty.errors)).toEqual(['credential']);
  });

  it('renders the verdict with each step marked for screen readers, and the conditions', () => {
    const html = renderToStaticMarkup(<ExplainResult answer={{ allowed: false, code: 'SIGNATURE_REQUIRED', steps: [{ check: 'credential', ok: true, detail: 'publishable key_1 (live)' }, { check: 'SIGNATURE_REQUIRED', ok: false, detail: 'SIGNATURE_REQUIRED' }], conditions: ['from an address on the key\'s allow-list (10.0.0.0/8)'] }} />);
    expect(html).toContain('role="status"');
    expect(html).toContain('Denied: SIGNATURE_REQUIRED');
    expect(html).toMatch(/passed<\/span> credential: publishable key_1 \(live\)/);
    expect(html).toMatch(/failed<\/span> SIGNATURE_REQUIRED<\/li>/);
    expect(html).toContain('allow-list (10.0.0.0/8)');
  });
});

describe('access map table', () => {
  const r: MapResource = { name: 'p', path: '/users/{userId}', methods: ['GET'], allow: ['publishable'], scopes: [], subject: 'userId', subjectForAll: false, require: ['signature', 'assertion'], environments: ['live'], minAppVersion: { live: '2.0.0' }, rateLimits: ['per-key'], quota: 'monthly', cost: 2, injectSecret: null, monitor: true };

  it('says what a call needs in words', () => {
    expect(requirements(r)).toBe("signed request; attestation + per-request assertion; {userId} is the caller's subject; only live; app ≥ 2.0.0 in live; attestation monitor-only");
    expect(limitsOf(r)).toBe('per-key, quota monthly, cost 2');
    expect(requirements({ ...r, require: [], subject: null, environments: null, minAppVersion: {}, monitor: false })).toBe('—');
  });
});

describe('webhook URL check', () => {
  it('wants https, a host and no credentials', () => {
    expect(webhookUrlError('https://hooks.example.com/k')).toBeUndefined();
    expect(webhookUrlError('http://hooks.example.com/k')).toMatch(/https/);
    expect(webhookUrlError('https://user:pw@hooks.example.com/k')).toMatch(/password/);
    expect(webhookUrlError('hooks.example.com')).toMatch(/full URL/);
  });
});

describe('attestation outcomes from the metrics', () => {
  const text = [
    '# HELP keyward_attestation_total App attestations',
    '# TYPE keyward_attestation_total counter',
    'keyward_attestation_total{platform="apple",code="VALID"} 7',
    'keyward_attestation_total{platform="android",code="ATTESTATION_INVALID"} 2',
    'keyward_attestation_total{platform="debug",code="VALID"} 0',
    'keyward_attestation_monitored_total{route="/upload",code="ATTESTATION_REQUIRED"} 3',
    'keyward_attestation_monitored_total_extra{route="x"} 9',
    'keyward_attestation_monitored_total{route="/we\\"ird",code="ASSERTION_INVALID"} 1 1700000000000',
  ].join('\n');

  it('reads counters with their labels (escapes undone), drops zeros, largest first', () => {
    expect(counterSamples(text, 'keyward_attestation_total')).toHaveLength(3);
    const o = outcomesFrom(text);
    expect(o.attestations).toEqual([
      { labels: { platform: 'apple', code: 'VALID' }, value: 7 },
      { labels: { platform: 'android', code: 'ATTESTATION_INVALID' }, value: 2 },
    ]);
    expect(o.monitored).toEqual([
      { labels: { route: '/upload', code: 'ATTESTATION_REQUIRED' }, value: 3 },
      { labels: { route: '/we"ird', code: 'ASSERTION_INVALID' }, value: 1 },
    ]);
  });
});

describe('signing key schedule in words', () => {
  const k: SigningKeyRow = { kid: 'jwk_1', alg: 'EdDSA', state: 'active', publishedAt: '', activatesAt: '', retiresAt: null, signsNow: true, verifiesNow: true };
  it('follows what the server says happens now, not the stored state alone', () => {
    expect(signingKeyStatus(k)).toBe('signs new tokens');
    // A due pending key signs before its activation is recorded.
    expect(signingKeyStatus({ ...k, state: 'pending', signsNow: true })).toBe('signs new tokens');
    expect(signingKeyStatus({ ...k, state: 'pending', signsNow: false })).toBe('published; signs from its activation');
    expect(signingKeyStatus({ ...k, state: 'active', signsNow: false })).toBe('verifies older tokens only');
    expect(signingKeyStatus({ ...k, state: 'published', signsNow: false, verifiesNow: false })).toBe('retired');
  });
});

describe('app pages', () => {
  it('every app page has the tabs (current one marked) and a labelled environment switch', () => {
    const html = renderToStaticMarkup(<AppHeader appId={APP} name="Demo" current="sessions" env="test" onEnv={() => {}} envNote="Both." />);
    expect(html).toContain(`<a href="#/apps/${APP}/sessions" aria-current="page">Sessions</a>`);
    expect(html).toContain(`<a href="#/apps/${APP}">Keys</a>`);
    expect(html).toMatch(/<fieldset class="env" aria-describedby="env-note"><legend>Environment<\/legend>/);
    expect(html).toContain('<input type="radio" name="env" checked="" value="test"/>');
    expect(html).toContain('<input type="radio" name="env" value="live"/>');
    expect(renderToStaticMarkup(<EnvSwitch env="live" onChange={() => {}} />)).not.toContain('aria-describedby');
  });

  it('the environment chosen on one page of an app holds on the others, per app', () => {
    expect(appEnv(APP)).toBe('live');
    setAppEnv(APP, 'test');
    expect(appEnv(APP)).toBe('test');
    expect(appEnv('app_otherotherotherother00')).toBe('live');
  });

  it('routes: the operations pages by hash, and nothing for routes App.tsx handles', () => {
    for (const tab of ['settings', 'sessions', 'devices', 'webhooks', 'attestation']) expect(opsPage(`/apps/${APP}/${tab}`), tab).toBeTruthy();
    for (const r of ['/leaks', '/signing-keys', '/access-map']) expect(opsPage(r), r).toBeTruthy();
    for (const r of ['/', '/audit', '/security', `/apps/${APP}`, `/apps/${APP}/nope`, '/apps/app_x/settings']) expect(opsPage(r), r).toBeUndefined();
  });

  it('a field ties its error to the control; a confirmation offers Cancel', () => {
    const html = renderToStaticMarkup(<Field id="path" label="Path" error="starts with /" help="h">{(a) => <input {...a} />}</Field>);
    expect(html).toContain('<label for="path">Path</label><input id="path" aria-invalid="true" aria-describedby="path-help path-error"/>');
    expect(html).toContain('<span id="path-error" class="error">starts with /</span>');
    const dialog = renderToStaticMarkup(<Confirm title="Revoke it?" confirmLabel="Revoke" danger onConfirm={() => {}} onClose={() => {}} />);
    expect(dialog).toMatch(/<dialog aria-label="Revoke it\?">/);
    expect(dialog).toMatch(/<button type="button" class="danger">Revoke<\/button><button type="button">Cancel<\/button>/);
  });
});

describe('the token revocation form', () => {
  it('names each bad field and lets a well-formed revocation through', () => {
    const good = { jti: 'tok_1.a-b~c', appId: 'app_0123456789abcdefghijkl', environment: 'live', reason: '' };
    expect(revokeTokenErrors(good)).toEqual({});
    expect(Object.keys(revokeTokenErrors({ ...good, jti: 'has space' }))).toEqual(['jti']);
    expect(Object.keys(revokeTokenErrors({ ...good, jti: 'x'.repeat(129) }))).toEqual(['jti']);
    expect(Object.keys(revokeTokenErrors({ ...good, appId: 'app_short' }))).toEqual(['appId']);
    expect(Object.keys(revokeTokenErrors({ ...good, environment: 'prod' }))).toEqual(['environment']);
    expect(Object.keys(revokeTokenErrors({ ...good, reason: 'r'.repeat(513) }))).toEqual(['reason']);
  });
});

describe('deleting an app', () => {
  const blocked = new ApiError({ code: 'APP_HAS_CREDENTIALS', title: 't', status: 409, detail: 'the app still has 2 live key(s), 0 session(s) and 0 device(s)' });

  it('only APP_HAS_CREDENTIALS leads on to deleting with everything revoked; any other refusal is an error', () => {
    expect(afterRefusal(blocked)).toEqual({ at: 'blocked', problem: blocked });
    expect(afterRefusal(new ApiError({ code: 'INSUFFICIENT_PERMISSION', title: 't', status: 403 }))).toBeUndefined();
    expect(afterRefusal(new ApiError({ code: 'NOT_FOUND', title: 't', status: 404 }))).toBeUndefined();
    expect(afterRefusal(new TypeError('fetch failed'))).toBeUndefined();
  });

  it("the server's refusal reads in plain words, with its counts, and offers the forced delete", () => {
    const html = renderToStaticMarkup(<DeleteApp appId={APP} name="Demo" initial={{ at: 'blocked', problem: blocked }} />);
    expect(html).toMatch(/<div role="alert" class="warning"><p>The app still has live keys, sessions or devices\. Revoke them first, or delete the app and revoke everything with it\. \(The server says: the app still has 2 live key\(s\)/);
    expect(html).toContain('>Delete and revoke everything…</button>');
    // The first step: a button, no dialog yet.
    const idle = renderToStaticMarkup(<DeleteApp appId={APP} name="Demo" />);
    expect(idle).toContain('<button type="button" class="danger">Delete app</button>');
    expect(idle).not.toContain('<dialog');
  });

  it("the forced delete waits for the app's name, typed in a labelled field", () => {
    const html = renderToStaticMarkup(<DeleteApp appId={APP} name="Demo" initial={{ at: 'force', problem: blocked }} />);
    expect(html).toContain('<dialog aria-label="Delete Demo and revoke everything?">');
    expect(html).toContain('<label for="confirm-app-name">Type the app&#x27;s name, Demo, to confirm</label><input id="confirm-app-name"');
    expect(html).toContain('<button type="button" class="danger" disabled="">Delete and revoke everything</button>');
    expect([namesApp('Demo', 'Demo'), namesApp(' Demo ', 'Demo'), namesApp('demo', 'Demo'), namesApp('Dem', 'Demo'), namesApp('', ''), namesApp('  ', ' ')]).toEqual([true, true, false, false, false, false]);
  });

  it('the forced delete asks for a reason, in a labelled field, and sends it with the delete', () => {
    const html = renderToStaticMarkup(<DeleteApp appId={APP} name="Demo" initial={{ at: 'force', problem: blocked }} />);
    expect(html).toContain('<label for="delete-app-reason">Reason</label><input id="delete-app-reason" aria-describedby="delete-app-reason-help"');
    // The plain delete revokes nothing, so it has no reason to carry.
    expect(deletePath(APP, false)).toBe(`/v1/apps/${APP}`);
    const path = deletePath(APP, true, 'leaked in build 4.2 & 4.3?');
    expect(path.startsWith(`/v1/apps/${APP}?`)).toBe(true);
    const query = new URLSearchParams(path.slice(path.indexOf('?') + 1));
    expect(Object.fromEntries(query)).toEqual({ force: 'true', reason: 'leaked in build 4.2 & 4.3?' });
  });
});
