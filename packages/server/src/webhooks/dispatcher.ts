import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Keyring } from '../lib/sealed.js';
import { isDelivered, MAX_ATTEMPTS, nextAttemptAt } from './backoff.js';
import type { WebhookDelivery } from './model.js';
import { endpointSecretContext } from './service.js';
import { webhookHeaders } from './signing.js';
import { endpointUrlProblem, guardedLookup } from './ssrf.js';
import type { AttemptOutcome, WebhookStore } from './store.js';

export interface DispatcherOptions {
  readonly store: WebhookStore;
  readonly keyring: Keyring;
  readonly now: () => number;
  /** Whole attempt (connect, headers, body), ms. */
  readonly timeoutMs: number;
  /** How often to look for due deliveries, ms (0: only when asked, `runOnce`). */
  readonly pollIntervalMs: number;
  readonly allowPrivateAddresses: boolean;
  /** Deliveries claimed per poll, and sent at once. */
  readonly batchSize?: number;
  /** [0, 1): the backoff jitter's source (fixed in tests). */
  readonly random?: () => number;
  /** This node's name in leases (default: random). */
  readonly owner?: string;
  readonly onError?: (err: unknown) => void;
  readonly onAttempt?: (d: WebhookDelivery, outcome: AttemptOutcome) => void;
  /** Finished deliveries (delivered or failed) and their attempt logs are kept this long after their last change, days (undefined: forever). */
  readonly deliveryRetentionDays?: number;
  /** How often this node prunes past the retention, ms (0 or undefined: never; `prune()` still works). */
  readonly pruneIntervalMs?: number;
  /** After a prune that deleted something (metrics, logs). */
  readonly onPruned?: (deleted: number) => void;
}

/** Rows deleted per prune transaction: short transactions, so pruning never holds the outbox for long. */
export const PRUNE_BATCH = 500;

/** Bytes of a receiver's answer read before it is dropped: the status is what counts. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Delivers the outbox. Each poll claims due deliveries with a lease (so two nodes never send the
 * same one in the normal case), POSTs each signed body, and records the attempt with the next
 * retry time. The lease outlasts an attempt's timeout by a margin, so only a node that died
 * mid-attempt lets another node retry (at-least-once: receivers dedupe on `webhook-id`).
 * Redirects are never followed (a 3xx is a failed attempt): a redirect could lead past the SSRF
 * guard, which checks every address the connection resolves.
 */
export class WebhookDispatcher {
  private readonly lookup: ReturnType<typeof guardedLookup>;
  private readonly owner: string;
  private readonly leaseMs: number;
  private timer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private pruning: Promise<number> | undefined;
  private running: Promise<number> | undefined;
  private wakeRequested = false;
  private stopped = false;

  constructor(private readonly o: DispatcherOptions) {
    this.owner = o.owner ?? `node-${randomBytes(6).toString('hex')}`;
    this.leaseMs = o.timeoutMs * 2 + 5_000;
    this.lookup = guardedLookup(o.allowPrivateAddresses);
  }

  start(): void {
    // Pruning runs on every node that starts a dispatcher, delivering or not (a node kept for the
    // API only still keeps the log bounded); racing nodes delete each row once.
    if ((this.o.pruneIntervalMs ?? 0) > 0 && this.o.deliveryRetentionDays !== undefined && !this.pruneTimer) {
      this.pruneTimer = setInterval(() => void this.prune().catch((err) => this.o.onError?.(err)), this.o.pruneIntervalMs);
      this.pruneTimer.unref();
    }
    if (this.o.pollIntervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => this.wake(), this.o.pollIntervalMs);
    this.timer.unref();
    this.wake();
  }

  /** Deliver soon (an event was just queued); coalesces with a poll already running. */
  wake(): void {
    if (this.stopped || this.o.pollIntervalMs <= 0) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    void this.runOnce().catch((err) => this.o.onError?.(err));
  }

