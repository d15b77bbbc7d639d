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
