/**
 * The access map explain form, checked before anything is sent: the server checks again and its
 * problem+json errors are shown too, but an operator should not need a round trip to learn that a
 * path starts with "/".
 */
export interface ExplainFields {
  readonly by: 'keyId' | 'credential';
  readonly keyId: string;
  readonly credential: string;
  readonly method: string;
  readonly path: string;
  readonly subject: string;
  readonly appVersion: string;
  readonly assumeSigned: boolean;
  readonly assumeAttested: boolean;
}

export type FieldErrors = Partial<Record<keyof ExplainFields, string>>;

const KEY_ID = /^key_[0-9A-Za-z]{22}$/;

/** The request body, or the errors per field. The credential goes in the body only, never a URL. */
export function explainBody(f: ExplainFields): { ok: true; body: Record<string, unknown> } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const keyId = f.keyId.trim();
  const credential = f.credential.trim();
  if (f.by === 'keyId' && !KEY_ID.test(keyId)) errors.keyId = 'A key id looks like key_ followed by 22 letters and digits.';
  if (f.by === 'credential' && !credential) errors.credential = 'Paste the key, session key or token to test.';
  if (!/^[A-Za-z]{1,16}$/.test(f.method)) errors.method = 'Choose a method.';
  const path = f.path.trim();
  if (!path.startsWith('/')) errors.path = 'The path starts with /, for example /users/42/profile.';
  else if (path.length > 2048) errors.path = 'At most 2048 characters.';
  if (f.subject.length > 256) errors.subject = 'At most 256 characters.';
  if (f.appVersion.length > 64) errors.appVersion = 'At most 64 characters.';
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    body: {
      ...(f.by === 'keyId' ? { keyId } : { credential }),
      method: f.method,
      path,
      ...(f.subject.trim() ? { subject: f.subject.trim() } : {}),
      ...(f.appVersion.trim() ? { appVersion: f.appVersion.trim() } : {}),
      ...(f.assumeSigned ? { assumeSigned: true } : {}),
      ...(f.assumeAttested ? { assumeAttested: true } : {}),
    },
  };
}