  /** One poll: claims and delivers what is due now; resolves with the number of attempts made. */
  runOnce(): Promise<number> {
    if (this.running) return this.running;
    this.running = (async () => {
      let total = 0;
      try {
        do {
          this.wakeRequested = false;
          const batch = await this.o.store.claimDue(this.o.now(), this.o.batchSize ?? 20, this.owner, this.leaseMs);
          await Promise.all(batch.map((d) => this.attempt(d)));
          total += batch.length;
          // Claimed something: more may be due (racing nodes split a batch, so never stop on a short one).
          if (batch.length > 0) this.wakeRequested = true;
        } while (this.wakeRequested && !this.stopped);
      } finally {
        this.running = undefined;
      }
      return total;
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.timer = undefined;
    this.pruneTimer = undefined;
    await this.running?.catch(() => {});
    await this.pruning?.catch(() => {});
  }

  /**
   * Retention: deletes finished deliveries (and their attempts) whose last change is older than
   * `deliveryRetentionDays` at the clock's now, in batches of PRUNE_BATCH until none is left;
   * resolves with how many. Pending deliveries are never pruned. Coalesces with a prune running.
   */
  prune(): Promise<number> {
    if (this.o.deliveryRetentionDays === undefined) return Promise.resolve(0);
    if (this.pruning) return this.pruning;
    const beforeMs = this.o.now() - this.o.deliveryRetentionDays * 86_400_000;
    this.pruning = (async () => {
      let total = 0;
      try {
        for (let n = PRUNE_BATCH; n === PRUNE_BATCH && !this.stopped; total += n) n = await this.o.store.pruneDeliveries(beforeMs, PRUNE_BATCH);
      } finally {
        this.pruning = undefined;
      }
      if (total > 0) this.o.onPruned?.(total);
      return total;
    })();
    return this.pruning;
  }

  private async attempt(d: WebhookDelivery): Promise<void> {
    const started = this.o.now();
    const wallStart = performance.now();
    const { statusCode, error } = await this.send(d, started);
    const n = d.attempts + 1;
    const delivered = statusCode !== null && isDelivered(statusCode);
    const next = delivered || n >= MAX_ATTEMPTS ? undefined : nextAttemptAt(n, this.o.now(), this.o.random);
    const outcome: AttemptOutcome = {
      attempt: { deliveryId: d.id, attempt: n, atMs: started, statusCode, error, durationMs: Math.round(performance.now() - wallStart) },
      status: delivered ? 'delivered' : next === undefined ? 'failed' : 'pending',
      nextAttemptAtMs: next ?? null,
    };
    try {
      const recorded = await this.o.store.recordAttempt(d.id, this.owner, outcome);
      if (recorded) this.o.onAttempt?.(d, outcome);
    } catch (err) {
      // The lease ends on its own and another poll retries: the receiver may see this id twice.
      this.o.onError?.(err);
    }
  }

  private async send(d: WebhookDelivery, nowMs: number): Promise<{ statusCode: number | null; error: string | null }> {
    const endpoint = await this.o.store.getEndpoint(d.endpointId);
    if (!endpoint) return { statusCode: null, error: 'endpoint deleted' };
    if (!endpoint.enabled) return { statusCode: null, error: 'endpoint disabled' };
    const problem = endpointUrlProblem(endpoint.url, this.o.allowPrivateAddresses);
    if (problem) return { statusCode: null, error: `url not allowed: ${problem}` };
    let secret: string;
    try {
      secret = this.o.keyring.open(endpoint.sealedSecret, endpointSecretContext(endpoint.id)).toString('utf8');
    } catch {
      return { statusCode: null, error: 'endpoint secret cannot be opened (master key missing)' };
    }
    // A fresh timestamp and signature per attempt, the same webhook-id (the spec's retry rule).
    const headers = { ...webhookHeaders(secret, d.id, Math.floor(nowMs / 1000), d.payload), 'content-type': 'application/json', 'user-agent': 'Keyward-Webhooks/1' };
    try {
      const statusCode = await this.post(endpoint.url, headers, d.payload);
      return { statusCode, error: isDelivered(statusCode) ? null : statusCode >= 300 && statusCode < 400 ? `HTTP ${statusCode} (redirects are not followed)` : `HTTP ${statusCode}` };
    } catch (err) {
      return { statusCode: null, error: describeError(err) };
    }
  }

  /**
   * One POST with node:http(s): it never follows redirects, resolves names through the guarded
   * lookup, and the whole exchange (connect, headers, body) is bounded by one abort signal.
   */
  private post(url: string, headers: Record<string, string>, body: string): Promise<number> {
    const u = new URL(url);
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<number>((resolve, reject) => {
      const req = send(u, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup: this.lookup as never, signal: AbortSignal.timeout(this.o.timeoutMs), agent: false }, (res: IncomingMessage) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          // The status is what counts: a receiver answering at length is cut off.
          if (read > MAX_RESPONSE_BYTES) res.destroy();
        });
        res.on('close', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** A short reason for the log, never the URL's query (it may carry a receiver's token). */
function describeError(err: unknown): string {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if (code === 'EADDRNOTALLOWED' || /address not allowed/.test(e.message ?? '')) return 'address not allowed';
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'ABORT_ERR') return 'timeout';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND') return 'host not found';
  return code ?? 'request failed';
}
