import { useState } from 'react';
import { api } from '../api.js';
import { useAppEnv } from '../app-env.js';
import { AppHeader } from '../components/AppHeader.js';
import { Confirm } from '../components/Confirm.js';
import { ErrorText } from '../components/ErrorText.js';
import type { DeviceRow } from './types.js';
import { useApp, useLoad, when } from './use-load.js';

/** An app's registered installs in one environment; revoking one refuses its signatures and secret at once. */
export function AppDevices({ appId }: { appId: string }) {
  const app = useApp(appId);
  const [env, setEnv] = useAppEnv(appId);
  const [confirm, setConfirm] = useState<DeviceRow>();
  const [note, setNote] = useState<string>();
  const list = useLoad(() => api<{ items: DeviceRow[] }>('GET', `/v1/devices?${new URLSearchParams({ appId, environment: env })}`).then((r) => r.items), [appId, env]);
  const revoke = async (d: DeviceRow) => {
    try {
      await api('POST', `/v1/devices/${d.id}/revoke`);
      setNote(`Device ${d.id} revoked.`);
      await list.reload();
    } catch (err) {
      list.setError(err);
    }
  };
  return (
    <section aria-labelledby="app-title">
      <AppHeader appId={appId} name={app.data?.name} current="devices" env={env} onEnv={setEnv} />
      <h2>Devices in {env}</h2>
      <ErrorText error={list.error ?? app.error} />
      {note && <p role="status">{note}</p>}
      {list.data === undefined ? (
        <p role="status">Loading…</p>
      ) : list.data.length === 0 ? (
        <p>No devices registered in {env}.</p>
      ) : (
        <table tabIndex={0}>
          <caption className="sr-only">Devices in {env}</caption>
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Platform</th>
              <th scope="col">App version</th>
              <th scope="col">Proof</th>
              <th scope="col">Registered</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((d) => (
              <tr key={d.id} data-device-id={d.id}>
                <td>
                  <code>{d.id}</code>
                </td>
                <td>{d.platform}</td>
                <td>{d.appVersion ?? '—'}</td>
                <td>{d.proof}</td>
                <td>{when(d.createdAt)}</td>
                <td>{d.revokedAt ? `revoked ${when(d.revokedAt)}` : 'active'}</td>
                <td>
                  {!d.revokedAt && (
                    <button type="button" className="danger" onClick={() => setConfirm(d)} aria-label={`Revoke device ${d.id}`}>
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
        <Confirm title={`Revoke device ${confirm.id}?`} confirmLabel="Revoke device" danger onConfirm={() => void revoke(confirm)} onClose={() => setConfirm(undefined)}>
          <p className="warning">Its signatures and device secret are refused at once, on every node. The install must register again.</p>
        </Confirm>
      )}
    </section>
  );
}
