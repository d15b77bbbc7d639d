import { useRef, useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { describedBy, FieldError } from '../components/FieldError.js';
import type { Key } from '../types.js';
import { parseGraceSeconds, parseReason, type FieldErrors } from '../validate.js';

/** Rotate (with a grace period), revoke (with a reason and a confirmation), reissue. */
export function KeyActions({ keyRecord, onSecret, onChanged, onError }: { keyRecord: Key; onSecret: (s: string) => void; onChanged: () => Promise<void>; onError: (e: unknown) => void }) {
  const revokeDialog = useRef<HTMLDialogElement>(null);
  const rotateDialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [invalid, setInvalid] = useState<FieldErrors>({});
  const run = async (f: () => Promise<void>) => {
    setBusy(true);
    try {
      await f();
      onError(undefined);
      await onChanged();
    } catch (err) {
      onError(err);
    } finally {
      setBusy(false);
    }
  };
  const rotate = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const parsed = parseGraceSeconds((e.currentTarget.elements.namedItem('grace') as HTMLInputElement).value);
    setInvalid(parsed.errors ?? {});
    if (parsed.errors) return;
    const grace = parsed.value;
    rotateDialog.current?.close();
    void run(async () => onSecret((await api<{ secret: string }>('POST', `/v1/keys/${keyRecord.id}/rotate`, { gracePeriodSeconds: grace })).secret));
  };
  const revoke = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const parsed = parseReason((e.currentTarget.elements.namedItem('reason') as HTMLInputElement).value);
    setInvalid(parsed.errors ?? {});
    if (parsed.errors) return;
    const reason = parsed.value;
    revokeDialog.current?.close();
    void run(async () => void (await api('POST', `/v1/keys/${keyRecord.id}/revoke`, { reason })));
  };
  const label = `${keyRecord.name} (${keyRecord.start}…)`;
  return (
    <div className="actions">
      <button type="button" disabled={busy} onClick={() => rotateDialog.current?.showModal()} aria-label={`Rotate ${label}`}>
        Rotate
      </button>
      <button type="button" disabled={busy} onClick={() => void run(async () => onSecret((await api<{ secret: string }>('POST', `/v1/keys/${keyRecord.id}/reissue`)).secret))} aria-label={`Reissue ${label}`}>
        Reissue
      </button>
      <button type="button" className="danger" disabled={busy} onClick={() => revokeDialog.current?.showModal()} aria-label={`Revoke ${label}`}>
        Revoke
      </button>
      <dialog ref={rotateDialog} aria-label={`Rotate ${label}`}>
        <form onSubmit={rotate} noValidate>
          <h2>Rotate {label}</h2>
          <label htmlFor={`grace-${keyRecord.id}`}>Grace period, seconds (the old key keeps working this long)</label>
          <input id={`grace-${keyRecord.id}`} name="grace" type="number" min={0} max={7776000} defaultValue={86400} required {...describedBy(`grace-${keyRecord.id}`, invalid.grace)} />
          <FieldError id={`grace-${keyRecord.id}-error`} message={invalid.grace} />
          <div className="row">
            <button type="submit">Rotate</button>
            <button type="button" onClick={() => rotateDialog.current?.close()}>
              Cancel
            </button>
          </div>
        </form>
      </dialog>
      <dialog ref={revokeDialog} aria-label={`Revoke ${label}`}>
        <form onSubmit={revoke} noValidate>
          <h2>Revoke {label}?</h2>
          <p className="warning">Every request with this key is refused at once, on every node. This cannot be undone.</p>
          <label htmlFor={`reason-${keyRecord.id}`}>Reason</label>
          <input id={`reason-${keyRecord.id}`} name="reason" required {...describedBy(`reason-${keyRecord.id}`, invalid.reason)} />
          <FieldError id={`reason-${keyRecord.id}-error`} message={invalid.reason} />
          <div className="row">
            <button type="submit" className="danger">
              Revoke key
            </button>
            <button type="button" onClick={() => revokeDialog.current?.close()}>
              Cancel
            </button>
          </div>
        </form>
      </dialog>
    </div>
  );
}
