import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { useAppEnv } from '../app-env.js';
import { AppHeader } from '../components/AppHeader.js';
import { ErrorText } from '../components/ErrorText.js';
import { Field } from '../components/Field.js';
import { ShowOnce } from '../components/ShowOnce.js';
import type { DeliveryRow, WebhookEndpointRow } from './types.js';
import { useApp, useLoad, when } from './use-load.js';

/** A receiver URL the server will accept, checked before sending: https, a host, no credentials. The server checks addresses too. */
export function webhookUrlError(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return 'Enter a full URL, such as https://hooks.example.com/keyward.';
  }
  if (url.protocol !== 'https:') return 'Webhooks are sent over https only.';
  if (url.username || url.password) return 'Put no user name or password in the URL; check the signature instead.';
  if (value.length > 2048) return 'At most 2048 characters.';
  return undefined;
}

/** An app's webhook endpoints, and for one of them the delivery log: status, attempts, redeliver. */
export function AppWebhooks({ appId }: { appId: string }) {
  const app = useApp(appId);
  const [env, setEnv] = useAppEnv(appId);
  const endpoints = useLoad(() => api<{ items: WebhookEndpointRow[] }>('GET', `/v1/apps/${appId}/webhooks`).then((r) => r.items), [appId]);
  const [open, setOpen] = useState<string>();
  const [urlError, setUrlError] = useState<string>();
  const [secret, setSecret] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [note, setNote] = useState<string>();
  const deliveries = useLoad(() => (open ? api<{ items: DeliveryRow[] }>('GET', `/v1/webhooks/${open}/deliveries`).then((r) => r.items) : Promise.resolve(undefined)), [open]);

  const create = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const url = (form.elements.namedItem('webhookUrl') as HTMLInputElement).value.trim();
    const bad = webhookUrlError(url);
    setUrlError(bad);
    if (bad) return;
    try {
      const r = await api<{ endpoint: WebhookEndpointRow; secret: string }>('POST', `/v1/apps/${appId}/webhooks`, { url });
      form.reset();
      setSecret(r.secret);
      setError(undefined);
      await endpoints.reload();
    } catch (err) {
      setError(err);
    }
  };
  const run = async (f: () => Promise<string>) => {
    try {
      setNote(await f());
      setError(undefined);
      await deliveries.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="app-title">
      <AppHeader appId={appId} name={app.data?.name} current="webhooks" env={env} onEnv={setEnv} envNote="Endpoints receive the events of both environments." />
      {secret && <ShowOnce secret={secret} onClose={() => setSecret(undefined)} />}
      <h2>Webhook endpoints</h2>
      <form className="inline" onSubmit={create} noValidate>
        <Field id="webhookUrl" label="Receiver URL" error={urlError}>
          {(a) => <input {...a} name="webhookUrl" type="url" inputMode="url" placeholder="https://hooks.example.com/keyward" />}
        </Field>
        <button type="submit">Add endpoint</button>
      </form>
      <ErrorText error={error ?? endpoints.error ?? deliveries.error} />
      {note && <p role="status">{note}</p>}
      {endpoints.data === undefined ? (
        <p role="status">Loading…</p>
      ) : endpoints.data.length === 0 ? (
        <p>No endpoints yet.</p>
      ) : (
        <table tabIndex={0}>
          <caption className="sr-only">Webhook endpoints</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {endpoints.data.map((w) => (
              <tr key={w.id} data-endpoint-id={w.id}>
                <td>
                  <code>{w.url}</code>
                </td>
                <td>{w.events.length ? w.events.join(', ') : 'every event'}</td>
                <td>{w.enabled ? 'enabled' : 'disabled'}</td>
                <td>
                  <div className="actions">
                    <button type="button" aria-pressed={open === w.id} onClick={() => setOpen(open === w.id ? undefined : w.id)} aria-label={`Delivery log of ${w.url}`}>
                      Delivery log
                    </button>
                    <button type="button" onClick={() => void run(async () => (await api('POST', `/v1/webhooks/${w.id}/test`), 'A webhook.test event is queued.'))} aria-label={`Send test event to ${w.url}`}>
                      Send test event
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && (
        <>
          <h3 id="deliveries-title">Delivery log</h3>
          <button type="button" onClick={() => void deliveries.reload()}>
            Refresh
          </button>
          {deliveries.data === undefined ? (
            <p role="status">Loading…</p>
          ) : deliveries.data.length === 0 ? (
            <p>No deliveries yet.</p>
          ) : (
            <table tabIndex={0} aria-labelledby="deliveries-title">
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last answer</th>
                  <th scope="col">Next attempt</th>
                  <th scope="col">Created</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {deliveries.data.map((d) => (
                  <tr key={d.id} data-delivery-id={d.id}>
                    <td>{d.eventType}</td>
                    <td>{d.status}</td>
                    <td>{d.attempts}</td>
                    <td>{d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : (d.lastError ?? '—')}</td>
                    <td>{when(d.nextAttemptAt)}</td>
                    <td>{when(d.createdAt)}</td>
                    <td>
                      <button type="button" onClick={() => void run(async () => (await api('POST', `/v1/webhook-deliveries/${d.id}/redeliver`), `Delivery ${d.id} is being sent again.`))} aria-label={`Redeliver ${d.eventType} ${d.id}`}>
                        Redeliver
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
