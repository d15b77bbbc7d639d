/**
 * Cache invalidation messages. In one process they are delivered synchronously; a multi-node
 * deployment replaces {@link LocalInvalidationBus} with one that also publishes to its peers
 * (Redis pub/sub), so a revocation reaches every node's cache.
 */
export type Invalidation =
  /** A key changed; `revoked`: the change was its revocation (so caches may refuse it at once, without a re-read). */
  | { readonly type: 'key'; readonly keyId: string; readonly revoked?: true }
  /** A device was revoked: its public key must stop verifying signatures. */
  | { readonly type: 'device'; readonly deviceId: string }
  /** A session was revoked or its session key rotated. */
  | { readonly type: 'session'; readonly sessionId: string }
  /** An attested app instance was revoked (or superseded): its app tokens must stop verifying. */
  | { readonly type: 'instance'; readonly instanceId: string }
  /** An app's settings changed (its record or its attestation settings): re-read it before the next use. */
  | { readonly type: 'app'; readonly appId: string }
  /** The JWT signing keys changed (rotation, retirement): re-read them, drop verified tokens. */
  | { readonly type: 'signing_keys' }
  /** A token id was revoked: every process's TokenService re-reads that revocation. */
  | { readonly type: 'token'; readonly jti: string }
  | { readonly type: 'all' };

export interface InvalidationBus {
  /** Delivers to local subscribers before resolving; remote delivery is best effort plus TTL backstop. */
  publish(message: Invalidation): Promise<void>;
  subscribe(handler: (message: Invalidation) => void): () => void;
  close(): Promise<void>;
}

export class LocalInvalidationBus implements InvalidationBus {
  private readonly handlers = new Set<(message: Invalidation) => void>();

  async publish(message: Invalidation): Promise<void> {
    for (const h of this.handlers) h(message);
  }

  subscribe(handler: (message: Invalidation) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
