import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { Confirm } from '../components/Confirm.js';
import { ErrorText } from '../components/ErrorText.js';
import { RevokeToken } from './RevokeToken.js';
import type { SigningKeyRow } from './types.js';
import { useLoad, when } from './use-load.js';

interface Rotation {
  readonly alg: 'EdDSA' | 'ES256';
  readonly immediate: boolean;
  readonly revokePrevious: boolean;
}

/** What a key's row says it does now, in words (the server decided `signsNow`/`verifiesNow`). */
export function signingKeyStatus(k: SigningKeyRow): string {
  if (k.signsNow) return 'signs new tokens';
  if (k.state === 'pending') return 'published; signs from its activation';
  if (k.verifiesNow) return 'verifies older tokens only';
  return 'retired';
}

/**
 * Keyward's JWT signing keys and their publish-first schedule: a rotation publishes the new key in
 * the JWKS first and signs with it from `activatesAt`; the replaced key keeps verifying until
 * `retiresAt`. An emergency rotation (a leaked private key) signs at once.
 */
export function SigningKeys() {
  const list = useLoad(() => api<{ items: SigningKeyRow[] }>('GET', '/v1/signing-keys').then((r) => r.items), []);
  const [showRetired, setShowRetired] = useState(false);
  const [pending, setPending] = useState<Rotation>();
  const [note, setNote] = useState<string>();
  const ask = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = e.currentTarget.elements;
    const immediate = (f.namedItem('immediate') as HTMLInputElement).checked;
    setPending({ alg: (f.namedItem('alg') as HTMLSelectElement).value as Rotation['alg'], immediate, revokePrevious: immediate && (f.namedItem('revokePrevious') as HTMLInputElement).checked });
  };
  const rotate = async (r: Rotation) => {
    try {
      const k = await api<{ kid: string; state: string; activatesAt: string }>('POST', '/v1/signing-keys/rotate', { alg: r.alg, ...(r.immediate ? { immediate: true } : {}), ...(r.revokePrevious ? { revokePrevious: true } : {}) });
      setNote(k.state === 'pending' ? `${k.kid} is published and signs from ${when(k.activatesAt)}.` : `${k.kid} signs now.`);
      await list.reload();
    } catch (err) {
      list.setError(err);
    }
  };
  const rows = (list.data ?? []).filter((k) => showRetired || k.state !== 'retired');
  return (
    <section aria-labelledby="sk-title">
      <h1 id="sk-title">Token signing keys</h1>
      <p className="help">
        Published at <code>/.well-known/jwks.json</code>. A rotation publishes the new key first, so verifiers that cache the JWKS have it before it signs.
      </p>
      <ErrorText error={list.error} />
      {note && <p role="status">{note}</p>}
      <label htmlFor="showRetired" className="check">
        <input id="showRetired" type="checkbox" checked={showRetired} onChange={(e) => setShowRetired(e.target.checked)} /> show retired keys
      </label>
      {list.data === undefined ? (
        <p role="status">Loading…</p>
      ) : (
        <table tabIndex={0}>
          <caption className="sr-only">Signing keys, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Key id</th>
              <th scope="col">Algorithm</th>
              <th scope="col">State</th>
              <th scope="col">Published</th>
              <th scope="col">Signs from</th>
              <th scope="col">Retires</th>
              <th scope="col">Now</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((k) => (
              <tr key={k.kid} data-kid={k.kid}>
                <td>
                  <code>{k.kid}</code>
                </td>
                <td>{k.alg}</td>
                <td>{k.state}</td>
                <td>{when(k.publishedAt)}</td>
                <td>{when(k.activatesAt)}</td>
                <td>{k.retiresAt ? when(k.retiresAt) : '—'}</td>
                <td>{signingKeyStatus(k)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Rotate</h2>
      <form className="grid" onSubmit={ask}>
        <label htmlFor="alg">Algorithm</label>
        <select id="alg" name="alg" defaultValue="EdDSA">
          <option>EdDSA</option>
          <option>ES256</option>
        </select>
        <label htmlFor="immediate" className="check">
          <input id="immediate" name="immediate" type="checkbox" aria-describedby="immediate-help" /> sign with the new key at once (a leaked private key)
        </label>
        <p id="immediate-help" className="help">
          Verifiers that cached the JWKS refuse its tokens until they fetch it again.
        </p>
        <label htmlFor="revokePrevious" className="check">
          <input id="revokePrevious" name="revokePrevious" type="checkbox" /> also refuse the replaced key&apos;s tokens at once (only with the above)
        </label>
        <div className="row">
          <button type="submit">Rotate signing key</button>
        </div>
      </form>
      {pending && (
        <Confirm title={`Rotate the ${pending.alg} signing key?`} confirmLabel="Rotate" danger={pending.immediate} onConfirm={() => void rotate(pending)} onClose={() => setPending(undefined)}>
          <p className={pending.immediate ? 'warning' : undefined}>
            {pending.immediate
              ? `The new key signs at once.${pending.revokePrevious ? ' Every token of the replaced key is refused from now on.' : ' Tokens of the replaced key keep verifying until they expire.'}`
              : 'The new key is published now and signs after the publish delay; the current key keeps signing until then and verifying after.'}
          </p>
        </Confirm>
      )}
      <RevokeToken />
    </section>
  );
}
