import { useState } from 'react';
import { api, ApiError } from '../api.js';
import { useAppEnv } from '../app-env.js';
import { AppHeader } from '../components/AppHeader.js';
import { Confirm } from '../components/Confirm.js';
import { ErrorText } from '../components/ErrorText.js';
import { counterSamples, fetchMetrics, type Sample } from './metrics.js';
import type { AttestationEventRow, InstanceRow } from './types.js';
import { useApp, useLoad, when } from './use-load.js';

interface AttestationConfig {
  readonly monitorOnly: boolean;
  readonly platforms: readonly string[];
  readonly appTokenTtlSeconds: number;
  readonly reattestAfterSeconds: number;
}

/** Attestation outcomes from the metrics: every attestation by platform and code, and what monitor-only mode let through. */
export interface Outcomes {
  readonly attestations: readonly Sample[];
  readonly monitored: readonly Sample[];
}

export function outcomesFrom(text: string): Outcomes {
  const nonZero = (s: Sample[]) => s.filter((x) => x.value > 0).sort((a, b) => b.value - a.value);
  return { attestations: nonZero(counterSamples(text, 'keyward_attestation_total')), monitored: nonZero(counterSamples(text, 'keyward_attestation_monitored_total')) };
}

/**
 * One app environment's attestation: its settings (monitor-only on or off), the attested
 * instances (revoke one: it must attest again), and the outcomes. The outcomes come from the
 * server's metrics, which count for every app together; the page says so, and shows nothing
 * rather than failing where the metrics are not readable.
 */
