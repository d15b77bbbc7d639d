import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../api.js';
import { fetchAnalytics, WINDOWS } from '../analytics.js';
import { seriesByOutcome, type Analytics, type Granularity } from '../chart-data.js';
import { UsageChart } from '../chart/UsageChart.js';
import { ErrorText } from '../components/ErrorText.js';
import { keyStatus } from '../key-status.js';
import type { KeyDetail } from '../types.js';
import { KeyEdit } from './KeyEdit.js';
import { KeyHistory } from './KeyHistory.js';

function when(iso: string | null, none: string): string {
  return iso ? new Date(iso).toLocaleString() : none;
}

function refillWords(r: NonNullable<KeyDetail['credits']>['refill']): string {
  if (r === null) return 'never refilled (a one-off allowance)';
  if (typeof r === 'object') return `refilled every ${r.intervalSeconds.toLocaleString('en-US')} s`;
  return `refilled ${r} (UTC)`;
}

/** GET /v1/keys/{keyId}/limits: the limiter's state now, read without spending. */
interface LimitNow {
  readonly remaining: number;
  readonly fullAt: string;
}
interface LimitsNow {
  readonly ratelimit: LimitNow | null;
  readonly identityRatelimit: (LimitNow & { readonly rate: number; readonly windowSeconds: number }) | null;
}

/** The words for a bucket's state now: calls left in the burst, and when it is full again. */
export function limitNowWords(s: LimitNow, burst: number, nowMs: number): string {
  const full = s.remaining >= burst || Date.parse(s.fullAt) <= nowMs;
  return `${s.remaining.toLocaleString('en-US')} of ${burst.toLocaleString('en-US')} left now${full ? ' (full)' : `, full again at ${new Date(s.fullAt).toLocaleTimeString()}`}`;
}

/** A key's rate limit and credits as they stand (credits: the balance when read, before a refill due). */
function LimitsState({ k }: { k: KeyDetail }) {
  const [now, setNow] = useState<LimitsNow>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    // Read again whenever the key is (its page's Refresh): the state moves with every call.
    api<LimitsNow>('GET', `/v1/keys/${k.id}/limits`).then(setNow, setError);
  }, [k]);
  return (
    <section aria-labelledby="limits-title">
      <h2 id="limits-title">Rate limit and credits</h2>
      <ErrorText error={error} />
      <dl className="facts">
        <dt>Rate limit</dt>
        <dd>{k.ratelimit ? `${k.ratelimit.rate.toLocaleString('en-US')} requests per ${k.ratelimit.windowSeconds.toLocaleString('en-US')} s, bursts up to ${k.ratelimit.burst.toLocaleString('en-US')}` : 'none on the key itself (an access map may still limit it)'}</dd>
        {k.ratelimit && now?.ratelimit && (
          <>
            <dt>Rate limit now</dt>
            <dd data-testid="ratelimit-state">{limitNowWords(now.ratelimit, k.ratelimit.burst, Date.now())}</dd>
          </>
        )}
        {now?.identityRatelimit && (
          <>
            <dt>Identity&apos;s shared limit now</dt>
            <dd>{`${now.identityRatelimit.remaining.toLocaleString('en-US')} left (${now.identityRatelimit.rate.toLocaleString('en-US')} per ${now.identityRatelimit.windowSeconds.toLocaleString('en-US')} s, shared by the identity's keys)`}</dd>
          </>
        )}
        <dt>Credits</dt>
        <dd data-testid="credits-state">
          {k.credits
            ? `${k.credits.remaining === null ? 'full' : k.credits.remaining.toLocaleString('en-US')} of ${k.credits.amount.toLocaleString('en-US')} left, ${refillWords(k.credits.refill)}`
            : 'not metered'}
        </dd>
      </dl>
    </section>
  );
}

/**
 * One key's page (`#/keys/key_…`): its details, its settings form, its usage chart (requests per
 * bucket split by outcome code, from the verification analytics), its rate limit and credits, and
 * its history from the audit log.
 */
