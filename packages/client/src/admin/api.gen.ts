// Generated from the server's OpenAPI description by `npx tsx scripts/gen-admin-types.ts`. Do not edit:
// packages/client/test/admin/types.test.ts regenerates it and fails when it differs.

/** RFC 9457 problem details */
export type Problem = {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  requestId: string;
  errors?: {
    pointer: string;
    message: string;
  }[];
};

/** Every operation of the API, by operationId: path and query parameters, JSON body and 2xx JSON response. */
export interface Operations {
  /** Liveness: the process answers */
  getHealthz: {
    params: never;
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      status: "ok";
    };
  };
  /** Readiness: the store and, when configured, Redis answer (503 NOT_READY lists each failing one as /dependencies/<name>) */
  getReadyz: {
    params: never;
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      status: "ready";
      store: string;
      redis?: "ready";
    };
  };
  /** Prometheus metrics (needs a root key: bearer_token in the scrape config) */
  getMetrics: {
    params: never;
    query: never;
    body: never;
    bodyRequired: false;
    response: unknown;
  };
  /** List apps */
  getApps: {
    params: never;
    query: {
      /** Page size, 1–1000 (default 100) */
      limit?: string;
      /** App id, `app_…` */
      after?: string;
    };
    body: never;
    bodyRequired: false;
    response: {
      items: {
        id: string;
        name: string;
        settings: {
          revokeKeysSeenInUrls: boolean;
          defaultRotationGraceSeconds: number;
          signatureRequiredComponents: string[];
          signatureSkewSeconds: number;
          maxTokenTtlSeconds: number;
          certificatePins: string[];
          pinSetTtlSeconds: number;
          corsOrigins: string[];
          identityProviders: {
            issuer: string;
            audience: string;
            jwksUri: string;
            environment: string;
            algorithms: string[];
            clockSkewSeconds: number;
          }[];
          /** alert, throttle or suspend, per anomaly rule */
          anomalyActions: {
            traffic_spike?: "alert" | "throttle" | "suspend";
            many_networks?: "alert" | "throttle" | "suspend";
            verification_failures?: "alert" | "throttle" | "suspend";
            key_in_url?: "alert" | "throttle" | "suspend";
            new_user_agent?: "alert" | "throttle" | "suspend";
          };
          leakAction: "auto" | "revoke" | "flag";
        };
        createdAt: string;
        updatedAt: string;
        version: number;
      }[];
      next?: string;
    };
  };
  /** Create an app (tenant) with live and test environments */
  postApps: {
    params: never;
    query: never;
    body: {
      name: string;
      settings?: {
        revokeKeysSeenInUrls?: boolean;
        defaultRotationGraceSeconds?: number;
        signatureRequiredComponents?: string[];
        signatureSkewSeconds?: number;
        maxTokenTtlSeconds?: number;
        certificatePins?: string[];
        pinSetTtlSeconds?: number;
        corsOrigins?: string[];
        /** External OIDC providers whose end-user tokens this app accepts (replaces the whole list) */
        identityProviders?: {
          /** Exact iss of its tokens */
          issuer: string;
          /** The aud its tokens carry for this app */
          audience: string;
          /** https:// (http:// on loopback only) URL of its JWKS */
          jwksUri: string;
          /** default live */
          environment?: "live" | "test";
          /** default all three; never none or HS* */
          algorithms?: ("RS256" | "ES256" | "EdDSA")[];
          /** default 60 */
          clockSkewSeconds?: number;
        }[];
        /** alert, throttle or suspend, per anomaly rule */
        anomalyActions?: {
          traffic_spike?: "alert" | "throttle" | "suspend";
          many_networks?: "alert" | "throttle" | "suspend";
          verification_failures?: "alert" | "throttle" | "suspend";
          key_in_url?: "alert" | "throttle" | "suspend";
          new_user_agent?: "alert" | "throttle" | "suspend";
        };
        /** What a leak report does to a key of this app: auto (flag publishable keys, revoke the rest), revoke, or flag */
        leakAction?: "auto" | "revoke" | "flag";
      };
    };
    bodyRequired: true;
    response: {
      id: string;
      name: string;
      settings: {
        revokeKeysSeenInUrls: boolean;
        defaultRotationGraceSeconds: number;
        signatureRequiredComponents: string[];
        signatureSkewSeconds: number;
        maxTokenTtlSeconds: number;
        certificatePins: string[];
        pinSetTtlSeconds: number;
        corsOrigins: string[];
        identityProviders: {
          issuer: string;
          audience: string;
          jwksUri: string;
          environment: string;
          algorithms: string[];
          clockSkewSeconds: number;
        }[];
        /** alert, throttle or suspend, per anomaly rule */
        anomalyActions: {
          traffic_spike?: "alert" | "throttle" | "suspend";
          many_networks?: "alert" | "throttle" | "suspend";
          verification_failures?: "alert" | "throttle" | "suspend";
          key_in_url?: "alert" | "throttle" | "suspend";
          new_user_agent?: "alert" | "throttle" | "suspend";
        };
        leakAction: "auto" | "revoke" | "flag";
      };
      createdAt: string;
      updatedAt: string;
      version: number;
    };
  };
  /** Get an app */
  getAppsByAppId: {
    params: {
      /** App id, `app_…` */
      appId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      id: string;
      name: string;
      settings: {
        revokeKeysSeenInUrls: boolean;
        defaultRotationGraceSeconds: number;
        signatureRequiredComponents: string[];
        signatureSkewSeconds: number;
        maxTokenTtlSeconds: number;
        certificatePins: string[];
        pinSetTtlSeconds: number;
        corsOrigins: string[];
        identityProviders: {
          issuer: string;
          audience: string;
          jwksUri: string;
          environment: string;
          algorithms: string[];
          clockSkewSeconds: number;
        }[];
        /** alert, throttle or suspend, per anomaly rule */
        anomalyActions: {
          traffic_spike?: "alert" | "throttle" | "suspend";
          many_networks?: "alert" | "throttle" | "suspend";
          verification_failures?: "alert" | "throttle" | "suspend";
          key_in_url?: "alert" | "throttle" | "suspend";
          new_user_agent?: "alert" | "throttle" | "suspend";
        };
        leakAction: "auto" | "revoke" | "flag";
      };
      createdAt: string;
      updatedAt: string;
      version: number;
    };
  };
  /** Delete an app. Refused (409 APP_HAS_CREDENTIALS) while it has live keys, sessions or devices, unless force=true: then every key, session, device and token of the app is revoked with it, in one audited transaction. */
  deleteAppsByAppId: {
    params: {
      /** App id, `app_…` */
      appId: string;
    };
    query: {
      /** Revoke the live credentials with the app */
      force?: "true" | "false";
      /** Every revoked key's and session's reason (default: app deleted) */
      reason?: string;
    };
    body: never;
    bodyRequired: false;
    response: {
      id: string;
      deleted: true;
      revokedKeys: string[];
      revokedSessions: number;
      revokedDevices: number;
    };
  };
  /** Rename an app or change its settings */
  patchAppsByAppId: {
    params: {
      /** App id, `app_…` */
      appId: string;
    };
    query: never;
    body: {
      name?: string;
      settings?: {
        revokeKeysSeenInUrls?: boolean;
        defaultRotationGraceSeconds?: number;
        signatureRequiredComponents?: string[];
        signatureSkewSeconds?: number;
        maxTokenTtlSeconds?: number;
        certificatePins?: string[];
        pinSetTtlSeconds?: number;
        corsOrigins?: string[];
        /** External OIDC providers whose end-user tokens this app accepts (replaces the whole list) */
        identityProviders?: {
          /** Exact iss of its tokens */
          issuer: string;
          /** The aud its tokens carry for this app */
          audience: string;
          /** https:// (http:// on loopback only) URL of its JWKS */
          jwksUri: string;
          /** default live */
          environment?: "live" | "test";
          /** default all three; never none or HS* */
          algorithms?: ("RS256" | "ES256" | "EdDSA")[];
          /** default 60 */
          clockSkewSeconds?: number;
        }[];
        /** alert, throttle or suspend, per anomaly rule */
        anomalyActions?: {
          traffic_spike?: "alert" | "throttle" | "suspend";
          many_networks?: "alert" | "throttle" | "suspend";
          verification_failures?: "alert" | "throttle" | "suspend";
          key_in_url?: "alert" | "throttle" | "suspend";
          new_user_agent?: "alert" | "throttle" | "suspend";
        };
        /** What a leak report does to a key of this app: auto (flag publishable keys, revoke the rest), revoke, or flag */
        leakAction?: "auto" | "revoke" | "flag";
      };
    };
    bodyRequired: true;
    response: {
      id: string;
      name: string;
      settings: {
        revokeKeysSeenInUrls: boolean;
        defaultRotationGraceSeconds: number;
        signatureRequiredComponents: string[];
        signatureSkewSeconds: number;
        maxTokenTtlSeconds: number;
        certificatePins: string[];
        pinSetTtlSeconds: number;
        corsOrigins: string[];
        identityProviders: {
          issuer: string;
          audience: string;
          jwksUri: string;
          environment: string;
          algorithms: string[];
          clockSkewSeconds: number;
        }[];
        /** alert, throttle or suspend, per anomaly rule */
        anomalyActions: {
          traffic_spike?: "alert" | "throttle" | "suspend";
          many_networks?: "alert" | "throttle" | "suspend";
          verification_failures?: "alert" | "throttle" | "suspend";
          key_in_url?: "alert" | "throttle" | "suspend";
          new_user_agent?: "alert" | "throttle" | "suspend";
        };
        leakAction: "auto" | "revoke" | "flag";
      };
      createdAt: string;
      updatedAt: string;
      version: number;
    };
  };
  /** The app's TLS certificate pins, signed (JWS, typ kw-pins+jwt) with Keyward's JWKS keys, so pins rotate without an app release */
  getAppsByAppIdPins: {
    params: {
      /** App id, `app_…` */
      appId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      pinSet: string;
      pins: string[];
      expiresAt: string;
    };
  };
  /** List keys of an app (never their secrets) */
  getAppsByAppIdKeys: {
    params: {
      /** App id, `app_…` */
      appId: string;
    };
    query: {
      environment?: "live" | "test";
      /** Credential kind */
      kind?: "publishable" | "secret" | "restricted" | "export" | "bearer" | "device" | "signing";
      subject?: string;
      includeRevoked?: "true" | "false";
      /** Page size, 1–1000 (default 100) */
      limit?: string;
      /** Key id, `key_…` */
      after?: string;
    };
    body: never;
    bodyRequired: false;
    response: {
      items: {
        id: string;
        appId: string | null;
        environment: "live" | "test" | null;
        kind: string;
        name: string;
        /** Non-secret display prefix */
        start: string;
        scopes: string[];
        subject: string | null;
        /** Free JSON metadata, at most 4 KiB */
        meta: Record<string, unknown>;
        ipAllowList: string[];
        clientCertSha256: string | null;
        ratelimit: {
          rate: number;
          windowSeconds: number;
          burst: number;
        } | null;
        credits: {
          amount: number;
          refill: string | {
            intervalSeconds: number;
          } | null;
          /** Balance when read (before any refill due) */
          remaining: number | null;
        } | null;
        enabled: boolean;
        expiresAt: string | null;
        revokedAt: string | null;
        revokedReason: string | null;
        exposedAt: string | null;
        reissuedFromId: string | null;
        /** The identity whose metadata, rate limit and credits the key shares (`idt_…`) */
        identityId: string | null;
        createdAt: string;
        updatedAt: string;
        lastUsedAt: string | null;
        usageCount: number;
        version: number;
      }[];
      next?: string;
    };
  };
  /** Create a key. The secret is in the response once and never again. */
  postAppsByAppIdKeys: {
    params: {
      /** App id, `app_…` */
      appId: string;
    };
    query: never;
    body: {
      /** Credential kind */
      kind: "publishable" | "secret" | "restricted" | "export" | "bearer" | "device" | "signing";
      environment: "live" | "test";
      name: string;
      scopes?: string[];
      /** Free JSON metadata, at most 4 KiB */
      meta?: Record<string, unknown>;
      subject?: string | null;
      expiresAt?: string | null;
      ipAllowList?: string[];
      clientCertSha256?: string | null;
      /** A GCRA rate limit carried by the key itself */
      ratelimit?: {
        rate: number;
        windowSeconds: number;
        burst: number;
      } | null;
      /** Credits spent by each verification (`cost`, default 1); none left answers USAGE_EXCEEDED. Setting credits restarts the balance; null removes metering. */
      credits?: {
        /** Credits per period (or in total, without a refill) */
        amount: number;
        /** When the balance goes back to `amount` (UTC day, UTC month or a fixed interval); null: a one-off allowance */
        refill: "daily" | "monthly" | {
          intervalSeconds: number;
        } | null;
      } | null;
      /** Attach the key to an identity of its app (shared metadata, rate limit, credits); null detaches it */
      identityId?: string | null;
    };
    bodyRequired: true;
    response: {
      key: {
        id: string;
        appId: string | null;
        environment: "live" | "test" | null;
        kind: string;
        name: string;
        /** Non-secret display prefix */
        start: string;
        scopes: string[];
        subject: string | null;
        /** Free JSON metadata, at most 4 KiB */
        meta: Record<string, unknown>;
        ipAllowList: string[];
        clientCertSha256: string | null;
        ratelimit: {
          rate: number;
          windowSeconds: number;
          burst: number;
        } | null;
        credits: {
          amount: number;
          refill: string | {
            intervalSeconds: number;
          } | null;
          /** Balance when read (before any refill due) */
          remaining: number | null;
        } | null;
        enabled: boolean;
        expiresAt: string | null;
        revokedAt: string | null;
        revokedReason: string | null;
        exposedAt: string | null;
        reissuedFromId: string | null;
        /** The identity whose metadata, rate limit and credits the key shares (`idt_…`) */
        identityId: string | null;
        createdAt: string;
        updatedAt: string;
        lastUsedAt: string | null;
        usageCount: number;
        version: number;
      };
      /** The key itself. Shown this once; store it now. */
      secret: string;
    };
  };
  /** Which keys these plaintexts are, for `keyward scan --verify`: active, revoked or unknown (never echoes a secret) */
  postKeysLookup: {
    params: never;
    query: never;
    body: {
      secrets: string[];
    };
    bodyRequired: true;
    response: {
      items: {
        status: "active" | "revoked" | "unknown";
        /** Key id, `key_…` */
        keyId?: string;
        root?: boolean;
      }[];
    };
  };
  /** Get a key (never its secret) */
  getKeysByKeyId: {
    params: {
      /** Key id, `key_…` */
      keyId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      id: string;
      appId: string | null;
      environment: "live" | "test" | null;
      kind: string;
      name: string;
      /** Non-secret display prefix */
      start: string;
      scopes: string[];
      subject: string | null;
      /** Free JSON metadata, at most 4 KiB */
      meta: Record<string, unknown>;
      ipAllowList: string[];
      clientCertSha256: string | null;
      ratelimit: {
        rate: number;
        windowSeconds: number;
        burst: number;
      } | null;
      credits: {
        amount: number;
        refill: string | {
          intervalSeconds: number;
        } | null;
        /** Balance when read (before any refill due) */
        remaining: number | null;
      } | null;
      enabled: boolean;
      expiresAt: string | null;
      revokedAt: string | null;
      revokedReason: string | null;
      exposedAt: string | null;
      reissuedFromId: string | null;
      /** The identity whose metadata, rate limit and credits the key shares (`idt_…`) */
      identityId: string | null;
      createdAt: string;
      updatedAt: string;
      lastUsedAt: string | null;
      usageCount: number;
      version: number;
    };
  };
  /** Update metadata, scopes, expiry, allow-list; enable or disable */
  patchKeysByKeyId: {
    params: {
      /** Key id, `key_…` */
      keyId: string;
    };
    query: never;
    body: {
      name?: string;
      scopes?: string[];
      /** Free JSON metadata, at most 4 KiB */
      meta?: Record<string, unknown>;
      subject?: string | null;
      expiresAt?: string | null;
      ipAllowList?: string[];
      clientCertSha256?: string | null;
      /** A GCRA rate limit carried by the key itself */
      ratelimit?: {
        rate: number;
        windowSeconds: number;
        burst: number;
      } | null;
      /** Credits spent by each verification (`cost`, default 1); none left answers USAGE_EXCEEDED. Setting credits restarts the balance; null removes metering. */
      credits?: {
        /** Credits per period (or in total, without a refill) */
        amount: number;
        /** When the balance goes back to `amount` (UTC day, UTC month or a fixed interval); null: a one-off allowance */
        refill: "daily" | "monthly" | {
          intervalSeconds: number;
        } | null;
      } | null;
      /** Attach the key to an identity of its app (shared metadata, rate limit, credits); null detaches it */
      identityId?: string | null;
      enabled?: boolean;
    };
    bodyRequired: true;
    response: {
      id: string;
      appId: string | null;
      environment: "live" | "test" | null;
      kind: string;
      name: string;
      /** Non-secret display prefix */
      start: string;
      scopes: string[];
      subject: string | null;
      /** Free JSON metadata, at most 4 KiB */
      meta: Record<string, unknown>;
      ipAllowList: string[];
      clientCertSha256: string | null;
      ratelimit: {
        rate: number;
        windowSeconds: number;
        burst: number;
      } | null;
      credits: {
        amount: number;
        refill: string | {
          intervalSeconds: number;
        } | null;
        /** Balance when read (before any refill due) */
        remaining: number | null;
      } | null;
      enabled: boolean;
      expiresAt: string | null;
      revokedAt: string | null;
      revokedReason: string | null;
      exposedAt: string | null;
      reissuedFromId: string | null;
      /** The identity whose metadata, rate limit and credits the key shares (`idt_…`) */
      identityId: string | null;
      createdAt: string;
      updatedAt: string;
      lastUsedAt: string | null;
      usageCount: number;
      version: number;
    };
  };
  /** Rotate: new secret, same key id; the old secret works until the grace period ends */
  postKeysByKeyIdRotate: {
    params: {
      /** Key id, `key_…` */
      keyId: string;
    };
    query: never;
    body: {
      gracePeriodSeconds?: number;
    };
    bodyRequired: true;
    response: {
      key: {
        id: string;
        appId: string | null;
        environment: "live" | "test" | null;
        kind: string;
        name: string;
        /** Non-secret display prefix */
        start: string;
        scopes: string[];
        subject: string | null;
        /** Free JSON metadata, at most 4 KiB */
        meta: Record<string, unknown>;
        ipAllowList: string[];
        clientCertSha256: string | null;
        ratelimit: {
          rate: number;
          windowSeconds: number;
          burst: number;
        } | null;
        credits: {
          amount: number;
          refill: string | {
            intervalSeconds: number;
          } | null;
          /** Balance when read (before any refill due) */
          remaining: number | null;
        } | null;
        enabled: boolean;
        expiresAt: string | null;
        revokedAt: string | null;
        revokedReason: string | null;
        exposedAt: string | null;
        reissuedFromId: string | null;
        /** The identity whose metadata, rate limit and credits the key shares (`idt_…`) */
        identityId: string | null;
        createdAt: string;
        updatedAt: string;
        lastUsedAt: string | null;
        usageCount: number;
        version: number;
      };
      /** The key itself. Shown this once; store it now. */
      secret: string;
    };
  };
  /** Revoke at once, with a reason. Idempotent. */
  postKeysByKeyIdRevoke: {
    params: {
      /** Key id, `key_…` */
      keyId: string;
    };
    query: never;
    body: {
      reason: string;
    };
    bodyRequired: true;
    response: {
      id: string;
      appId: string | null;
      environment: "live" | "test" | null;
      kind: string;
      name: string;
      /** Non-secret display prefix */
      start: string;
      scopes: string[];
      subject: string | null;
      /** Free JSON metadata, at most 4 KiB */
      meta: Record<string, unknown>;
      ipAllowList: string[];
      clientCertSha256: string | null;
      ratelimit: {
        rate: number;
        windowSeconds: number;
        burst: number;
      } | null;
      credits: {
        amount: number;
        refill: string | {
          intervalSeconds: number;
        } | null;
        /** Balance when read (before any refill due) */
        remaining: number | null;
      } | null;
      enabled: boolean;
      expiresAt: string | null;
      revokedAt: string | null;
      revokedReason: string | null;
      exposedAt: string | null;
      reissuedFromId: string | null;
      /** The identity whose metadata, rate limit and credits the key shares (`idt_…`) */
      identityId: string | null;
      createdAt: string;
      updatedAt: string;
      lastUsedAt: string | null;
      usageCount: number;
      version: number;
    };
  };
  /** Reissue: a new key with the same settings; the old one is revoked at once */
  postKeysByKeyIdReissue: {
    params: {
      /** Key id, `key_…` */
      keyId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      key: {
        id: string;
        appId: string | null;
        environment: "live" | "test" | null;
        kind: string;
        name: string;
        /** Non-secret display prefix */
        start: string;
        scopes: string[];
        subject: string | null;
        /** Free JSON metadata, at most 4 KiB */
        meta: Record<string, unknown>;
        ipAllowList: string[];
        clientCertSha256: string | null;
        ratelimit: {
          rate: number;
          windowSeconds: number;
          burst: number;
        } | null;
        credits: {
          amount: number;
          refill: string | {
            intervalSeconds: number;
          } | null;
          /** Balance when read (before any refill due) */
          remaining: number | null;
        } | null;
        enabled: boolean;
        expiresAt: string | null;
        revokedAt: string | null;
        revokedReason: string | null;
        exposedAt: string | null;
        reissuedFromId: string | null;
        /** The identity whose metadata, rate limit and credits the key shares (`idt_…`) */
        identityId: string | null;
        createdAt: string;
        updatedAt: string;
        lastUsedAt: string | null;
        usageCount: number;
        version: number;
      };
      /** The key itself. Shown this once; store it now. */
      secret: string;
    };
  };
  /** Verify a key. Always 200 with {valid, code} for a well-formed key; 400 KEY_MALFORMED for one that fails its checksum. */
  postKeysVerify: {
    params: never;
    query: never;
    body: {
      /** The key to verify */
      key: string;
      /** App id, `app_…` */
      appId?: string;
      environment?: "live" | "test";
      /** Kinds acceptable for this call */
      kinds?: ("publishable" | "secret" | "restricted" | "export" | "bearer" | "device" | "signing")[];
      /** The user or device the call acts for */
      subject?: string;
      /** Scopes the call needs (all required) */
      scopes?: string[];
      /** The end client's address, for keys with an allow-list */
      ip?: string;
      /** Credits this call spends from a metered key (default 1; 0 checks the balance only) */
      cost?: number;
    };
    bodyRequired: true;
    response: {
      valid: boolean;
      /** VALID or a verify code from docs/errors.md */
      code: string;
      keyId?: string;
      appId?: string | null;
      kind?: string;
      environment?: string | null;
      scopes?: string[];
      subject?: string | null;
      meta?: Record<string, unknown>;
      expiresAt?: string | null;
      /** Metered keys: credits left after this call */
      creditsRemaining?: number;
      /** RATE_LIMITED and USAGE_EXCEEDED: seconds until the key may call again (as Retry-After) */
      retryAfterSeconds?: number;
      /** The identity the key belongs to (shared metadata, rate limit and credits) */
      identity?: {
        id: string;
        externalId: string;
        meta: Record<string, unknown>;
      };
      requestId: string;
    };
  };
  /** Page through the hash-chained audit log, oldest first */
  getAudit: {
    params: never;
    query: {
      /** Sequence number to start after */
      after?: string;
      /** Page size, 1–1000 (default 100) */
      limit?: string;
      target?: string;
    };
    body: never;
    bodyRequired: false;
    response: {
      items: {
        seq: number;
        id: string;
        at: string;
        actor: string;
        action: string;
        target: string;
        requestId: string;
        data: Record<string, unknown>;
        prevHash: string;
        hash: string;
      }[];
      next?: string;
      head: {
        seq: number;
        hash: string;
      };
    };
  };
  /** Walk the whole hash chain and compare its end with the stored head: edits, deletions, reordering and truncation are all found */
  getAuditVerify: {
    params: never;
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      ok: boolean;
      /** Records checked */
      records: number;
      /** First sequence number that does not verify */
      brokenAtSeq?: number;
      /** HASH_MISMATCH, PREV_MISMATCH, SEQ_GAP or HEAD_MISMATCH */
      problem?: string;
    };
  };
  /** Create or replace a server-held secret (sealed at rest; never returned) */
  putAppsByAppIdSecretsByEnvironmentByName: {
    params: {
      /** App id, `app_…` */
      appId: string;
      environment: "live" | "test";
      name: string;
    };
    query: never;
    body: {
      value: string;
      description?: string;
    };
    bodyRequired: true;
    response: {
      id: string;
      appId: string;
      environment: "live" | "test";
      name: string;
      description: string;
      /** Last four characters, to recognise the value; the value itself is never returned */
      hint: string;
      createdAt: string;
      updatedAt: string;
      version: number;
    };
  };
  /** List server-held secrets (names and hints only) */
  getAppsByAppIdSecrets: {
    params: {
      /** App id, `app_…` */
      appId: string;
    };
    query: {
      environment?: "live" | "test";
    };
    body: never;
    bodyRequired: false;
    response: {
      items: {
        id: string;
        appId: string;
        environment: "live" | "test";
        name: string;
        description: string;
        /** Last four characters, to recognise the value; the value itself is never returned */
        hint: string;
        createdAt: string;
        updatedAt: string;
        version: number;
      }[];
    };
  };
  /** Delete a server-held secret */
  deleteSecretsBySecretId: {
    params: {
      secretId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: void;
  };
  /** List sessions (a subject's, or all), with device and last use */
  getSessions: {
    params: never;
    query: {
      subject?: string;
      /** App id, `app_…` */
      appId?: string;
      environment?: "live" | "test";
      includeRevoked?: "true" | "false";
    };
    body: never;
    bodyRequired: false;
    response: {
      items: {
        id: string;
        appId: string;
        environment: string;
        subject: string;
        device: Record<string, string>;
        createdAt: string;
        lastUsedAt: string;
        /** When the session key stops working (refresh before then) */
        expiresAt: string;
        idleExpiresAt: string;
        absoluteExpiresAt: string;
        revokedAt: string | null;
        revokedReason: string | null;
      }[];
    };
  };
  /** Create a session for a subject your backend authenticated. Returns the session key and refresh token once. */
  postSessions: {
    params: never;
    query: never;
    body: {
      subject: string;
      device?: {
        name?: string;
        platform?: string;
        appVersion?: string;
      };
      /** App id, `app_…` */
      appId?: string;
      environment?: "live" | "test";
    };
    bodyRequired: true;
    response: {
      session: {
        id: string;
        appId: string;
        environment: string;
        subject: string;
        device: Record<string, string>;
        createdAt: string;
        lastUsedAt: string;
        /** When the session key stops working (refresh before then) */
        expiresAt: string;
        idleExpiresAt: string;
        absoluteExpiresAt: string;
        revokedAt: string | null;
        revokedReason: string | null;
      };
      sessionKey: string;
      refreshToken: string;
      expiresAt: string;
    };
  };
  /** Rotate a session key and refresh token. Reusing a spent refresh token revokes the session (REFRESH_REUSED). */
  postSessionsRefresh: {
    params: never;
    query: never;
    body: {
      refreshToken: string;
    };
    bodyRequired: true;
    response: {
      session: {
        id: string;
        appId: string;
        environment: string;
        subject: string;
        device: Record<string, string>;
        createdAt: string;
        lastUsedAt: string;
        /** When the session key stops working (refresh before then) */
        expiresAt: string;
        idleExpiresAt: string;
        absoluteExpiresAt: string;
        revokedAt: string | null;
        revokedReason: string | null;
      };
      sessionKey: string;
      refreshToken: string;
      expiresAt: string;
    };
  };
  /** Password login with Keyward-managed passwords (argon2id, per-account throttling). Send the app's publishable key in X-Api-Key. */
  postSessionsLogin: {
    params: never;
    query: never;
    body: {
      subject: string;
      password: string;
      device?: {
        name?: string;
        platform?: string;
        appVersion?: string;
      };
    };
    bodyRequired: true;
    response: {
      session: {
        id: string;
        appId: string;
        environment: string;
        subject: string;
        device: Record<string, string>;
        createdAt: string;
        lastUsedAt: string;
        /** When the session key stops working (refresh before then) */
        expiresAt: string;
        idleExpiresAt: string;
        absoluteExpiresAt: string;
        revokedAt: string | null;
        revokedReason: string | null;
      };
      sessionKey: string;
      refreshToken: string;
      expiresAt: string;
    };
  };
  /** Revoke one session */
  postSessionsBySessionIdRevoke: {
    params: {
      sessionId: string;
    };
    query: never;
    body: {
      reason?: string;
    };
    bodyRequired: true;
    response: {
      id: string;
      appId: string;
      environment: string;
      subject: string;
      device: Record<string, string>;
      createdAt: string;
      lastUsedAt: string;
      /** When the session key stops working (refresh before then) */
      expiresAt: string;
      idleExpiresAt: string;
      absoluteExpiresAt: string;
      revokedAt: string | null;
      revokedReason: string | null;
    };
  };
  /** Revoke every session of a subject (e.g. after a password change) */
  postSubjectsBySubjectSessionsRevoke: {
    params: {
      subject: string;
    };
    query: never;
    body: {
      reason?: string;
      /** App id, `app_…` */
      appId?: string;
      environment?: "live" | "test";
    };
    bodyRequired: true;
    response: {
      revoked: number;
    };
  };
  /** Set a subject's password for Keyward-managed login (stored as argon2id) */
  putSubjectsBySubjectPassword: {
    params: {
      subject: string;
    };
    query: never;
    body: {
      password: string;
      /** App id, `app_…` */
      appId?: string;
      environment?: "live" | "test";
    };
    bodyRequired: true;
    response: void;
  };
  /** Mint a short-lived JWT for one subject, audience and set of scopes (e.g. an upload token). Optionally single use. */
  postTokens: {
    params: never;
    query: never;
    body: {
      /** `sub`: the user or device the token acts for */
      subject: string;
      /** `aud`: the one service meant to accept it */
      audience: string;
      scopes: string[];
      /** Lifetime; above the app's cap is refused, never shortened */
      ttlSeconds: number;
      /** Verifies once: the jti is consumed atomically */
      singleUse?: boolean;
      alg?: "EdDSA" | "ES256";
      /** Extra claims; registered and kw_* names are refused */
      claims?: Record<string, unknown>;
      /** App id, `app_…` */
      appId?: string;
      environment?: "live" | "test";
    };
    bodyRequired: true;
    response: {
      token: string;
      jti: string;
      kid: string;
      expiresAt: string;
    };
  };
  /** Verify a token. Always 200 with {valid, code}; a single-use token is consumed by its first successful verification. */
  postTokensVerify: {
    params: never;
    query: never;
    body: {
      token: string;
      audience?: string;
      /** Scopes the call needs (all required) */
      scopes?: string[];
      /** App id, `app_…` */
      appId?: string;
      environment?: "live" | "test";
    };
    bodyRequired: true;
    response: {
      valid: boolean;
      /** VALID, TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_ALREADY_USED or INSUFFICIENT_SCOPES */
      code: string;
      jti?: string;
      subject?: string;
      appId?: string;
      environment?: string;
      scopes?: string[];
      audience?: string;
      expiresAt?: string;
      singleUse?: boolean;
      requestId: string;
    };
  };
  /** Revoke a token by its jti: it is refused everywhere (POST /v1/verify, the gateway, the middlewares, /v1/tokens/verify). Audited; revoking again changes nothing. */
  postTokensByJtiRevoke: {
    params: {
      /** The `jti` claim (POST /v1/tokens answers it) */
      jti: string;
    };
    query: never;
    body: {
      /** App id, `app_…` */
      appId?: string;
      environment?: "live" | "test";
      reason?: string;
    };
    bodyRequired: true;
    response: {
      jti: string;
      appId: string;
      environment: string;
      revoked: true;
      /** It was revoked before (nothing changed) */
      alreadyRevoked: boolean;
      reason: string | null;
      revokedAt: string;
      /** When the revocation is dropped: no token of this jti verifies after it anyway */
      expiresAt: string;
    };
  };
  /** Keyward's token signing keys (public parts only) */
  getWellKnownJwksJson: {
    params: never;
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      keys: Record<string, string>[];
    };
  };
  /** Every token signing key with its publish-first schedule: published, activates, retires; which signs and which verify now (newest first, public facts only) */
  getSigningKeys: {
    params: never;
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      items: {
        kid: string;
        alg: string;
        /** pending, active, published (replaced, still verifying until retiresAt) or retired */
        state: string;
        /** In the JWKS from then */
        publishedAt: string;
        /** Signs from then */
        activatesAt: string;
        /** Its tokens are refused from then (a replaced key); null while it signs or waits to */
        retiresAt: string | null;
        signsNow: boolean;
        verifiesNow: boolean;
      }[];
    };
  };
  /** Rotate the token signing key for an algorithm (default EdDSA). Audited. The new key is published in the JWKS first and signs from activatesAt; the old key keeps verifying until its tokens have expired. */
  postSigningKeysRotate: {
    params: never;
    query: never;
    body: {
      alg?: "EdDSA" | "ES256";
      /** Sign with the new key now instead of after the publish delay */
      immediate?: boolean;
      /** With immediate: refuse tokens of the replaced key from now on */
      revokePrevious?: boolean;
    };
    bodyRequired: true;
    response: {
      kid: string;
      alg: string;
      /** pending (published, signs from activatesAt) or active (signs now) */
      state: string;
      createdAt: string;
      activatesAt: string;
    };
  };
  /** List registered devices */
  getDevices: {
    params: never;
    query: {
      /** App id, `app_…` */
      appId?: string;
      environment?: "live" | "test";
    };
    body: never;
    bodyRequired: false;
    response: {
      items: {
        id: string;
        appId: string;
        environment: string;
        platform: string;
        appVersion: string | null;
        /** `secret`, `ed25519` or `ecdsa-p256-sha256` */
        proof: string;
        publicJwk: Record<string, string> | null;
        createdAt: string;
        revokedAt: string | null;
      }[];
    };
  };
  /** Register an app install. With `publicKey` (Ed25519 or P-256 JWK) the device signs requests with keyid = its id; without, Keyward issues a device secret (shown once) for the keychain/keystore. */
  postDevices: {
    params: never;
    query: never;
    body: {
      platform: string;
      appVersion?: string;
      publicKey?: Record<string, unknown>;
    };
    bodyRequired: true;
    response: {
      device: {
        id: string;
        appId: string;
        environment: string;
        platform: string;
        appVersion: string | null;
        /** `secret`, `ed25519` or `ecdsa-p256-sha256` */
        proof: string;
        publicJwk: Record<string, string> | null;
        createdAt: string;
        revokedAt: string | null;
      };
      secret?: string;
    };
  };
  /** Revoke a device credential (its secret or its registered key) */
  postDevicesByDeviceIdRevoke: {
    params: {
      deviceId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      id: string;
      appId: string;
      environment: string;
      platform: string;
      appVersion: string | null;
      /** `secret`, `ed25519` or `ecdsa-p256-sha256` */
      proof: string;
      publicJwk: Record<string, string> | null;
      createdAt: string;
      revokedAt: string | null;
    };
  };
  /** An app's failed and monitored attestations, aggregated per minute, newest first */
  getAppsByAppIdAttestationEvents: {
    params: {
      /** App id, `app_…` */
      appId: string;
    };
    query: {
      environment?: "live" | "test";
      outcome?: "refused" | "monitored";
      stage?: "attest" | "request";
      /** Page size, 1–1000 (default 100) */
      limit?: string;
      /** The `next` of the previous page */
      after?: string;
    };
    body: never;
    bodyRequired: false;
    response: {
      items: {
        id: string;
        appId: string;
        environment: string;
        /** attest: POST /v1/attest refused; request: a route whose attestation or assertion requirement was not met */
        stage: "attest" | "request";
        /** monitored: monitor-only mode let the call through (enforcement would have refused it) */
        outcome: "refused" | "monitored";
        code: string;
        /** the platform (attest), the access map's resource path, or app-token (an app token whose instance no longer stands) */
        subject: string;
        /** the precise reason of the window's first occurrence */
        reason: string;
        /** occurrences in the window (one minute, one node) */
        count: number;
        firstAt: string;
        lastAt: string;
      }[];
      next?: string;
    };
  };
  /** A single-use attestation challenge (base64url, 32 bytes) for this app and environment */
  postAttestChallenge: {
    params: never;
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      challenge: string;
      expiresAt: string;
    };
  };
  /** Exchange a platform attestation over a challenge for an app token (registers the app instance) */
  postAttest: {
    params: never;
    query: never;
    body: {
      challenge: string;
      payload: {
        platform: "apple";
        keyId: string;
        attestation: string;
      } | {
        platform: "android";
        certificateChain: string[];
      } | {
        platform: "play_integrity";
        token: string;
      } | {
        platform: "external";
        provider: string;
        token: string;
      } | {
        platform: "debug";
        token: string;
      };
    };
    bodyRequired: true;
    response: {
      appToken: string;
      expiresAt: string;
      instanceId: string;
    };
  };
  /** The runtime secrets this attested instance may hold (per app settings); never cached */
  getAttestSecrets: {
    params: never;
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      secrets: Record<string, string>;
    };
  };
  /** An app environment's attestation settings */
  getAttestationConfig: {
    params: never;
    query: {
      /** App id, `app_…` */
      appId?: string;
      environment?: "live" | "test";
    };
    body: never;
    bodyRequired: false;
    response: {
      appId: string;
      environment: string;
      appTokenTtlSeconds: number;
      appTokenScopes: string[];
      monitorOnly: boolean;
      maxAttestationsPerKeyPerHour: number;
      maxAttestationsPerAppPerHour: number;
      reattestAfterSeconds: number;
      runtimeSecrets: string[];
      /** the platform policy; key material (Play Integrity's keys) is sealed at rest and shown as "<sealed>", which a PUT may send back to keep it */
      policy: Record<string, unknown>;
      platforms: string[];
      version: number;
    };
  };
  /** Change an app environment's attestation settings (fields left out keep their value) */
  putAttestationConfig: {
    params: never;
    query: never;
    body: {
      /** App id, `app_…` */
      appId?: string;
      environment?: "live" | "test";
      /** apple, android, playIntegrity, external (attestation/provider.ts AttestationPolicy); replaces the whole policy; a key sent as "<sealed>" keeps the stored one */
      policy?: Record<string, unknown>;
      appTokenTtlSeconds?: number;
      appTokenScopes?: string[];
      monitorOnly?: boolean;
      maxAttestationsPerKeyPerHour?: number;
      maxAttestationsPerAppPerHour?: number;
      reattestAfterSeconds?: number;
      runtimeSecrets?: string[];
    };
    bodyRequired: true;
    response: {
      appId: string;
      environment: string;
      appTokenTtlSeconds: number;
      appTokenScopes: string[];
      monitorOnly: boolean;
      maxAttestationsPerKeyPerHour: number;
      maxAttestationsPerAppPerHour: number;
      reattestAfterSeconds: number;
      runtimeSecrets: string[];
      /** the platform policy; key material (Play Integrity's keys) is sealed at rest and shown as "<sealed>", which a PUT may send back to keep it */
      policy: Record<string, unknown>;
      platforms: string[];
      version: number;
    };
  };
  /** Attested app instances, newest first */
  getAttestationInstances: {
    params: never;
    query: {
      /** App id, `app_…` */
      appId?: string;
      environment?: "live" | "test";
    };
    body: never;
    bodyRequired: false;
    response: {
      items: {
        id: string;
        appId: string;
        environment: string;
        platform: string;
        keyId: string;
        counter: number;
        facts: Record<string, unknown>;
        status: string;
        createdAt: string;
        lastSeenAt: string;
        revokedAt: string | null;
      }[];
    };
  };
  /** Revoke an app instance: its app tokens answer REATTESTATION_REQUIRED */
  postAttestationInstancesByInstanceIdRevoke: {
    params: {
      instanceId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      id: string;
      appId: string;
      environment: string;
      platform: string;
      keyId: string;
      counter: number;
      facts: Record<string, unknown>;
      status: string;
      createdAt: string;
      lastSeenAt: string;
      revokedAt: string | null;
    };
  };
  /** An app's debug tokens (never their values) */
  getAttestationDebugTokens: {
    params: never;
    query: {
      /** App id, `app_…` */
      appId: string;
    };
    body: never;
    bodyRequired: false;
    response: {
      items: {
        id: string;
        appId: string;
        name: string;
        createdAt: string;
        revokedAt: string | null;
      }[];
    };
  };
  /** Create a named debug token (test environment only; shown once; at most 10 per app) */
  postAttestationDebugTokens: {
    params: never;
    query: never;
    body: {
      /** App id, `app_…` */
      appId: string;
      name: string;
    };
    bodyRequired: true;
    response: {
      token: string;
      debugToken: {
        id: string;
        appId: string;
        name: string;
        createdAt: string;
        revokedAt: string | null;
      };
    };
  };
  /** Revoke a debug token */
  postAttestationDebugTokensByDebugTokenIdRevoke: {
    params: {
      debugTokenId: string;
    };
    query: never;
    body: {
      /** App id, `app_…` */
      appId: string;
    };
    bodyRequired: true;
    response: {
      id: string;
      appId: string;
      name: string;
      createdAt: string;
      revokedAt: string | null;
    };
  };
  /** Verify any credential — a key, a session key, a token, or a whole signed request — with one answer shape. Always 200 with {valid, code}. */
  postVerify: {
    params: never;
    query: never;
    body: {
      credential?: string;
      subject?: string;
      request?: {
        method: string;
        /** The request target exactly as sent, e.g. /v1/x?y=1. One carrying a key, as sent or percent-encoded, answers {valid: false, code: KEY_IN_URL} and every real key in it is marked exposed (revoked when its app says so) */
        target: string;
        /** Header lines as sent, duplicates kept */
        headers: [string, string][];
        bodyBase64?: string;
      };
      scopes?: string[];
      /** App id, `app_…` */
      appId?: string;
      environment?: "live" | "test";
      /** The end user's IP address as your backend saw it: for anomaly detection only (many networks), never for authentication */
      clientIp?: string;
      /** The end user's User-Agent as your backend saw it, for anomaly detection (default: the signed request's own) */
      userAgent?: string;
    };
    bodyRequired: true;
    response: {
      valid: boolean;
      code: string;
      /** key, session, token or signature */
      scheme?: string;
      kind?: string;
      id?: string;
      appId?: string;
      environment?: string;
      subject?: string | null;
      scopes?: string[];
      signed?: boolean;
      session?: boolean;
      /** The credential is an app token of an attested, active app instance */
      attested?: boolean;
      /** With an app token: the attested app instance (ins_…) */
      instanceId?: string;
      /** A request with a Keyward-Assertion header: the assertion held (its counter is now spent) */
      asserted?: boolean;
      /** RATE_LIMITED and USAGE_EXCEEDED: seconds until the credential may call again (as Retry-After) */
      retryAfterSeconds?: number;
      requestId: string;
    };
  };
  /** Verification outcomes per bucket, split by code: for an app, a key, an identity, or everything */
  getAnalyticsVerifications: {
    params: never;
    query: {
      /** Bucket size (UTC); default hour */
      granularity?: "minute" | "hour" | "day";
      /** Default: 1 h (minute), 24 h (hour) or 30 d (day) before `to` */
      from?: string;
      /** Default: now (the bucket in progress included) */
      to?: string;
      /** App id, `app_…` */
      appId?: string;
      /** Key id, `key_…` */
      keyId?: string;
      /** Identity id (keys that belong to one) */
      identityId?: string;
    };
    body: never;
    bodyRequired: false;
    response: {
      /** Bucket size (UTC); default hour */
      granularity: "minute" | "hour" | "day";
      /** Start of the first bucket (inclusive) */
      from: string;
      /** End of the last bucket (exclusive) */
      to: string;
      /** Buckets with at least one verification, oldest first (empty buckets are left out) */
      buckets: {
        start: string;
        /** Verifications in the bucket, every outcome */
        total: number;
        /** Of which VALID */
        valid: number;
        /** Count per verify code (docs/errors.md); only codes that occurred */
        outcomes: Record<string, number>;
      }[];
    };
  };
  /** The keys with the most verifications in a window, ranked by the server, with their valid and rejected counts */
  getAnalyticsTopKeys: {
    params: never;
    query: {
      /** Bucket size (UTC); default hour */
      granularity?: "minute" | "hour" | "day";
      /** Default: 1 h (minute), 24 h (hour) or 30 d (day) before `to` */
      from?: string;
      /** Default: now (the bucket in progress included) */
      to?: string;
      /** App id, `app_…` */
      appId?: string;
      /** Identity id (keys that belong to one) */
      identityId?: string;
      /** How many keys, 1–100 (default 10) */
      limit?: string;
    };
    body: never;
    bodyRequired: false;
    response: {
      /** Bucket size (UTC); default hour */
      granularity: "minute" | "hour" | "day";
      /** Start of the first bucket (inclusive) */
      from: string;
      /** End of the last bucket (exclusive) */
      to: string;
      /** Most verifications first (ties by key id); keys without any in the window are left out */
      keys: {
        /** Key id, `key_…` */
        keyId: string;
        /** null when the key no longer exists */
        name: string | null;
        environment: string | null;
        kind: string | null;
        /** The display prefix (never the secret) */
        start: string | null;
        /** Verifications in the window, every outcome */
        total: number;
        /** Of which VALID */
        valid: number;
        /** Of which refused (total − valid) */
        rejected: number;
      }[];
    };
  };
  /** Security and operations series per bucket: attestation outcomes (with what monitor-only let through), leak reports, anomalies, webhook deliveries */
  getAnalyticsEvents: {
    params: never;
    query: {
      /** Bucket size (UTC); default hour */
      granularity?: "minute" | "hour" | "day";
      /** Default: 1 h (minute), 24 h (hour) or 30 d (day) before `to` */
      from?: string;
      /** Default: now (the bucket in progress included) */
      to?: string;
      /** App id, `app_…` */
      appId?: string;
    };
    body: never;
    bodyRequired: false;
    response: {
      /** Bucket size (UTC); default hour */
      granularity: "minute" | "hour" | "day";
      /** Start of the first bucket (inclusive) */
      from: string;
      /** End of the last bucket (exclusive) */
      to: string;
      /** Buckets with at least one count, oldest first (empty buckets are left out) */
      buckets: {
        start: string;
        attestation: {
          /** Successful attestations (app instances registered) */
          passed: number;
          /** Attestation refusals answered to the caller (POST /v1/attest and route requirements) */
          refused: number;
          /** Would have been refused: monitor-only mode let them through */
          monitored: number;
          /** Refusals per catalogue code */
          refusedByCode: Record<string, number>;
          /** Monitor-only passes per catalogue code */
          monitoredByCode: Record<string, number>;
        };
        leaks: {
          /** Distinct leak reports first received in the bucket */
          reported: number;
          /** Per status now (open, dismissed, resolved) */
          byStatus: Record<string, number>;
          /** Per the partner's source */
          bySource: Record<string, number>;
        };
        anomalies: {
          /** Anomaly rules that fired */
          detected: number;
          /** Per rule (docs/anomalies.md) */
          byRule: Record<string, number>;
        };
        webhooks: {
          delivered: number;
          failed: number;
          /** Deliveries queued in the bucket, by status now */
          pending: number;
        };
      }[];
    };
  };
  /** An app's anomalies, newest first */
  getAppsByAppIdAnomalies: {
    params: {
      /** App id, `app_…` */
      appId: string;
    };
    query: {
      status?: "open" | "dismissed" | "resolved";
      /** The rule that fired (docs/anomalies.md) */
      rule?: "traffic_spike" | "many_networks" | "verification_failures" | "key_in_url" | "new_user_agent";
      /** Page size, 1–1000 (default 100) */
      limit?: string;
      /** The `next` of the previous page */
      after?: string;
    };
    body: never;
    bodyRequired: false;
    response: {
      items: {
        id: string;
        /** The rule that fired (docs/anomalies.md) */
        rule: "traffic_spike" | "many_networks" | "verification_failures" | "key_in_url" | "new_user_agent";
        appId: string | null;
        /** The credential id the rule watched (an app id for verification_failures) */
        entity: string;
        credentialKind: string | null;
        detectedAt: string;
        /** The numbers behind the decision: observed, usual, threshold */
        detail: Record<string, number | string>;
        action: "alert" | "throttle" | "suspend";
        actionOutcome: "done" | "failed" | "not_applicable";
        status: "open" | "dismissed" | "resolved";
        closedAt: string | null;
        closedBy: string | null;
      }[];
      next?: string;
    };
  };
  /** Every anomaly, across apps (including failure bursts no app could be named for), newest first */
  getAnomalies: {
    params: never;
    query: {
      status?: "open" | "dismissed" | "resolved";
      /** The rule that fired (docs/anomalies.md) */
      rule?: "traffic_spike" | "many_networks" | "verification_failures" | "key_in_url" | "new_user_agent";
      /** Page size, 1–1000 (default 100) */
      limit?: string;
      /** The `next` of the previous page */
      after?: string;
    };
    body: never;
    bodyRequired: false;
    response: {
      items: {
        id: string;
        /** The rule that fired (docs/anomalies.md) */
        rule: "traffic_spike" | "many_networks" | "verification_failures" | "key_in_url" | "new_user_agent";
        appId: string | null;
        /** The credential id the rule watched (an app id for verification_failures) */
        entity: string;
        credentialKind: string | null;
        detectedAt: string;
        /** The numbers behind the decision: observed, usual, threshold */
        detail: Record<string, number | string>;
        action: "alert" | "throttle" | "suspend";
        actionOutcome: "done" | "failed" | "not_applicable";
        status: "open" | "dismissed" | "resolved";
        closedAt: string | null;
        closedBy: string | null;
      }[];
      next?: string;
    };
  };
  /** One anomaly */
  getAnomaliesByAnomalyId: {
    params: {
      /** Anomaly id, `anm_…` */
      anomalyId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      id: string;
      /** The rule that fired (docs/anomalies.md) */
      rule: "traffic_spike" | "many_networks" | "verification_failures" | "key_in_url" | "new_user_agent";
      appId: string | null;
      /** The credential id the rule watched (an app id for verification_failures) */
      entity: string;
      credentialKind: string | null;
      detectedAt: string;
      /** The numbers behind the decision: observed, usual, threshold */
      detail: Record<string, number | string>;
      action: "alert" | "throttle" | "suspend";
      actionOutcome: "done" | "failed" | "not_applicable";
      status: "open" | "dismissed" | "resolved";
      closedAt: string | null;
      closedBy: string | null;
    };
  };
  /** Dismiss an open anomaly (a false alarm). Undoing its action (re-enabling a key) is a separate, audited change. */
  postAnomaliesByAnomalyIdDismiss: {
    params: {
      /** Anomaly id, `anm_…` */
      anomalyId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      id: string;
      /** The rule that fired (docs/anomalies.md) */
      rule: "traffic_spike" | "many_networks" | "verification_failures" | "key_in_url" | "new_user_agent";
      appId: string | null;
      /** The credential id the rule watched (an app id for verification_failures) */
      entity: string;
      credentialKind: string | null;
      detectedAt: string;
      /** The numbers behind the decision: observed, usual, threshold */
      detail: Record<string, number | string>;
      action: "alert" | "throttle" | "suspend";
      actionOutcome: "done" | "failed" | "not_applicable";
      status: "open" | "dismissed" | "resolved";
      closedAt: string | null;
      closedBy: string | null;
    };
  };
  /** Mark an open anomaly resolved (acted on) */
  postAnomaliesByAnomalyIdResolve: {
    params: {
      /** Anomaly id, `anm_…` */
      anomalyId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      id: string;
      /** The rule that fired (docs/anomalies.md) */
      rule: "traffic_spike" | "many_networks" | "verification_failures" | "key_in_url" | "new_user_agent";
      appId: string | null;
      /** The credential id the rule watched (an app id for verification_failures) */
      entity: string;
      credentialKind: string | null;
      detectedAt: string;
      /** The numbers behind the decision: observed, usual, threshold */
      detail: Record<string, number | string>;
      action: "alert" | "throttle" | "suspend";
      actionOutcome: "done" | "failed" | "not_applicable";
      status: "open" | "dismissed" | "resolved";
      closedAt: string | null;
      closedBy: string | null;
    };
  };
  /** The current dashboard session (after a reload): its CSRF token, expiry and root key */
  getConsoleSession: {
    params: never;
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      /** Send it as x-keyward-csrf on every request that changes something */
      csrfToken: string;
      expiresAt: string;
      rootKey: {
        id: string;
        name: string;
        permissions: string[];
        appIds: string[] | null;
      };
    };
  };
  /** Sign in to the dashboard: exchange a root key for a short-lived HttpOnly, SameSite=Strict session cookie */
  postConsoleSession: {
    params: never;
    query: never;
    body: {
      /** A root key; never stored by the browser */
      rootKey: string;
    };
    bodyRequired: true;
    response: {
      /** Send it as x-keyward-csrf on every request that changes something */
      csrfToken: string;
      expiresAt: string;
      rootKey: {
        id: string;
        name: string;
        permissions: string[];
        appIds: string[] | null;
      };
    };
  };
  /** Sign out: ends the session on the server and clears the cookie */
  deleteConsoleSession: {
    params: never;
    query: never;
    body: never;
    bodyRequired: false;
    response: void;
  };
  /** List root keys (never their secrets). A key restricted to some apps sees only the root keys it covers. */
  getRootKeys: {
    params: never;
    query: {
      includeRevoked?: "true" | "false";
      /** Page size, 1–1000 (default 100) */
      limit?: string;
      /** Key id, `key_…` */
      after?: string;
    };
    body: never;
    bodyRequired: false;
    response: {
      items: {
        id: string;
        kind: "root";
        name: string;
        /** Non-secret display prefix */
        start: string;
        permissions: string[];
        appIds: string[] | null;
        /** Free JSON metadata, at most 4 KiB */
        meta: Record<string, unknown>;
        enabled: boolean;
        expiresAt: string | null;
        revokedAt: string | null;
        revokedReason: string | null;
        exposedAt: string | null;
        createdAt: string;
        updatedAt: string;
        lastUsedAt: string | null;
        usageCount: number;
        version: number;
      }[];
      next?: string;
    };
  };
  /** Create a root key with some permissions (and optionally some apps). The secret is in the response once. */
  postRootKeys: {
    params: never;
    query: never;
    body: {
      name: string;
      permissions: (("*") | ("apps:read") | ("apps:write") | ("keys:read") | ("keys:write") | ("credentials:verify") | ("identities:read") | ("identities:write") | ("audit:read") | ("secrets:read") | ("secrets:write") | ("sessions:read") | ("sessions:write") | ("tokens:write") | ("devices:read") | ("devices:write") | ("attestation:read") | ("attestation:write") | ("signing-keys:read") | ("signing-keys:write") | ("metrics:read") | ("analytics:read") | ("anomalies:read") | ("anomalies:write") | ("rootkeys:read") | ("rootkeys:write") | ("webhooks:read") | ("webhooks:write") | ("leaks:read") | ("leaks:write"))[];
      /** Restrict the key to these apps; null: every app */
      appIds?: string[] | null;
      expiresAt?: string | null;
      /** Free JSON metadata, at most 4 KiB */
      meta?: Record<string, unknown>;
    };
    bodyRequired: true;
    response: {
      key: {
        id: string;
        kind: "root";
        name: string;
        /** Non-secret display prefix */
        start: string;
        permissions: string[];
        appIds: string[] | null;
        /** Free JSON metadata, at most 4 KiB */
        meta: Record<string, unknown>;
        enabled: boolean;
        expiresAt: string | null;
        revokedAt: string | null;
        revokedReason: string | null;
        exposedAt: string | null;
        createdAt: string;
        updatedAt: string;
        lastUsedAt: string | null;
        usageCount: number;
        version: number;
      };
      /** The root key itself. Shown this once; store it now. */
      secret: string;
    };
  };
  /** Get a root key (never its secret) */
  getRootKeysByKeyId: {
    params: {
      /** Key id, `key_…` */
      keyId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      id: string;
      kind: "root";
      name: string;
      /** Non-secret display prefix */
      start: string;
      permissions: string[];
      appIds: string[] | null;
      /** Free JSON metadata, at most 4 KiB */
      meta: Record<string, unknown>;
      enabled: boolean;
      expiresAt: string | null;
      revokedAt: string | null;
      revokedReason: string | null;
      exposedAt: string | null;
      createdAt: string;
      updatedAt: string;
      lastUsedAt: string | null;
      usageCount: number;
      version: number;
    };
  };
  /** Rename, change permissions or apps, enable or disable a root key. Refused (LAST_ROOT_KEY) if no full-power root key would remain. */
  patchRootKeysByKeyId: {
    params: {
      /** Key id, `key_…` */
      keyId: string;
    };
    query: never;
    body: {
      name?: string;
      permissions?: (("*") | ("apps:read") | ("apps:write") | ("keys:read") | ("keys:write") | ("credentials:verify") | ("identities:read") | ("identities:write") | ("audit:read") | ("secrets:read") | ("secrets:write") | ("sessions:read") | ("sessions:write") | ("tokens:write") | ("devices:read") | ("devices:write") | ("attestation:read") | ("attestation:write") | ("signing-keys:read") | ("signing-keys:write") | ("metrics:read") | ("analytics:read") | ("anomalies:read") | ("anomalies:write") | ("rootkeys:read") | ("rootkeys:write") | ("webhooks:read") | ("webhooks:write") | ("leaks:read") | ("leaks:write"))[];
      /** Restrict the key to these apps; null: every app */
      appIds?: string[] | null;
      enabled?: boolean;
      /** Free JSON metadata, at most 4 KiB */
      meta?: Record<string, unknown>;
    };
    bodyRequired: true;
    response: {
      id: string;
      kind: "root";
      name: string;
      /** Non-secret display prefix */
      start: string;
      permissions: string[];
      appIds: string[] | null;
      /** Free JSON metadata, at most 4 KiB */
      meta: Record<string, unknown>;
      enabled: boolean;
      expiresAt: string | null;
      revokedAt: string | null;
      revokedReason: string | null;
      exposedAt: string | null;
      createdAt: string;
      updatedAt: string;
      lastUsedAt: string | null;
      usageCount: number;
      version: number;
    };
  };
  /** Rotate: new secret, same id and power; the old secret works until the grace period ends */
  postRootKeysByKeyIdRotate: {
    params: {
      /** Key id, `key_…` */
      keyId: string;
    };
    query: never;
    body: {
      gracePeriodSeconds?: number;
    };
    bodyRequired: true;
    response: {
      key: {
        id: string;
        kind: "root";
        name: string;
        /** Non-secret display prefix */
        start: string;
        permissions: string[];
        appIds: string[] | null;
        /** Free JSON metadata, at most 4 KiB */
        meta: Record<string, unknown>;
        enabled: boolean;
        expiresAt: string | null;
        revokedAt: string | null;
        revokedReason: string | null;
        exposedAt: string | null;
        createdAt: string;
        updatedAt: string;
        lastUsedAt: string | null;
        usageCount: number;
        version: number;
      };
      /** The root key itself. Shown this once; store it now. */
      secret: string;
    };
  };
  /** Revoke a root key at once. Refused (LAST_ROOT_KEY) for the last full-power root key. Idempotent. */
  postRootKeysByKeyIdRevoke: {
    params: {
      /** Key id, `key_…` */
      keyId: string;
    };
    query: never;
    body: {
      reason: string;
    };
    bodyRequired: true;
    response: {
      id: string;
      kind: "root";
      name: string;
      /** Non-secret display prefix */
      start: string;
      permissions: string[];
      appIds: string[] | null;
      /** Free JSON metadata, at most 4 KiB */
      meta: Record<string, unknown>;
      enabled: boolean;
      expiresAt: string | null;
      revokedAt: string | null;
      revokedReason: string | null;
      exposedAt: string | null;
      createdAt: string;
      updatedAt: string;
      lastUsedAt: string | null;
      usageCount: number;
      version: number;
    };
  };
  /** List an app's identities, or find one by externalId */
  getAppsByAppIdIdentities: {
    params: {
      /** App id, `app_…` */
      appId: string;
    };
    query: {
      /** Your id for the customer or user, unique within the app */
      externalId?: string;
      /** Page size, 1–1000 (default 100) */
      limit?: string;
      /** Identity id, `idt_…` */
      after?: string;
    };
    body: never;
    bodyRequired: false;
    response: {
      items: {
        id: string;
        appId: string;
        externalId: string;
        /** Free JSON metadata, at most 4 KiB */
        meta: Record<string, unknown>;
        /** One limit shared by every key of the identity */
        ratelimit: {
          rate: number;
          windowSeconds: number;
          burst: number;
        } | null;
        credits: {
          amount: number;
          refill: string | {
            intervalSeconds: number;
          } | null;
          /** Shared balance when read (before any refill due) */
          remaining: number | null;
        } | null;
        createdAt: string;
        updatedAt: string;
        version: number;
      }[];
      next?: string;
    };
  };
  /** Create an identity: a customer or end user whose keys share metadata, a rate limit and credits */
  postAppsByAppIdIdentities: {
    params: {
      /** App id, `app_…` */
      appId: string;
    };
    query: never;
    body: {
      /** Your id for the customer or user, unique within the app */
      externalId: string;
      /** Free JSON metadata, at most 4 KiB */
      meta?: Record<string, unknown>;
      /** A GCRA rate limit carried by the key itself */
      ratelimit?: {
        rate: number;
        windowSeconds: number;
        burst: number;
      } | null;
      /** Credits spent by each verification (`cost`, default 1); none left answers USAGE_EXCEEDED. Setting credits restarts the balance; null removes metering. */
      credits?: {
        /** Credits per period (or in total, without a refill) */
        amount: number;
        /** When the balance goes back to `amount` (UTC day, UTC month or a fixed interval); null: a one-off allowance */
        refill: "daily" | "monthly" | {
          intervalSeconds: number;
        } | null;
      } | null;
    };
    bodyRequired: true;
    response: {
      id: string;
      appId: string;
      externalId: string;
      /** Free JSON metadata, at most 4 KiB */
      meta: Record<string, unknown>;
      /** One limit shared by every key of the identity */
      ratelimit: {
        rate: number;
        windowSeconds: number;
        burst: number;
      } | null;
      credits: {
        amount: number;
        refill: string | {
          intervalSeconds: number;
        } | null;
        /** Shared balance when read (before any refill due) */
        remaining: number | null;
      } | null;
      createdAt: string;
      updatedAt: string;
      version: number;
    };
  };
  /** Get an identity */
  getIdentitiesByIdentityId: {
    params: {
      /** Identity id, `idt_…` */
      identityId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      id: string;
      appId: string;
      externalId: string;
      /** Free JSON metadata, at most 4 KiB */
      meta: Record<string, unknown>;
      /** One limit shared by every key of the identity */
      ratelimit: {
        rate: number;
        windowSeconds: number;
        burst: number;
      } | null;
      credits: {
        amount: number;
        refill: string | {
          intervalSeconds: number;
        } | null;
        /** Shared balance when read (before any refill due) */
        remaining: number | null;
      } | null;
      createdAt: string;
      updatedAt: string;
      version: number;
    };
  };
  /** Delete an identity. Refused (CONFLICT) while live keys belong to it, unless detachKeys=true: its keys then keep working with their own limits only. */
  deleteIdentitiesByIdentityId: {
    params: {
      /** Identity id, `idt_…` */
      identityId: string;
    };
    query: {
      detachKeys?: "true" | "false";
    };
    body: never;
    bodyRequired: false;
    response: {
      id: string;
      deleted: true;
      detachedKeys: string[];
    };
  };
  /** Change an identity (its keys see the change at once). Setting credits restarts the shared balance. */
  patchIdentitiesByIdentityId: {
    params: {
      /** Identity id, `idt_…` */
      identityId: string;
    };
    query: never;
    body: {
      /** Your id for the customer or user, unique within the app */
      externalId?: string;
      /** Free JSON metadata, at most 4 KiB */
      meta?: Record<string, unknown>;
      /** A GCRA rate limit carried by the key itself */
      ratelimit?: {
        rate: number;
        windowSeconds: number;
        burst: number;
      } | null;
      /** Credits spent by each verification (`cost`, default 1); none left answers USAGE_EXCEEDED. Setting credits restarts the balance; null removes metering. */
      credits?: {
        /** Credits per period (or in total, without a refill) */
        amount: number;
        /** When the balance goes back to `amount` (UTC day, UTC month or a fixed interval); null: a one-off allowance */
        refill: "daily" | "monthly" | {
          intervalSeconds: number;
        } | null;
      } | null;
    };
    bodyRequired: true;
    response: {
      id: string;
      appId: string;
      externalId: string;
      /** Free JSON metadata, at most 4 KiB */
      meta: Record<string, unknown>;
      /** One limit shared by every key of the identity */
      ratelimit: {
        rate: number;
        windowSeconds: number;
        burst: number;
      } | null;
      credits: {
        amount: number;
        refill: string | {
          intervalSeconds: number;
        } | null;
        /** Shared balance when read (before any refill due) */
        remaining: number | null;
      } | null;
      createdAt: string;
      updatedAt: string;
      version: number;
    };
  };
  /** Which calls of the loaded access map a key may make, and why not for the others */
  getKeysByKeyIdAccess: {
    params: {
      /** Key id, `key_…` */
      keyId: string;
    };
    query: {
      /** With `path`: explain this one call */
      method?: string;
      path?: string;
      /** The subject (X-Keyward-Subject) a key without its own would act for */
      subject?: string;
      appVersion?: string;
      assumeSigned?: "true" | "false";
      assumeAttested?: "true" | "false";
    };
    body: never;
    bodyRequired: false;
    response: {
      keyId: string;
      /** Whether the key itself passes verification now (revoked, disabled, expired or subject-less keys make no call) */
      usable: boolean;
      code?: string;
      conditions: string[];
      call?: {
        resource?: string;
        /** The resource path pattern (listing) or the path asked about */
        path?: string;
        methods?: string[] | ("*");
        method?: string;
        allowed: boolean;
        /** Why not: the code a request would get */
        code?: string;
        reason?: string;
        steps: {
          check: string;
          ok: boolean;
          detail: string;
        }[];
      };
      resources?: {
        resource?: string;
        /** The resource path pattern (listing) or the path asked about */
        path?: string;
        methods?: string[] | ("*");
        method?: string;
        allowed: boolean;
        /** Why not: the code a request would get */
        code?: string;
        reason?: string;
        steps: {
          check: string;
          ok: boolean;
          detail: string;
        }[];
      }[];
    };
  };
  /** A key's rate-limit state now (its own limit and its identity's), read without spending, and its credit balance */
  getKeysByKeyIdLimits: {
    params: {
      /** Key id, `key_…` */
      keyId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      keyId: string;
      ratelimit: {
        rate: number;
        windowSeconds: number;
        burst: number;
        /** Calls the bucket allows right now */
        remaining: number;
        /** When the bucket is full again if no call comes */
        fullAt: string;
      } | null;
      identityRatelimit: {
        rate: number;
        windowSeconds: number;
        burst: number;
        /** Calls the bucket allows right now */
        remaining: number;
        /** When the bucket is full again if no call comes */
        fullAt: string;
      } | null;
      creditsRemaining: number | null;
    };
  };
  /** The access map the server was started with (`keyward start --policy`), as data: resources, limits, quotas, upstreams */
  getPolicy: {
    params: never;
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      /** false: the server was started without --policy (every other field empty) */
      loaded: boolean;
      audience: string | null;
      resources: {
        name: string;
        path: string;
        methods: string[] | ("*");
        allow: string[];
        scopes: string[];
        subject: string | null;
        subjectForAll: boolean;
        require: string[];
        environments: string[] | null;
        minAppVersion: {
          live?: string;
          test?: string;
        };
        rateLimits: string[];
        quota: string | null;
        cost: number;
        /** The server-held secret injected upstream (its name and header; never a value) */
        injectSecret: {
          name: string;
          header: string;
        } | null;
        audience: string | null;
        upstream: string | null;
        /** Attestation in monitor-only mode on this route */
        monitor: boolean;
        line: number;
      }[];
      limits: {
        name: string;
        rate: number;
        windowSeconds: number;
        burst: number;
        by: string;
      }[];
      quotas: {
        name: string;
        amount: number;
        refill: "daily" | "monthly" | {
          intervalSeconds: number;
        };
        by: string;
      }[];
      upstreams: {
        name: string;
        url: string;
        audience: string | null;
      }[];
    };
  };
  /** May this credential (or key id) make this call? The decision of the loaded access map with every check it made, as `keyward policy explain` prints it */
  postPolicyExplain: {
    params: never;
    query: never;
    body: {
      /** The key, session key or token to test (in the body, never a URL; not stored or logged) */
      credential?: string;
      /** Key id, `key_…` */
      keyId?: string;
      method: string;
      path: string;
      /** The subject (X-Keyward-Subject) a credential without its own would act for */
      subject?: string;
      appVersion?: string;
      /** Answer as if the request carried it */
      assumeSigned?: boolean;
      /** Answer as if the request carried it */
      assumeAttested?: boolean;
    };
    bodyRequired: true;
    response: {
      allowed: boolean;
      /** Why not: the code the request would get */
      code?: string;
      resource?: string;
      steps: {
        check: string;
        ok: boolean;
        detail: string;
      }[];
      conditions: string[];
    };
  };
  /** List leak reports, newest first (one app with appId; every app needs an all-app root key) */
  getLeaks: {
    params: never;
    query: {
      /** App id, `app_…` */
      appId?: string;
      status?: "open" | "dismissed" | "resolved";
      /** Page size, 1–1000 (default 100) */
      limit?: string;
      before?: string;
    };
    body: never;
    bodyRequired: false;
    response: {
      items: {
        id: string;
        /** SHA-256 of the reported token, hex (the token itself is never stored) */
        tokenHash: string;
        tokenType: string;
        url: string;
        source: string;
        keyId: string | null;
        appId: string | null;
        outcome: "revoked" | "flagged" | "already_revoked" | "false_positive";
        reportedBy: string;
        reportCount: number;
        firstReportedAt: string;
        lastReportedAt: string;
        /** The review: open until an operator dismisses it or revokes its key (resolved); outcome stays what the report did */
        status: "open" | "dismissed" | "resolved";
        closedAt: string | null;
        closedBy: string | null;
      }[];
      next: string | null;
    };
  };
  /** Report leaked tokens (GitHub secret scanning partner format, ECDSA-signed); Keyward keys are revoked or flagged per app */
  postLeaks: {
    params: never;
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      token_hash: string;
      token_type: string;
      label: "true_positive" | "false_positive";
    }[];
  };
  /** One leak report */
  getLeaksByLeakReportId: {
    params: {
      leakReportId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      id: string;
      /** SHA-256 of the reported token, hex (the token itself is never stored) */
      tokenHash: string;
      tokenType: string;
      url: string;
      source: string;
      keyId: string | null;
      appId: string | null;
      outcome: "revoked" | "flagged" | "already_revoked" | "false_positive";
      reportedBy: string;
      reportCount: number;
      firstReportedAt: string;
      lastReportedAt: string;
      /** The review: open until an operator dismisses it or revokes its key (resolved); outcome stays what the report did */
      status: "open" | "dismissed" | "resolved";
      closedAt: string | null;
      closedBy: string | null;
    };
  };
  /** Dismiss an open leak report (looked at, nothing to do); CONFLICT unless open. The key is left as it is. */
  postLeaksByLeakReportIdDismiss: {
    params: {
      leakReportId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      id: string;
      /** SHA-256 of the reported token, hex (the token itself is never stored) */
      tokenHash: string;
      tokenType: string;
      url: string;
      source: string;
      keyId: string | null;
      appId: string | null;
      outcome: "revoked" | "flagged" | "already_revoked" | "false_positive";
      reportedBy: string;
      reportCount: number;
      firstReportedAt: string;
      lastReportedAt: string;
      /** The review: open until an operator dismisses it or revokes its key (resolved); outcome stays what the report did */
      status: "open" | "dismissed" | "resolved";
      closedAt: string | null;
      closedBy: string | null;
    };
  };
  /** Revoke the key a leak report names (reason leaked; a flagged publishable key once its replacement shipped) and mark an open report resolved. Idempotent; CONFLICT for a report naming no key */
  postLeaksByLeakReportIdRevoke: {
    params: {
      leakReportId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      id: string;
      /** SHA-256 of the reported token, hex (the token itself is never stored) */
      tokenHash: string;
      tokenType: string;
      url: string;
      source: string;
      keyId: string | null;
      appId: string | null;
      outcome: "revoked" | "flagged" | "already_revoked" | "false_positive";
      reportedBy: string;
      reportCount: number;
      firstReportedAt: string;
      lastReportedAt: string;
      /** The review: open until an operator dismisses it or revokes its key (resolved); outcome stays what the report did */
      status: "open" | "dismissed" | "resolved";
      closedAt: string | null;
      closedBy: string | null;
    };
  };
  /** List an app's webhook endpoints */
  getAppsByAppIdWebhooks: {
    params: {
      /** App id, `app_…` */
      appId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      items: {
        id: string;
        appId: string;
        url: string;
        description: string;
        /** Event types delivered; empty: every type */
        events: ("key.created" | "key.revoked" | "key.rotated" | "key.disabled" | "key.exposed" | "leak.reported" | "anomaly.detected" | "attestation.failed" | "webhook.test")[];
        enabled: boolean;
        createdAt: string;
        updatedAt: string;
        version: number;
      }[];
    };
  };
  /** Create a webhook endpoint (its secret is returned once) */
  postAppsByAppIdWebhooks: {
    params: {
      /** App id, `app_…` */
      appId: string;
    };
    query: never;
    body: {
      /** https URL of the receiver (no loopback/private addresses unless KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES) */
      url: string;
      description?: string;
      events?: ("key.created" | "key.revoked" | "key.rotated" | "key.disabled" | "key.exposed" | "leak.reported" | "anomaly.detected" | "attestation.failed" | "webhook.test")[];
      enabled?: boolean;
    };
    bodyRequired: true;
    response: {
      endpoint: {
        id: string;
        appId: string;
        url: string;
        description: string;
        /** Event types delivered; empty: every type */
        events: ("key.created" | "key.revoked" | "key.rotated" | "key.disabled" | "key.exposed" | "leak.reported" | "anomaly.detected" | "attestation.failed" | "webhook.test")[];
        enabled: boolean;
        createdAt: string;
        updatedAt: string;
        version: number;
      };
      /** whsec_… (Standard Webhooks); shown once, stored sealed */
      secret: string;
    };
  };
  /** Get a webhook endpoint */
  getWebhooksByEndpointId: {
    params: {
      endpointId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      id: string;
      appId: string;
      url: string;
      description: string;
      /** Event types delivered; empty: every type */
      events: ("key.created" | "key.revoked" | "key.rotated" | "key.disabled" | "key.exposed" | "leak.reported" | "anomaly.detected" | "attestation.failed" | "webhook.test")[];
      enabled: boolean;
      createdAt: string;
      updatedAt: string;
      version: number;
    };
  };
  /** Delete a webhook endpoint and its delivery log */
  deleteWebhooksByEndpointId: {
    params: {
      endpointId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: void;
  };
  /** Change a webhook endpoint (URL, description, event filter, enabled) */
  patchWebhooksByEndpointId: {
    params: {
      endpointId: string;
    };
    query: never;
    body: {
      /** https URL of the receiver (no loopback/private addresses unless KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES) */
      url?: string;
      description?: string;
      events?: ("key.created" | "key.revoked" | "key.rotated" | "key.disabled" | "key.exposed" | "leak.reported" | "anomaly.detected" | "attestation.failed" | "webhook.test")[];
      enabled?: boolean;
    };
    bodyRequired: true;
    response: {
      id: string;
      appId: string;
      url: string;
      description: string;
      /** Event types delivered; empty: every type */
      events: ("key.created" | "key.revoked" | "key.rotated" | "key.disabled" | "key.exposed" | "leak.reported" | "anomaly.detected" | "attestation.failed" | "webhook.test")[];
      enabled: boolean;
      createdAt: string;
      updatedAt: string;
      version: number;
    };
  };
  /** Replace the signing secret (the new one is returned once and signs every later attempt) */
  postWebhooksByEndpointIdRotateSecret: {
    params: {
      endpointId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      endpoint: {
        id: string;
        appId: string;
        url: string;
        description: string;
        /** Event types delivered; empty: every type */
        events: ("key.created" | "key.revoked" | "key.rotated" | "key.disabled" | "key.exposed" | "leak.reported" | "anomaly.detected" | "attestation.failed" | "webhook.test")[];
        enabled: boolean;
        createdAt: string;
        updatedAt: string;
        version: number;
      };
      /** whsec_… (Standard Webhooks); shown once, stored sealed */
      secret: string;
    };
  };
  /** Queue a webhook.test event for this endpoint */
  postWebhooksByEndpointIdTest: {
    params: {
      endpointId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      /** The webhook-id header, the same on every attempt */
      id: string;
      endpointId: string;
      appId: string;
      eventType: "key.created" | "key.revoked" | "key.rotated" | "key.disabled" | "key.exposed" | "leak.reported" | "anomaly.detected" | "attestation.failed" | "webhook.test";
      status: "pending" | "delivered" | "failed";
      attempts: number;
      nextAttemptAt: string | null;
      lastStatusCode: number | null;
      lastError: string | null;
      createdAt: string;
      updatedAt: string;
    };
  };
  /** An endpoint's delivery log, newest first: status, attempts, last response, next retry */
  getWebhooksByEndpointIdDeliveries: {
    params: {
      endpointId: string;
    };
    query: {
      status?: "pending" | "delivered" | "failed";
      /** Page size, 1–1000 (default 100) */
      limit?: string;
    };
    body: never;
    bodyRequired: false;
    response: {
      items: {
        /** The webhook-id header, the same on every attempt */
        id: string;
        endpointId: string;
        appId: string;
        eventType: "key.created" | "key.revoked" | "key.rotated" | "key.disabled" | "key.exposed" | "leak.reported" | "anomaly.detected" | "attestation.failed" | "webhook.test";
        status: "pending" | "delivered" | "failed";
        attempts: number;
        nextAttemptAt: string | null;
        lastStatusCode: number | null;
        lastError: string | null;
        createdAt: string;
        updatedAt: string;
      }[];
    };
  };
  /** One delivery with every attempt */
  getWebhookDeliveriesByDeliveryId: {
    params: {
      deliveryId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      delivery: {
        /** The webhook-id header, the same on every attempt */
        id: string;
        endpointId: string;
        appId: string;
        eventType: "key.created" | "key.revoked" | "key.rotated" | "key.disabled" | "key.exposed" | "leak.reported" | "anomaly.detected" | "attestation.failed" | "webhook.test";
        status: "pending" | "delivered" | "failed";
        attempts: number;
        nextAttemptAt: string | null;
        lastStatusCode: number | null;
        lastError: string | null;
        createdAt: string;
        updatedAt: string;
      };
      attempts: {
        attempt: number;
        at: string;
        statusCode: number | null;
        error: string | null;
        durationMs: number;
      }[];
    };
  };
  /** Send a delivery again now (one more attempt, same webhook-id) */
  postWebhookDeliveriesByDeliveryIdRedeliver: {
    params: {
      deliveryId: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      /** The webhook-id header, the same on every attempt */
      id: string;
      endpointId: string;
      appId: string;
      eventType: "key.created" | "key.revoked" | "key.rotated" | "key.disabled" | "key.exposed" | "leak.reported" | "anomaly.detected" | "attestation.failed" | "webhook.test";
      status: "pending" | "delivered" | "failed";
      attempts: number;
      nextAttemptAt: string | null;
      lastStatusCode: number | null;
      lastError: string | null;
      createdAt: string;
      updatedAt: string;
    };
  };
}

