/** What the cache needs of the token service. */
export interface DocumentSigner {
  signDocument(typ: string, claims: Record<string, unknown>, ttlSeconds: number): Promise<string>;
  documentSignerKid(): Promise<string>;
}

interface Entry {
  readonly pinSet: Promise<{ readonly pinSet: string; readonly expiresAtMs: number }>;
  readonly key: string;
}

/**
 * The signed pin set served on the public `GET /v1/apps/:appId/pins`, signed once and reused.
 * Signing (Ed25519) per request let any anonymous caller spend the server's CPU at will, and
 * handed out a different JWS each time for an unchanged document.
 *
 * An entry is reused while all of these hold, and re-signed as soon as one does not:
 *  - the app's pins and the document lifetime are the ones it was signed for (a pin change
 *    shows in the next request: the app record comes from the apps cache, which changes invalidate);
 *  - the key that signs documents now is the one that signed it (a rotation or a revoked key
 *    re-signs at once, so no document signed by a retired key keeps being served);
 *  - at least half of its lifetime is left (callers always get a usefully long `exp`).
 */
export class SignedPinSetCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly signer: DocumentSigner,
    private readonly now: () => number,
  ) {}

  async get(appId: string, pins: readonly string[], ttlSeconds: number): Promise<{ readonly pinSet: string; readonly expiresAtMs: number }> {
    const kid = await this.signer.documentSignerKid();
    const key = `${kid}|${ttlSeconds}|${JSON.stringify(pins)}`;
    const hit = this.entries.get(appId);
    if (hit !== undefined && hit.key === key) {
      const doc = await hit.pinSet.catch(() => undefined);
      if (doc !== undefined && doc.expiresAtMs - this.now() > (ttlSeconds * 1000) / 2) return doc;
    }
    // The promise is stored, so concurrent first requests share one signature.
    const pinSet = this.sign(appId, pins, ttlSeconds);
    if (this.entries.size >= 10_000) this.entries.clear();
    this.entries.set(appId, { pinSet, key });
    pinSet.catch(() => {
      if (this.entries.get(appId)?.pinSet === pinSet) this.entries.delete(appId);
    });
    return pinSet;
  }

  private async sign(appId: string, pins: readonly string[], ttlSeconds: number) {
    const pinSet = await this.signer.signDocument('kw-pins+jwt', { sub: appId, pins: [...pins] }, ttlSeconds);
    // expiresAt is the document's own exp, read back, so the answer and the JWS never disagree.
    const claims = JSON.parse(Buffer.from(pinSet.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number };
    return { pinSet, expiresAtMs: claims.exp * 1000 };
  }
}