export function KeyPage({ keyId }: { keyId: string }) {
  const [key, setKey] = useState<KeyDetail>();
  const [error, setError] = useState<unknown>();
  const [granularity, setGranularity] = useState<Granularity>('minute');
  const [usage, setUsage] = useState<Analytics>();
  const [usageError, setUsageError] = useState<unknown>();
  const latest = useRef(0);

  useEffect(() => {
    api<KeyDetail>('GET', `/v1/keys/${keyId}`).then(setKey, setError);
  }, [keyId]);

  // Only the newest query fills the chart (the window can change while one is in flight).
  const loadUsage = useCallback(async () => {
    const mine = ++latest.current;
    try {
      const a = await fetchAnalytics({ keyId }, granularity);
      if (mine === latest.current) {
        setUsage(a);
        setUsageError(undefined);
      }
    } catch (err) {
      if (mine === latest.current) setUsageError(err);
    }
  }, [keyId, granularity]);
  useEffect(() => void loadUsage(), [loadUsage]);
  const aligned = useMemo(() => (usage ? seriesByOutcome(usage) : undefined), [usage]);

  const reload = async () => {
    try {
      setKey(await api<KeyDetail>('GET', `/v1/keys/${keyId}`));
    } catch (err) {
      setError(err);
    }
    await loadUsage();
  };

  if (!key) {
    return (
      <section aria-labelledby="key-title">
        <h1 id="key-title">Key</h1>
        <ErrorText error={error} />
        {!error && <p role="status">Loading…</p>}
      </section>
    );
  }
  const status = keyStatus(key, Date.now());
  return (
    <section aria-labelledby="key-title">
      <p>{key.appId && <a href={`#/apps/${key.appId}`}>← Keys of this app</a>}</p>
      <h1 id="key-title">{key.name}</h1>
      <ErrorText error={error} />
      <dl className="facts">
        <dt>Key</dt>
        <dd>
          <code>{key.start}</code> ({key.kind}, {key.environment ?? 'no environment'})
        </dd>
        <dt>Id</dt>
        <dd>
          <code>{key.id}</code>
        </dd>
        <dt>Status</dt>
        <dd data-testid="key-status">{status}</dd>
        <dt>Scopes</dt>
        <dd>{key.scopes.length ? key.scopes.join(', ') : 'none'}</dd>
        <dt>Expires</dt>
        <dd>{when(key.expiresAt, 'never')}</dd>
        <dt>IP allow-list</dt>
        <dd>{key.ipAllowList.length ? key.ipAllowList.join(', ') : 'any address'}</dd>
        <dt>Subject</dt>
        <dd>{key.subject ?? 'none'}</dd>
        <dt>Last used</dt>
        <dd>
          {when(key.lastUsedAt, 'never')} ({key.usageCount.toLocaleString('en-US')} verifications in all)
        </dd>
        <dt>Created</dt>
        <dd>{when(key.createdAt, '')}</dd>
      </dl>

      <section aria-labelledby="usage-title">
        <h2 id="usage-title">Usage</h2>
        <div className="filters">
          <label htmlFor="key-window">Window</label>
          <select id="key-window" value={granularity} onChange={(e) => setGranularity(e.target.value as Granularity)}>
            {WINDOWS.map((w) => (
              <option key={w.granularity} value={w.granularity}>
                {w.label}
              </option>
            ))}
          </select>
          <button type="button" onClick={reload}>
            Refresh
          </button>
        </div>
        <ErrorText error={usageError} />
        {aligned ? <UsageChart id="key-usage" title={`Requests per ${granularity}, by outcome`} data={aligned} /> : !usageError && <p role="status">Loading…</p>}
        <p className="help">Counts are written in batches: a verification shows here within a few seconds.</p>
      </section>

      <LimitsState k={key} />
      {!key.revokedAt && <KeyEdit keyRecord={key} onSaved={setKey} />}
      <KeyHistory keyId={key.id} version={key.version} />
    </section>
  );
}
