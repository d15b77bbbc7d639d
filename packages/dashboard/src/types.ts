/** The admin API's JSON, as far as the dashboard reads it (docs/api.md). */
export interface App {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly settings: Record<string, unknown>;
}

export interface Key {
  readonly id: string;
  readonly appId: string | null;
  readonly environment: 'live' | 'test' | null;
  readonly kind: string;
  readonly name: string;
  readonly start: string;
  readonly scopes: readonly string[];
  readonly enabled: boolean;
  readonly revokedAt: string | null;
  readonly revokedReason: string | null;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly usageCount: number;
  readonly createdAt: string;
}

export interface AuditRecord {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
}

export interface Session {
  readonly csrfToken: string;
  readonly expiresAt: string;
  readonly rootKey: { readonly id: string; readonly name: string; readonly permissions: readonly string[] };
}

export const KEY_KINDS = ['publishable', 'secret', 'restricted', 'export', 'bearer', 'device', 'signing'] as const;

/** One key as `GET /v1/keys/{id}` answers it: the list fields and its settings (never its secret). */
export interface KeyDetail extends Key {
  readonly subject: string | null;
  readonly meta: Record<string, unknown>;
  readonly ipAllowList: readonly string[];
  readonly ratelimit: { readonly rate: number; readonly windowSeconds: number; readonly burst: number } | null;
  readonly credits: { readonly amount: number; readonly refill: string | { readonly intervalSeconds: number } | null; readonly remaining: number | null } | null;
  readonly exposedAt: string | null;
  readonly identityId: string | null;
  readonly updatedAt: string;
  readonly version: number;
}

/** An audit record with the data the API answers with (never a secret: the audit log holds none). */
export interface AuditRecordWithData extends AuditRecord {
  readonly data: Readonly<Record<string, unknown>>;
}
