import type { Code } from '@keyward/protocol';
import type { ResponseLike } from './web.js';

/**
 * A refusal's code: one of the shared catalogue's (@keyward/protocol, docs/errors.md), or
 * `HTTP_<status>` when the answer carried none (a proxy's error page, say).
 */
export type ApiErrorCode = Code | `HTTP_${number}`;

/**
 * Errors the SDK throws. A refusal from Keyward or the gateway is a {@link KeywardApiError} with
 * the server's stable `code` (switch on it; `message` is for people). Network trouble is a
 * {@link KeywardNetworkError}. Both are `KeywardError`s.
 */
export class KeywardError extends Error {
  override name = 'KeywardError';
}

export class KeywardApiError extends KeywardError {
  override name = 'KeywardApiError';
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    readonly requestId: string | undefined,
    readonly problem: Readonly<Record<string, unknown>>,
    readonly retryAfterSeconds?: number,
  ) {
    super(`${status} ${code}${typeof problem.detail === 'string' ? `: ${problem.detail}` : ''}`);
  }

  /** The app should ask the user to update (the access map requires a newer app version). */
  get upgradeRequired(): boolean {
    return this.code === 'UPGRADE_REQUIRED';
  }

  /** The user must sign in again (session over, or a refresh token was reused). */
  get reauthenticate(): boolean {
    return this.code === 'SESSION_EXPIRED' || this.code === 'REFRESH_REUSED' || this.code === 'INVALID_CREDENTIAL';
  }
}

export class KeywardNetworkError extends KeywardError {
  override name = 'KeywardNetworkError';
  constructor(message: string, override readonly cause: unknown) {
    super(message);
  }
}

/** Reads a problem+json response into a KeywardApiError. */
export async function apiError(res: ResponseLike): Promise<KeywardApiError> {
  let problem: Record<string, unknown> = {};
  try {
    problem = (await res.json()) as Record<string, unknown>;
  } catch {
    // not JSON: keep the status
  }
  const retryAfter = res.headers.get('retry-after');
  return new KeywardApiError(
    res.status,
    // Keyward answers only with catalogue codes (a server test fails otherwise), so a string code is one.
    typeof problem.code === 'string' ? (problem.code as Code) : `HTTP_${res.status}`,
    (typeof problem.requestId === 'string' ? problem.requestId : res.headers.get('x-request-id')) ?? undefined,
    problem,
    retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined,
  );
}