export type OperationId = keyof Operations;

/** Method and path template of every operation (`public`: it takes no root key). */
export const ROUTES = {
  getHealthz: { method: 'GET', path: '/healthz', public: true },
  getReadyz: { method: 'GET', path: '/readyz', public: true },
  getMetrics: { method: 'GET', path: '/metrics', public: false },
  getApps: { method: 'GET', path: '/v1/apps', public: false },
  postApps: { method: 'POST', path: '/v1/apps', public: false },
  getAppsByAppId: { method: 'GET', path: '/v1/apps/{appId}', public: false },
  deleteAppsByAppId: { method: 'DELETE', path: '/v1/apps/{appId}', public: false },
  patchAppsByAppId: { method: 'PATCH', path: '/v1/apps/{appId}', public: false },
  getAppsByAppIdPins: { method: 'GET', path: '/v1/apps/{appId}/pins', public: true },
  getAppsByAppIdKeys: { method: 'GET', path: '/v1/apps/{appId}/keys', public: false },
  postAppsByAppIdKeys: { method: 'POST', path: '/v1/apps/{appId}/keys', public: false },
  postKeysLookup: { method: 'POST', path: '/v1/keys/lookup', public: false },
  getKeysByKeyId: { method: 'GET', path: '/v1/keys/{keyId}', public: false },
  patchKeysByKeyId: { method: 'PATCH', path: '/v1/keys/{keyId}', public: false },
  postKeysByKeyIdRotate: { method: 'POST', path: '/v1/keys/{keyId}/rotate', public: false },
  postKeysByKeyIdRevoke: { method: 'POST', path: '/v1/keys/{keyId}/revoke', public: false },
  postKeysByKeyIdReissue: { method: 'POST', path: '/v1/keys/{keyId}/reissue', public: false },
  postKeysVerify: { method: 'POST', path: '/v1/keys/verify', public: false },
  getAudit: { method: 'GET', path: '/v1/audit', public: false },
  getAuditVerify: { method: 'GET', path: '/v1/audit/verify', public: false },
  putAppsByAppIdSecretsByEnvironmentByName: { method: 'PUT', path: '/v1/apps/{appId}/secrets/{environment}/{name}', public: false },
  getAppsByAppIdSecrets: { method: 'GET', path: '/v1/apps/{appId}/secrets', public: false },
  deleteSecretsBySecretId: { method: 'DELETE', path: '/v1/secrets/{secretId}', public: false },
  getSessions: { method: 'GET', path: '/v1/sessions', public: false },
  postSessions: { method: 'POST', path: '/v1/sessions', public: false },
  postSessionsRefresh: { method: 'POST', path: '/v1/sessions/refresh', public: true },
  postSessionsLogin: { method: 'POST', path: '/v1/sessions/login', public: true },
  postSessionsBySessionIdRevoke: { method: 'POST', path: '/v1/sessions/{sessionId}/revoke', public: false },
  postSubjectsBySubjectSessionsRevoke: { method: 'POST', path: '/v1/subjects/{subject}/sessions/revoke', public: false },
  putSubjectsBySubjectPassword: { method: 'PUT', path: '/v1/subjects/{subject}/password', public: false },
  postTokens: { method: 'POST', path: '/v1/tokens', public: false },
  postTokensVerify: { method: 'POST', path: '/v1/tokens/verify', public: false },
  postTokensByJtiRevoke: { method: 'POST', path: '/v1/tokens/{jti}/revoke', public: false },
  getWellKnownJwksJson: { method: 'GET', path: '/.well-known/jwks.json', public: true },
  getSigningKeys: { method: 'GET', path: '/v1/signing-keys', public: false },
  postSigningKeysRotate: { method: 'POST', path: '/v1/signing-keys/rotate', public: false },
  getDevices: { method: 'GET', path: '/v1/devices', public: false },
  postDevices: { method: 'POST', path: '/v1/devices', public: true },
  postDevicesByDeviceIdRevoke: { method: 'POST', path: '/v1/devices/{deviceId}/revoke', public: false },
  getAppsByAppIdAttestationEvents: { method: 'GET', path: '/v1/apps/{appId}/attestation/events', public: false },
  postAttestChallenge: { method: 'POST', path: '/v1/attest/challenge', public: true },
  postAttest: { method: 'POST', path: '/v1/attest', public: true },
  getAttestSecrets: { method: 'GET', path: '/v1/attest/secrets', public: true },
  getAttestationConfig: { method: 'GET', path: '/v1/attestation/config', public: false },
  putAttestationConfig: { method: 'PUT', path: '/v1/attestation/config', public: false },
  getAttestationInstances: { method: 'GET', path: '/v1/attestation/instances', public: false },
  postAttestationInstancesByInstanceIdRevoke: { method: 'POST', path: '/v1/attestation/instances/{instanceId}/revoke', public: false },
  getAttestationDebugTokens: { method: 'GET', path: '/v1/attestation/debug-tokens', public: false },
  postAttestationDebugTokens: { method: 'POST', path: '/v1/attestation/debug-tokens', public: false },
  postAttestationDebugTokensByDebugTokenIdRevoke: { method: 'POST', path: '/v1/attestation/debug-tokens/{debugTokenId}/revoke', public: false },
  postVerify: { method: 'POST', path: '/v1/verify', public: false },
  getAnalyticsVerifications: { method: 'GET', path: '/v1/analytics/verifications', public: false },
  getAnalyticsTopKeys: { method: 'GET', path: '/v1/analytics/top-keys', public: false },
  getAnalyticsEvents: { method: 'GET', path: '/v1/analytics/events', public: false },
  getAppsByAppIdAnomalies: { method: 'GET', path: '/v1/apps/{appId}/anomalies', public: false },
  getAnomalies: { method: 'GET', path: '/v1/anomalies', public: false },
  getAnomaliesByAnomalyId: { method: 'GET', path: '/v1/anomalies/{anomalyId}', public: false },
  postAnomaliesByAnomalyIdDismiss: { method: 'POST', path: '/v1/anomalies/{anomalyId}/dismiss', public: false },
  postAnomaliesByAnomalyIdResolve: { method: 'POST', path: '/v1/anomalies/{anomalyId}/resolve', public: false },
  getConsoleSession: { method: 'GET', path: '/v1/console/session', public: true },
  postConsoleSession: { method: 'POST', path: '/v1/console/session', public: true },
  deleteConsoleSession: { method: 'DELETE', path: '/v1/console/session', public: true },
  getRootKeys: { method: 'GET', path: '/v1/root-keys', public: false },
  postRootKeys: { method: 'POST', path: '/v1/root-keys', public: false },
  getRootKeysByKeyId: { method: 'GET', path: '/v1/root-keys/{keyId}', public: false },
  patchRootKeysByKeyId: { method: 'PATCH', path: '/v1/root-keys/{keyId}', public: false },
  postRootKeysByKeyIdRotate: { method: 'POST', path: '/v1/root-keys/{keyId}/rotate', public: false },
  postRootKeysByKeyIdRevoke: { method: 'POST', path: '/v1/root-keys/{keyId}/revoke', public: false },
  getAppsByAppIdIdentities: { method: 'GET', path: '/v1/apps/{appId}/identities', public: false },
  postAppsByAppIdIdentities: { method: 'POST', path: '/v1/apps/{appId}/identities', public: false },
  getIdentitiesByIdentityId: { method: 'GET', path: '/v1/identities/{identityId}', public: false },
  deleteIdentitiesByIdentityId: { method: 'DELETE', path: '/v1/identities/{identityId}', public: false },
  patchIdentitiesByIdentityId: { method: 'PATCH', path: '/v1/identities/{identityId}', public: false },
  getKeysByKeyIdAccess: { method: 'GET', path: '/v1/keys/{keyId}/access', public: false },
  getKeysByKeyIdLimits: { method: 'GET', path: '/v1/keys/{keyId}/limits', public: false },
  getPolicy: { method: 'GET', path: '/v1/policy', public: false },
  postPolicyExplain: { method: 'POST', path: '/v1/policy/explain', public: false },
  getLeaks: { method: 'GET', path: '/v1/leaks', public: false },
  postLeaks: { method: 'POST', path: '/v1/leaks', public: true },
  getLeaksByLeakReportId: { method: 'GET', path: '/v1/leaks/{leakReportId}', public: false },
  postLeaksByLeakReportIdDismiss: { method: 'POST', path: '/v1/leaks/{leakReportId}/dismiss', public: false },
  postLeaksByLeakReportIdRevoke: { method: 'POST', path: '/v1/leaks/{leakReportId}/revoke', public: false },
  getAppsByAppIdWebhooks: { method: 'GET', path: '/v1/apps/{appId}/webhooks', public: false },
  postAppsByAppIdWebhooks: { method: 'POST', path: '/v1/apps/{appId}/webhooks', public: false },
  getWebhooksByEndpointId: { method: 'GET', path: '/v1/webhooks/{endpointId}', public: false },
  deleteWebhooksByEndpointId: { method: 'DELETE', path: '/v1/webhooks/{endpointId}', public: false },
  patchWebhooksByEndpointId: { method: 'PATCH', path: '/v1/webhooks/{endpointId}', public: false },
  postWebhooksByEndpointIdRotateSecret: { method: 'POST', path: '/v1/webhooks/{endpointId}/rotate-secret', public: false },
  postWebhooksByEndpointIdTest: { method: 'POST', path: '/v1/webhooks/{endpointId}/test', public: false },
  getWebhooksByEndpointIdDeliveries: { method: 'GET', path: '/v1/webhooks/{endpointId}/deliveries', public: false },
  getWebhookDeliveriesByDeliveryId: { method: 'GET', path: '/v1/webhook-deliveries/{deliveryId}', public: false },
  postWebhookDeliveriesByDeliveryIdRedeliver: { method: 'POST', path: '/v1/webhook-deliveries/{deliveryId}/redeliver', public: false },
} as const satisfies Record<OperationId, { method: string; path: string; public: boolean }>;
