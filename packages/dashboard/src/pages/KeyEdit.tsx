import { useState, type FormEvent } from 'react';
import { api, serverFieldErrors } from '../api.js';
import { ErrorText } from '../components/ErrorText.js';
import { describedBy, FieldError } from '../components/FieldError.js';
import type { KeyDetail } from '../types.js';
import { changedOnly, parseKeyEdit, type FieldErrors, type KeyEditFields } from '../validate.js';

/** `2026-12-02T15:04:05.000Z` → `2026-12-02T16:04` in the browser's zone, what a datetime-local input holds. */
function localInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function refillKind(r: NonNullable<KeyDetail['credits']>['refill'] | undefined): string {
  return r === 'daily' || r === 'monthly' ? r : r && typeof r === 'object' ? 'interval' : 'none';
}

/** The server names `ratelimit` and `credits` as a whole; the form shows those beside their first field. */
const SERVER_FIELD: Record<string, string> = { ratelimit: 'rate', credits: 'creditsAmount' };

/**
 * Edit a key's scopes, expiry, metadata, IP allow-list, rate limit and credits with one PATCH
 * (`/v1/keys/{id}`). Every field is checked first (validate.ts) and each problem shown beside its
 * field; the server's refusal is shown in plain words and, field by field, beside the inputs.
 * Credits are sent only when one of their fields changed: setting them restarts the balance.
 */
export function KeyEdit({ keyRecord, onSaved }: { keyRecord: KeyDetail; onSaved: (k: KeyDetail) => void }) {
  const [invalid, setInvalid] = useState<FieldErrors>({});
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const [nothing, setNothing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [creditsTouched, setCreditsTouched] = useState(false);
  const [rateOn, setRateOn] = useState(keyRecord.ratelimit !== null);
  const [creditsOn, setCreditsOn] = useState(keyRecord.credits !== null);
  const [refill, setRefill] = useState(refillKind(keyRecord.credits?.refill));
  const k = keyRecord;

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = e.currentTarget;
    const text = (n: string) => (f.elements.namedItem(n) as HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement | null)?.value ?? '';
    const fields: KeyEditFields = {
      kind: k.kind,
      scopes: text('scopes'),
      expiresAt: text('expiresAt'),
      meta: text('meta'),
      ipAllowList: text('ipAllowList'),
      rateEnabled: rateOn,
      rate: text('rate'),
      windowSeconds: text('windowSeconds'),
      burst: text('burst'),
      creditsEnabled: creditsOn,
      creditsAmount: text('creditsAmount'),
      refill,
      refillSeconds: text('refillSeconds'),
    };
    const parsed = parseKeyEdit(fields, Date.now(), creditsTouched);
    setSaved(false);
    setInvalid(parsed.errors ?? {});
    if (parsed.errors) return setError(undefined);
    const body = changedOnly(parsed.value, k);
    setNothing(Object.keys(body).length === 0);
    if (Object.keys(body).length === 0) return setError(undefined);
    setBusy(true);
    try {
      const updated = await api<KeyDetail>('PATCH', `/v1/keys/${k.id}`, body);
      setError(undefined);
      setSaved(true);
      setCreditsTouched(false);
      onSaved(updated);
    } catch (err) {
      setError(err);
      const byField: FieldErrors = {};
      for (const [field, message] of Object.entries(serverFieldErrors(err))) byField[SERVER_FIELD[field] ?? field] = `The server says: ${message}`;
      setInvalid(byField);
    } finally {
      setBusy(false);
    }
  };

  const field = (name: string, help?: string) => ({ id: `edit-${name}`, name, ...describedBy(`edit-${name}`, invalid[name], help) });
  const err = (name: string) => <FieldError id={`edit-${name}-error`} message={invalid[name]} />;
  return (
    <form className="grid key-edit" onSubmit={submit} noValidate aria-labelledby="edit-title">
      <h2 id="edit-title">Edit settings</h2>
      <label htmlFor="edit-scopes">Scopes (comma-separated)</label>
      <input {...field('scopes')} defaultValue={k.scopes.join(', ')} />
      {err('scopes')}
      <label htmlFor="edit-expiresAt">Expires (empty: never)</label>
      <input {...field('expiresAt')} type="datetime-local" defaultValue={localInput(k.expiresAt)} />
      {err('expiresAt')}
      <label htmlFor="edit-meta">Metadata (a JSON object)</label>
      <textarea {...field('meta')} rows={4} spellCheck={false} defaultValue={Object.keys(k.meta).length ? JSON.stringify(k.meta, null, 2) : ''} />
      {err('meta')}
      <label htmlFor="edit-ipAllowList">IP allow-list (addresses or CIDR ranges, one per line; empty: any address)</label>
      <textarea {...field('ipAllowList')} rows={3} spellCheck={false} defaultValue={k.ipAllowList.join('\n')} />
      {err('ipAllowList')}

      <fieldset>
        <legend>Rate limit</legend>
        <label className="check">
          <input type="checkbox" name="rateEnabled" checked={rateOn} onChange={(e) => setRateOn(e.target.checked)} /> Limit this key's request rate
        </label>
        {rateOn && (
          <div className="trio">
            <span>
              <label htmlFor="edit-rate">Requests</label>
              <input {...field('rate')} inputMode="numeric" defaultValue={k.ratelimit?.rate ?? 100} />
              {err('rate')}
            </span>
            <span>
              <label htmlFor="edit-windowSeconds">per seconds</label>
              <input {...field('windowSeconds')} inputMode="numeric" defaultValue={k.ratelimit?.windowSeconds ?? 60} />
              {err('windowSeconds')}
            </span>
            <span>
              <label htmlFor="edit-burst">Burst</label>
              <input {...field('burst')} inputMode="numeric" defaultValue={k.ratelimit?.burst ?? k.ratelimit?.rate ?? 100} />
              {err('burst')}
            </span>
          </div>
        )}
      </fieldset>

      <fieldset onChange={() => setCreditsTouched(true)}>
        <legend>Credits</legend>
        <label className="check">
          <input type="checkbox" name="creditsEnabled" checked={creditsOn} onChange={(e) => setCreditsOn(e.target.checked)} /> Meter this key with credits
        </label>
        {creditsOn && (
          <div className="trio">
            <span>
              <label htmlFor="edit-creditsAmount">Credits</label>
              <input {...field('creditsAmount')} inputMode="numeric" defaultValue={k.credits?.amount ?? 1000} />
              {err('creditsAmount')}
            </span>
            <span>
              <label htmlFor="edit-refill">Refill</label>
              <select {...field('refill')} value={refill} onChange={(e) => setRefill(e.target.value)}>
                <option value="none">never (a one-off allowance)</option>
                <option value="daily">daily (UTC)</option>
                <option value="monthly">monthly (UTC)</option>
                <option value="interval">every N seconds</option>
              </select>
              {err('refill')}
            </span>
            {refill === 'interval' && (
              <span>
                <label htmlFor="edit-refillSeconds">Refill every, seconds</label>
                <input {...field('refillSeconds')} inputMode="numeric" defaultValue={typeof k.credits?.refill === 'object' && k.credits.refill ? k.credits.refill.intervalSeconds : 3600} />
                {err('refillSeconds')}
              </span>
            )}
          </div>
        )}
        {creditsTouched && <p className="help">Saving sets the balance back to the full amount.</p>}
      </fieldset>
      <div className="row">
        <button type="submit" disabled={busy}>
          Save changes
        </button>
        {saved && <span role="status">Saved.</span>}
        {nothing && <span role="status">Nothing changed, so nothing was sent.</span>}
      </div>
      <ErrorText error={error} />
    </form>
  );
}
