import type { Logger } from 'pino';
import type { App } from '../apps/model.js';
import type { KeyRecord } from '../keys/model.js';
import type { Actor } from '../keys/service.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Page, PageRequest, WriteOutcome } from '../store/types.js';
import type { WebhookEvent } from '../webhooks/model.js';
import { AnomalyDetector, type BaselineEntry } from './detector.js';
import { DEFAULT_ANOMALY_ACTIONS, type Anomaly, type AnomalyAction, type AnomalyThresholds, type Observation } from './model.js';
import type { AnomalyFilter, AnomalyRecord, AnomalyStore } from './store.js';

/** What an action needs to reach: the one path each credential is changed by (audited there). */
export interface AnomalyActuators {
  readonly appSettings: (appId: string) => Promise<App['settings'] | undefined>;
  readonly getKey: (keyId: string) => Promise<KeyRecord | undefined>;
  readonly updateKey: (keyId: string, patch: { enabled?: boolean; ratelimit?: KeyRecord['ratelimit'] }, by: Actor) => Promise<unknown>;
  readonly revokeSession: (sessionId: string, reason: string, by: Actor) => Promise<unknown>;
  readonly revokeDevice: (deviceId: string, by: Actor) => Promise<unknown>;
}

export interface AnomalyServiceOptions {
  readonly store: AnomalyStore;
  readonly actuators: AnomalyActuators;
  readonly thresholds: AnomalyThresholds;
  /** Entities (credentials, apps) each map of the detector keeps; also the most baselines persisted. */
  readonly maxEntities: number;
  /** How often baselines are written to the store (0: only at `stop`). */
  readonly snapshotIntervalMs: number;
  readonly now: Clock;
  readonly logger: Logger;
  /**
   * Every anomaly, after it was recorded and acted on (metrics; waking the webhook dispatcher).
   * Its `anomaly.detected` event is already queued, in the record's transaction.
   */
  readonly onAnomaly?: (record: AnomalyRecord) => void;
}

const SYSTEM: Actor = { actor: 'system:anomaly', requestId: 'anomaly' };
/** Anomalies waiting to be recorded; beyond this they are counted and dropped (the detector never blocks a request). */
const MAX_PENDING = 1000;
const KEY_KINDS = new Set(['publishable', 'secret', 'restricted', 'export', 'bearer', 'signing', 'root']);

/**
 * Feeds the detector from the request path (synchronous, a few map updates), and off it records
 * each anomaly and applies the app's action for its rule through the services that own the
 * credential: `throttle` gives a key a tight own rate limit (twice its usual rate), `suspend`
 * disables a key or revokes a session or device. Both are audited changes an operator can undo;
 * an action on something it cannot apply to (a failure burst has no single credential) is
 * recorded as `not_applicable`, and the anomaly is still alerted.
 */