export function AppAttestation({ appId }: { appId: string }) {
  const app = useApp(appId);
  const [env, setEnv] = useAppEnv(appId);
  const scope = new URLSearchParams({ appId, environment: env }).toString();
  const config = useLoad(() => api<AttestationConfig>('GET', `/v1/attestation/config?${scope}`), [scope]);
  const instances = useLoad(() => api<{ items: InstanceRow[] }>('GET', `/v1/attestation/instances?${scope}`).then((r) => r.items), [scope]);
  const events = useLoad(() => api<{ items: AttestationEventRow[] }>('GET', `/v1/apps/${appId}/attestation/events?environment=${env}&limit=50`).then((r) => r.items), [appId, env]);
  const outcomes = useLoad(async () => {
    const text = await fetchMetrics().catch(() => undefined);
    return text === undefined ? null : outcomesFrom(text);
  }, []);
  const [confirm, setConfirm] = useState<{ kind: 'instance'; instance: InstanceRow } | { kind: 'monitor'; to: boolean }>();
  const [error, setError] = useState<unknown>();
  const act = async () => {
    if (!confirm) return;
    try {
      if (confirm.kind === 'instance') await api('POST', `/v1/attestation/instances/${confirm.instance.id}/revoke`, {});
      else await api('PUT', '/v1/attestation/config', { appId, environment: env, monitorOnly: confirm.to });
      setError(undefined);
      await Promise.all([config.reload(), instances.reload()]);
    } catch (err) {
      setError(err);
    }
  };
  const c = config.data;
  // A missing permission or store problem is shown; an app without settings yet is not an error.
  const configError = config.error instanceof ApiError && config.error.problem.code === 'NOT_FOUND' ? undefined : config.error;
  return (
    <section aria-labelledby="app-title">
      <AppHeader appId={appId} name={app.data?.name} current="attestation" env={env} onEnv={setEnv} />
      <h2>Attestation in {env}</h2>
      <ErrorText error={error ?? configError ?? instances.error} />
      {c && (
        <dl className="facts">
          <dt>Mode</dt>
          <dd>{c.monitorOnly ? 'monitor-only: failures are counted, calls go on' : 'enforced: failures are refused'}</dd>
          <dt>Platforms</dt>
          <dd>{c.platforms.length ? c.platforms.join(', ') : 'none configured'}</dd>
          <dt>App token lifetime</dt>
          <dd>{c.appTokenTtlSeconds} s</dd>
        </dl>
      )}
      {c && (
        <button type="button" onClick={() => setConfirm({ kind: 'monitor', to: !c.monitorOnly })}>
          {c.monitorOnly ? 'Enforce attestation' : 'Switch to monitor-only'}
        </button>
      )}

      <h3>Failed and monitored attestations of this app</h3>
      <p className="help">Aggregated per minute. <em>Monitored</em> means monitor-only mode let the call through and enforcement would have blocked it; <em>refused</em> means it was blocked.</p>
      <ErrorText error={events.error} />
      {events.data === undefined ? (
        events.error ? null : <p role="status">Loading…</p>
      ) : events.data.length === 0 ? (
        <p>No failed or monitored attestations in {env}.</p>
      ) : (
        <table tabIndex={0}>
          <caption>Attestation events in {env}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Last seen</th>
              <th scope="col">Stage</th>
              <th scope="col">Outcome</th>
              <th scope="col">Code</th>
              <th scope="col">Subject</th>
              <th scope="col">Count</th>
            </tr>
          </thead>
          <tbody>
            {events.data.map((e) => (
              <tr key={e.id}>
                <td>{when(e.lastAt)}</td>
                <td>{e.stage === 'attest' ? 'attestation' : 'request'}</td>
                <td>{e.outcome === 'monitored' ? 'monitored (would have been blocked)' : 'refused'}</td>
                <td>
                  <code>{e.code}</code>
                </td>
                <td>{e.subject || '—'}</td>
                <td>{e.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>Outcomes (server-wide, every app)</h3>
      {outcomes.data === undefined ? (
        <p role="status">Loading…</p>
      ) : outcomes.data === null ? (
        <p className="help">The metrics are not readable with this root key (it needs metrics:read).</p>
      ) : (
        <>
          <SampleTable caption="Attestations by platform and result" samples={outcomes.data.attestations} columns={['platform', 'code']} empty="No attestations yet." />
          <SampleTable caption="Calls monitor-only mode let through that enforcement would have blocked" samples={outcomes.data.monitored} columns={['route', 'code']} empty="Monitor-only mode has let nothing through that enforcement would have blocked." />
        </>
      )}

      <h3>Attested instances</h3>
      {instances.data === undefined ? (
        <p role="status">Loading…</p>
      ) : instances.data.length === 0 ? (
        <p>No attested instances in {env}.</p>
      ) : (
        <table tabIndex={0}>
          <caption className="sr-only">Attested instances in {env}</caption>
          <thead>
            <tr>
              <th scope="col">Instance</th>
              <th scope="col">Platform</th>
              <th scope="col">Attested</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {instances.data.map((i) => (
              <tr key={i.id}>
                <td>
                  <code>{i.id}</code>
                </td>
                <td>{i.platform ?? '—'}</td>
                <td>{when(i.createdAt)}</td>
                <td>{i.revokedAt ? `revoked ${when(i.revokedAt)}` : String(i.status ?? 'active')}</td>
                <td>
                  {!i.revokedAt && (
                    <button type="button" className="danger" onClick={() => setConfirm({ kind: 'instance', instance: i })} aria-label={`Revoke instance ${i.id}`}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {confirm && (
        <Confirm
          title={confirm.kind === 'instance' ? `Revoke instance ${confirm.instance.id}?` : confirm.to ? 'Switch to monitor-only?' : 'Enforce attestation?'}
          confirmLabel={confirm.kind === 'instance' ? 'Revoke instance' : 'Change mode'}
          danger={confirm.kind === 'instance' || !confirm.to}
          onConfirm={() => void act()}
          onClose={() => setConfirm(undefined)}
        >
          <p className="warning">
            {confirm.kind === 'instance'
              ? 'Its app tokens are refused at once; the install must attest again.'
              : confirm.to
                ? 'Calls without a valid attestation will be let through and only counted.'
                : `Calls without a valid attestation will be refused in ${env} from now on.`}
          </p>
        </Confirm>
      )}
    </section>
  );
}

function SampleTable({ caption, samples, columns, empty }: { caption: string; samples: readonly Sample[]; columns: readonly string[]; empty: string }) {
  if (samples.length === 0) return <p>{empty}</p>;
  return (
    <table tabIndex={0}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c} scope="col">
              {c}
            </th>
          ))}
          <th scope="col">count</th>
        </tr>
      </thead>
      <tbody>
        {samples.map((s, i) => (
          <tr key={i}>
            {columns.map((c) => (
              <td key={c}>{s.labels[c] ?? '—'}</td>
            ))}
            <td>{s.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
