import type { Environment } from '../keys/model.js';
import type { Clock } from '../lib/clock.js';
import { FlushBuffer } from '../lib/flush-buffer.js';
import { newId } from '../lib/ids.js';
import type { Page, PageRequest } from '../store/types.js';

/**
 * A failed or missing attestation, aggregated: every occurrence of one (app, environment, stage,
 * outcome, code, subject) within one window on one node is one event with a count. The API lists
 * them (`GET /v1/apps/{appId}/attestation/events`), each is one audit record
 * (`attestation.failed`) and one `attestation.failed` webhook event.
 */
export interface AttestationEvent {
  /** `ate_…` */
  readonly id: string;
  readonly appId: string;
  readonly environment: Environment;
  /** `attest`: POST /v1/attest refused; `request`: a route's attestation or assertion requirement not met. */
  readonly stage: AttestationEventStage;
  /** `refused`: the caller got the code; `monitored`: monitor-only mode let the call through ("would have blocked"). */
  readonly outcome: AttestationEventOutcome;
  readonly code: string;
  /** The platform (`attest`) or the access map's resource path (`request`). */
  readonly subject: string;
  /** The precise reason of the window's first occurrence (safe to show: never a credential). */
  readonly reason: string;
  readonly count: number;
  readonly firstAtMs: number;
  readonly lastAtMs: number;
}

export type AttestationEventStage = 'attest' | 'request';
export type AttestationEventOutcome = 'refused' | 'monitored';
export type AttestationOccurrence = Omit<AttestationEvent, 'id' | 'count' | 'firstAtMs' | 'lastAtMs'>;

export interface AttestationEventFilter {
  readonly appId: string;
  readonly environment?: Environment;
  readonly outcome?: AttestationEventOutcome;
  readonly stage?: AttestationEventStage;
}

/** What the recorder needs of the store (AttestationStore implements it). */
export interface AttestationEventSink {
  /** Inserts every event and its `attestation.failed` audit record in one transaction: all or nothing. */
  recordEvents(events: readonly AttestationEvent[], nowMs: number): Promise<void>;
  /** Newest first (by the window's last occurrence). */
  listEvents(filter: AttestationEventFilter, page: PageRequest): Promise<Page<AttestationEvent>>;
}

/** Occurrences are aggregated per this window (one flush); also the timer's interval. */
export const ATTESTATION_EVENT_WINDOW_MS = 60_000;
/** Distinct aggregates held per window per node; occurrences of further ones are only counted (`onDropped`). */
export const ATTESTATION_EVENT_MAX_PER_WINDOW = 1000;

const SUBJECT_MAX = 200;
const REASON_MAX = 120;

/**
 * Records attestation failures without letting a flood reach the store: `record` is synchronous
 * (a map update on the request path, never a store write), identical occurrences in a window
 * become one event with a count, and at most `ATTESTATION_EVENT_MAX_PER_WINDOW` events are written
 * per window per node. So the audit log and the webhook outbox grow by at most that many rows per
 * minute per node, whatever the traffic; one kind of failure repeated any number of times costs
 * one row per minute. Occurrences beyond the cap still reach the metrics.
 *
 * Writes go through the usage counters' flush mechanism (lib/flush-buffer.ts): a failed write is
 * merged back and retried; a crash loses at most one window (like usage counts).
 */
export class AttestationEventRecorder {
  private readonly buffer: FlushBuffer<AttestationEvent>;

  constructor(
    private readonly deps: {
      readonly store: AttestationEventSink;
      readonly now: Clock;
      /** 0: write only on `flush`/`stop` (tests, one-shot CLI processes). */
      readonly flushIntervalMs: number;
      readonly maxPerWindow?: number;
      /** Called after a batch is written: its `attestation.failed` webhooks are queued in the same transaction; this wakes the dispatcher. */
      readonly onEventsQueued?: () => void;
      readonly onDropped?: (occurrence: AttestationOccurrence) => void;
      readonly onError?: (err: unknown) => void;
    },
  ) {
    this.buffer = new FlushBuffer<AttestationEvent>({
      flushIntervalMs: deps.flushIntervalMs,
      write: (batch) => this.write([...batch.values()]),
      merge: (into, from) => {
        const target = into as { count: number; firstAtMs: number; lastAtMs: number };
        target.count += from.count;
        target.firstAtMs = Math.min(into.firstAtMs, from.firstAtMs);
        target.lastAtMs = Math.max(into.lastAtMs, from.lastAtMs);
      },
      ...(deps.onError ? { onError: deps.onError } : {}),
    });
  }

  start(): void {
    this.buffer.start();
  }

  async stop(): Promise<void> {
    await this.buffer.stop();
  }

  flush(): Promise<void> {
    return this.buffer.flush();
  }

  /** One occurrence; never throws, never waits. */
  record(o: AttestationOccurrence): void {
    const subject = o.subject.slice(0, SUBJECT_MAX);
    const key = `${o.appId}\0${o.environment}\0${o.stage}\0${o.outcome}\0${o.code}\0${subject}`;
    const nowMs = this.deps.now();
    const hit = this.buffer.get(key) as { count: number; lastAtMs: number } | undefined;
    if (hit) {
      hit.count++;
      hit.lastAtMs = Math.max(hit.lastAtMs, nowMs);
      return;
    }
    if (this.buffer.size >= (this.deps.maxPerWindow ?? ATTESTATION_EVENT_MAX_PER_WINDOW)) {
      this.deps.onDropped?.(o);
      return;
    }
    this.buffer.set(key, { ...o, id: '', subject, reason: o.reason.slice(0, REASON_MAX), count: 1, firstAtMs: nowMs, lastAtMs: nowMs });
  }

  /**
   * This node's pending occurrences are written first, as the usage overview's series does
   * (analytics/event-series.ts): the dashboard's attestation page and its usage overview then agree,
   * and an operator sees the failure just caused instead of one up to a window late. Only root
   * keys list, so this cannot be used to multiply the rows written per window from outside.
   */
  async list(filter: AttestationEventFilter, page: PageRequest): Promise<Page<AttestationEvent>> {
    await this.flush();
    return this.deps.store.listEvents(filter, page);
  }

  private async write(pending: readonly AttestationEvent[]): Promise<void> {
    const events = pending.map((e) => ({ ...e, id: newId('ate') }));
    await this.deps.store.recordEvents(events, this.deps.now());
    this.deps.onEventsQueued?.();
  }
}