export class AnomalyService {
  readonly detector: AnomalyDetector;
  private pending = 0;
  private dropped = 0;
  private tail: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AnomalyServiceOptions) {
    this.detector = new AnomalyDetector(options.thresholds, options.maxEntities);
  }

  /** Anomalies dropped because too many were waiting (a metric). */
  get droppedCount(): number {
    return this.dropped;
  }

  observe(o: Observation): void {
    if (this.options.maxEntities === 0) return;
    for (const a of this.detector.observe(o)) this.enqueue(a);
  }

  keyInUrl(key: KeyRecord): void {
    if (this.options.maxEntities === 0) return;
    const a = this.detector.keyInUrl(key.id, key.appId, key.kind, this.options.now());
    if (a) this.enqueue(a);
  }

  list(filter: AnomalyFilter, page: PageRequest): Promise<Page<AnomalyRecord>> {
    return this.options.store.list(filter, page);
  }

  get(id: string): Promise<AnomalyRecord | undefined> {
    return this.options.store.get(id);
  }

  close(id: string, status: 'dismissed' | 'resolved', by: Actor): Promise<WriteOutcome> {
    return this.options.store.close(id, status, by.actor, this.options.now(), { actor: by.actor, requestId: by.requestId, action: `anomaly.${status === 'dismissed' ? 'dismiss' : 'resolve'}`, target: id });
  }

  /** Resolves when every anomaly seen so far is recorded and acted on (tests, shutdown). */
  drain(): Promise<void> {
    return this.tail;
  }

  async start(): Promise<void> {
    const stored = await this.options.store.loadBaselines(this.options.maxEntities);
    const entries: BaselineEntry[] = [];
    for (const b of stored) {
      try {
        entries.push({ entity: b.entity, type: b.type, state: JSON.parse(b.state) } as BaselineEntry);
      } catch {
        this.options.logger.warn({ entity: b.entity }, 'an anomaly baseline in the store is not valid JSON; starting that one afresh');
      }
    }
    this.detector.restore(entries);
    if (this.options.snapshotIntervalMs > 0) {
      this.timer = setInterval(() => void this.snapshot().catch((err) => this.options.logger.error({ err }, 'saving anomaly baselines failed; will retry')), this.options.snapshotIntervalMs);
      this.timer.unref();
    }
  }

  /** Writes every baseline to the store and forgets stored ones not seen for a week. */
  async snapshot(): Promise<void> {
    const now = this.options.now();
    await this.options.store.saveBaselines(this.detector.snapshot().map((e) => ({ entity: e.entity, type: e.type, state: JSON.stringify(e.state), updatedAtMs: now })));
    await this.options.store.pruneBaselines(now - 7 * 86_400_000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.tail;
    await this.snapshot().catch((err) => this.options.logger.error({ err }, 'saving anomaly baselines at shutdown failed'));
  }

  private enqueue(a: Anomaly): void {
    if (this.pending >= MAX_PENDING) {
      this.dropped++;
      return;
    }
    this.pending++;
    this.tail = this.tail
      .then(() => this.handle(a))
      .catch((err) => this.options.logger.error({ err, rule: a.rule, entity: a.entity }, 'recording an anomaly failed'))
      .finally(() => {
        this.pending--;
      });
  }

  private async handle(a: Anomaly): Promise<void> {
    const settings = a.appId ? await this.options.actuators.appSettings(a.appId) : undefined;
    const action: AnomalyAction = settings?.anomalyActions?.[a.rule] ?? DEFAULT_ANOMALY_ACTIONS[a.rule];
    const outcome = await this.act(a, action);
    const record: AnomalyRecord = { id: newId('anm'), rule: a.rule, appId: a.appId, entity: a.entity, credentialKind: a.credentialKind, detectedAtMs: a.atMs, detail: a.detail, action, actionOutcome: outcome, status: 'open', closedAtMs: null, closedBy: null };
    await this.options.store.record(record, {
      actor: SYSTEM.actor,
      requestId: SYSTEM.requestId,
      action: 'anomaly.detected',
      target: a.entity,
      data: { rule: a.rule, action, outcome, ...a.detail },
      events: [anomalyEvent(record)],
    });
    this.options.logger.warn({ anomaly: record.id, rule: a.rule, entity: a.entity, appId: a.appId, action, outcome }, 'anomaly detected');
    this.options.onAnomaly?.(record);
  }

  private async act(a: Anomaly, action: AnomalyAction): Promise<AnomalyRecord['actionOutcome']> {
    if (action === 'alert' || a.rule === 'verification_failures') return 'not_applicable';
    const act = this.options.actuators;
    try {
      if (a.credentialKind === 'session') {
        if (action !== 'suspend') return 'not_applicable';
        await act.revokeSession(a.entity, `anomaly: ${a.rule}`, SYSTEM);
        return 'done';
      }
      if (a.credentialKind === 'device') {
        if (action !== 'suspend') return 'not_applicable';
        await act.revokeDevice(a.entity, SYSTEM);
        return 'done';
      }
      if (a.credentialKind === null || !KEY_KINDS.has(a.credentialKind)) return 'not_applicable';
      if (action === 'suspend') {
        await act.updateKey(a.entity, { enabled: false }, SYSTEM);
        return 'done';
      }
      const key = await act.getKey(a.entity);
      if (!key) return 'failed';
      const usual = typeof a.detail.usualPerMinute === 'number' ? a.detail.usualPerMinute : 0;
      // Twice the key's usual rate, never below 10 a minute: legitimate users keep working, the excess stops.
      const rate = Math.max(10, Math.ceil(2 * usual));
      await act.updateKey(a.entity, { ratelimit: { rate, windowSeconds: 60, burst: rate } }, SYSTEM);
      return 'done';
    } catch (err) {
      this.options.logger.error({ err, rule: a.rule, entity: a.entity, action }, 'the anomaly action failed; the anomaly is still recorded');
      return 'failed';
    }
  }
}

/** The webhook event of a recorded anomaly (no app: none, as for root keys). */
export function anomalyEvent(a: AnomalyRecord): WebhookEvent {
  return {
    type: 'anomaly.detected',
    appId: a.appId,
    data: { anomalyId: a.id, rule: a.rule, entity: a.entity, credentialKind: a.credentialKind, action: a.action, actionOutcome: a.actionOutcome, detail: { ...a.detail } },
  };
}
