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
  /** Readiness: the store answers */
  getReadyz: {
    params: never;
    query: never;
    body: never;
    bodyRequired: false;
    response: {
      status: "ready";
      store: string;
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
      };
      createdAt: string;
      updatedAt: string;
      version: number;
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
  /** Verify any credential — a key, a session key, a token, or a whole signed request — with one answer shape. Always 200 with {valid, code}. */
  postVerify: {
    params: never;
    query: never;
    body: {
      credential?: string;
      subject?: string;
      request?: {
        method: string;
        /** The request target exactly as sent, e.g. /v1/x?y=1 */
        target: string;
        /** Header lines as sent, duplicates kept */
        headers: [string, string][];
        bodyBase64?: string;
      };
      scopes?: string[];
      /** App id, `app_…` */
      appId?: string;
      environment?: "live" | "test";
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
      attested?: boolean;
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
      permissions: (("*") | ("apps:read") | ("apps:write") | ("keys:read") | ("keys:write") | ("credentials:verify") | ("identities:read") | ("identities:write") | ("audit:read") | ("secrets:read") | ("secrets:write") | ("sessions:read") | ("sessions:write") | ("tokens:write") | ("devices:read") | ("devices:write") | ("signing-keys:write") | ("metrics:read") | ("analytics:read") | ("rootkeys:read") | ("rootkeys:write"))[];
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
      permissions?: (("*") | ("apps:read") | ("apps:write") | ("keys:read") | ("keys:write") | ("credentials:verify") | ("identities:read") | ("identities:write") | ("audit:read") | ("secrets:read") | ("secrets:write") | ("sessions:read") | ("sessions:write") | ("tokens:write") | ("devices:read") | ("devices:write") | ("signing-keys:write") | ("metrics:read") | ("analytics:read") | ("rootkeys:read") | ("rootkeys:write"))[];
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
  getWellKnownJwksJson: { method: 'GET', path: '/.well-known/jwks.json', public: true },
  postSigningKeysRotate: { method: 'POST', path: '/v1/signing-keys/rotate', public: false },
  getDevices: { method: 'GET', path: '/v1/devices', public: false },
  postDevices: { method: 'POST', path: '/v1/devices', public: true },
  postDevicesByDeviceIdRevoke: { method: 'POST', path: '/v1/devices/{deviceId}/revoke', public: false },
  postVerify: { method: 'POST', path: '/v1/verify', public: false },
  getAnalyticsVerifications: { method: 'GET', path: '/v1/analytics/verifications', public: false },
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
} as const satisfies Record<OperationId, { method: string; path: string; public: boolean }>;
