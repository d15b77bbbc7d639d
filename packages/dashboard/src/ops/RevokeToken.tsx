import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { ErrorText } from '../components/ErrorText.js';
import { Field } from '../components/Field.js';

/** The server's own patterns (http/routes/tokens.ts): a jti, an app id. */
const JTI = /^[A-Za-z0-9._~-]{1,128}$/;
const APP_ID = /^app_[0-9A-Za-z]{22}$/;

export interface RevokeTokenInput {
  readonly jti: string;
  readonly appId: string;
  readonly environment: string;
  readonly reason: string;
}

/** Client-side checks of the revoke form: field name → message, empty when it may be sent. */
export function revokeTokenErrors(v: RevokeTokenInput): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!JTI.test(v.jti.trim())) errors.jti = 'A jti is 1–128 letters, digits, dots, dashes, underscores or tildes (POST /v1/tokens answers it).';
  if (!APP_ID.test(v.appId.trim())) errors.appId = 'An app id looks like app_ followed by 22 letters and digits.';
  if (v.environment !== 'live' && v.environment !== 'test') errors.environment = 'Choose live or test.';
  if (v.reason.length > 512) errors.reason = 'At most 512 characters.';
  return errors;
}

/**
 * Revokes one minted token by its jti (POST /v1/tokens/{jti}/revoke): tokens are not stored, so the
 * form names the app and environment it was minted for. Refused everywhere from then on.
 */
export function RevokeToken() {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  const [note, setNote] = useState<string>();
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const v = { jti: String(f.get('jti') ?? ''), appId: String(f.get('appId') ?? ''), environment: String(f.get('environment') ?? ''), reason: String(f.get('reason') ?? '') };
    const found = revokeTokenErrors(v);
    setErrors(found);
    setNote(undefined);
    if (Object.keys(found).length) return;
    try {
      const r = await api<{ jti: string; revokedAt: string }>('POST', `/v1/tokens/${encodeURIComponent(v.jti.trim())}/revoke`, { appId: v.appId.trim(), environment: v.environment, ...(v.reason ? { reason: v.reason } : {}) });
      setError(undefined);
      setNote(`Token ${r.jti} revoked.`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="revoke-token-title">
      <h2 id="revoke-token-title">Revoke a token</h2>
      <p className="help">A short-lived or single-use token that leaked: it is refused by the verify API, the gateway and the middlewares on every node.</p>
      <ErrorText error={error} />
      {note && <p role="status">{note}</p>}
      <form onSubmit={(e) => void submit(e)} noValidate className="grid">
        <Field id="revoke-jti" label="Token id (jti)" error={errors.jti}>
          {(a) => <input {...a} name="jti" autoComplete="off" />}
        </Field>
        <Field id="revoke-app" label="App id" error={errors.appId}>
          {(a) => <input {...a} name="appId" autoComplete="off" />}
        </Field>
        <Field id="revoke-env" label="Environment" error={errors.environment}>
          {(a) => (
            <select {...a} name="environment" defaultValue="live">
              <option>live</option>
              <option>test</option>
            </select>
          )}
        </Field>
        <Field id="revoke-reason" label="Reason (optional)" error={errors.reason}>
          {(a) => <input {...a} name="reason" maxLength={600} />}
        </Field>
        <div className="row">
          <button type="submit" className="danger">
            Revoke token
          </button>
        </div>
      </form>
    </section>
  );
}
