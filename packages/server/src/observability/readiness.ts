import { KeywardError } from '../errors/keyward-error.js';

/** A dependency a node cannot serve correctly without: the store always, Redis when configured. */
export type Dependency = 'store' | 'redis';

export interface ReadinessCheck {
  readonly name: Dependency;
  /** Resolves when the dependency answers; rejects (or outlasts the bound) when it does not. */
  ping(): Promise<void>;
}

export interface Readiness {
  readonly store: string;
  /** Present when Redis is configured (`KEYWARD_REDIS_URL`): it answered. */
  readonly redis?: 'ready';
}

/**
 * How long one check may take before it counts as failed. A balancer's probe has its own timeout
 * (Kubernetes: 1 s by default); answering within a bound of our own keeps a hung dependency from
 * holding probe requests open, and the answer names it instead of timing out anonymously.
 */
export const READY_CHECK_TIMEOUT_MS = 2_000;

/**
 * Runs every check at once and answers ready only when all answered. Otherwise throws NOT_READY
 * whose `errors` list each failing dependency as `/dependencies/<name>` (so a probe or an operator
 * can tell a broken database from a broken Redis without reading logs); the detail names them and
 * never carries a URL, host or password. `onFailure` hears each underlying error, for the log.
 */
export async function checkReadiness(backend: string, checks: readonly ReadinessCheck[], onFailure: (name: Dependency, err: unknown) => void, timeoutMs = READY_CHECK_TIMEOUT_MS): Promise<Readiness> {
  const results = await Promise.all(
    checks.map(async (c) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([c.ping(), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${c.name} did not answer within ${timeoutMs} ms`)), timeoutMs)))]);
        return undefined;
      } catch (err) {
        onFailure(c.name, err);
        return c.name;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const failing = results.filter((r): r is Dependency => r !== undefined);
  if (failing.length) {
    throw new KeywardError('NOT_READY', `not ready: ${failing.join(' and ')} ${failing.length > 1 ? 'do' : 'does'} not answer`, {
      errors: failing.map((name) => ({ pointer: `/dependencies/${name}`, message: 'does not answer' })),
    });
  }
  return { store: backend, ...(checks.some((c) => c.name === 'redis') ? { redis: 'ready' as const } : {}) };
}
