/** The admin API's JSON for the operations pages, as far as they read it (docs/api.md). */
export interface SessionRow {
  readonly id: string;
  readonly subject: string;
  readonly device: Record<string, string>;
  readonly createdAt: string;
  readonly lastUsedAt: string;
  readonly absoluteExpiresAt: string;
  readonly revokedAt: string | null;
  readonly revokedReason: string | null;
}

export interface DeviceRow {
  readonly id: string;
  readonly platform: string;
  readonly appVersion: string | null;
  readonly proof: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface SigningKeyRow {
  readonly kid: string;
  readonly alg: string;
  readonly state: string;
  readonly publishedAt: string;
  readonly activatesAt: string;
  readonly retiresAt: string | null;
  readonly signsNow: boolean;
  readonly verifiesNow: boolean;
}

export interface MapResource {
  readonly name: string;
  readonly path: string;
  readonly methods: readonly string[] | '*';
  readonly allow: readonly string[];
  readonly scopes: readonly string[];
  readonly subject: string | null;
  readonly subjectForAll: boolean;
  readonly require: readonly string[];
  readonly environments: readonly string[] | null;
  readonly minAppVersion: { readonly live?: string; readonly test?: string };
  readonly rateLimits: readonly string[];
  readonly quota: string | null;
  readonly cost: number;
  readonly injectSecret: { readonly name: string; readonly header: string } | null;
  readonly monitor: boolean;
}

export interface AccessMapData {
  readonly loaded: boolean;
  readonly resources: readonly MapResource[];
  readonly limits: readonly { readonly name: string; readonly rate: number; readonly windowSeconds: number; readonly burst: number; readonly by: string }[];
  readonly quotas: readonly { readonly name: string; readonly amount: number; readonly refill: string | { readonly intervalSeconds: number }; readonly by: string }[];
}

export interface ExplainAnswer {
  readonly allowed: boolean;
  readonly code?: string;
  readonly resource?: string;
  readonly steps: readonly { readonly check: string; readonly ok: boolean; readonly detail: string }[];
  readonly conditions: readonly string[];
}

export interface LeakRow {
  readonly id: string;
  readonly tokenType: string;
  readonly url: string;
  readonly source: string;
  readonly keyId: string | null;
  readonly appId: string | null;
  readonly outcome: string;
  readonly reportCount: number;
  readonly lastReportedAt: string;
  /** The review (leaks/model.ts): open until dismissed, or resolved by revoking its key. */
  readonly status: 'open' | 'dismissed' | 'resolved';
  readonly closedAt: string | null;
}

export interface WebhookEndpointRow {
  readonly id: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly description?: string | null;
  readonly enabled: boolean;
}

export interface DeliveryRow {
  readonly id: string;
  readonly eventType: string;
  readonly status: string;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly createdAt: string;
}

export interface InstanceRow {
  readonly id: string;
  readonly platform?: string;
  readonly createdAt?: string;
  readonly revokedAt?: string | null;
  readonly [field: string]: unknown;
}

/** One aggregated attestation event (GET /v1/apps/{appId}/attestation/events). */
export interface AttestationEventRow {
  readonly id: string;
  readonly environment: string;
  readonly stage: 'attest' | 'request';
  readonly outcome: 'refused' | 'monitored';
  readonly code: string;
  readonly subject: string;
  readonly count: number;
  readonly firstAt: string;
  readonly lastAt: string;
}
