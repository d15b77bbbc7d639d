import { isKeywardError, KeywardError } from '../errors/keyward-error.js';
import { sha256Hex } from '../lib/crypto.js';
import { newId } from '../lib/ids.js';
import type { Actor, KeyService } from '../keys/service.js';
import type { Store } from '../store/types.js';
import type { WebhookEvent } from '../webhooks/model.js';
import { decideLeakAction, type LeakOutcome, type LeakReport, type LeakStatus } from './model.js';
import type { LeakEntry } from './report.js';
import type { LeakStore } from './store.js';

/** One answer per reported token, in the partner format (GitHub's field names). */
export interface LeakAnswer {
  readonly token_hash: string;
  readonly token_type: string;
  readonly label: 'true_positive' | 'false_positive';
}

/** The reason stored on a key revoked because it was reported leaked. */
export const LEAKED_REASON = 'leaked';

/**
 * Acts on verified leak reports (the route checks the signature and parses; the CLI reads a key
 * from stdin): each token is looked up by hash; a Keyward key is revoked or flagged as its app's
 * `leakAction` says, through the key service (the one path that revokes); every outcome is
 * recorded and audited (leak-store), and notified (`leak.reported`, queued in the report's
 * transaction). Idempotent: a repeated report
 * finds the key already revoked (or already flagged) and changes nothing but the report's count.
 */
export class LeakService {
  constructor(
    private readonly deps: {
      readonly store: Pick<Store, 'findKeyByHash' | 'getApp'>;
      readonly keys: KeyService;
      readonly leaks: LeakStore;
      readonly now: () => number;
      /** After a report queued a webhook event (committed with the report, in its transaction): wake the dispatcher. */
      readonly onEventsQueued?: () => void;
    },
  ) {}

  async report(entries: readonly LeakEntry[], reportedBy: string, requestId: string): Promise<LeakAnswer[]> {
    const answers: LeakAnswer[] = [];
    for (const entry of entries) answers.push(await this.one(entry, reportedBy, requestId));
    return answers;
  }

  list(query: { appId?: string; status?: LeakStatus; limit: number; before?: string }): Promise<readonly LeakReport[]> {
    return this.deps.leaks.listLeaks(query);
  }

  get(id: string): Promise<LeakReport | undefined> {
    return this.deps.leaks.getLeak(id);
  }

  /** An operator looked at an open report and there is nothing to do (a false alarm, a test key). CONFLICT unless open. */
  async dismiss(id: string, by: Actor): Promise<LeakReport> {
    await this.close(await this.load(id), 'dismissed', by);
    return (await this.deps.leaks.getLeak(id))!;
  }

  /**
   * An operator revokes the key a report names (a flagged publishable key, once its app has
   * shipped a replacement), through the key service like every revocation (reason `leaked`,
   * audited, its `key.revoked` webhook in the same transaction), then marks the report resolved.
   * Idempotent on the key; a report naming no key (a false positive) is CONFLICT. The report of a
   * key revoked from a dismissed report stays dismissed.
   */
  async revokeReported(id: string, by: Actor): Promise<LeakReport> {
    const report = await this.load(id);
    if (report.keyId === null) throw new KeywardError('CONFLICT', 'this report names no Keyward key (a false positive): nothing to revoke');
    await this.deps.keys.revoke(report.keyId, LEAKED_REASON, by);
    if (report.status === 'open') await this.close(report, 'resolved', by, true);
    return (await this.deps.leaks.getLeak(id))!;
  }

  private async load(id: string): Promise<LeakReport> {
    const report = await this.deps.leaks.getLeak(id);
    if (!report) throw new KeywardError('NOT_FOUND', 'leak report not found');
    return report;
  }

  private async close(report: LeakReport, status: 'dismissed' | 'resolved', by: Actor, racedOk = false): Promise<void> {
    const outcome = await this.deps.leaks.closeLeak(report.id, status, by.actor, this.deps.now(), {
      ...by,
      action: status === 'dismissed' ? 'leak.dismiss' : 'leak.resolve',
      target: report.id,
      data: { keyId: report.keyId, appId: report.appId },
    });
    if (outcome === 'not_found') throw new KeywardError('NOT_FOUND', 'leak report not found');
    // Revoking from a report another operator closed meanwhile: the key is revoked either way.
    if (outcome === 'conflict' && !racedOk) throw new KeywardError('CONFLICT', `the leak report is already ${(await this.deps.leaks.getLeak(report.id))?.status ?? 'closed'}`);
  }

  private async one(entry: LeakEntry, reportedBy: string, requestId: string): Promise<LeakAnswer> {
    const tokenHash = sha256Hex(entry.token);
    const found = await this.deps.store.findKeyByHash(tokenHash);
    const actor = { actor: `leak-report:${reportedBy}`, requestId };
    const where = `leak report (${entry.source || 'unknown source'}${entry.url ? `: ${entry.url}` : ''})`;
    let outcome: LeakOutcome = 'false_positive';
    if (found) {
      const key = found.key;
      const app = key.appId ? await this.deps.store.getApp(key.appId) : undefined;
      const action = decideLeakAction(app?.settings.leakAction, key.kind);
      if (key.revokedAtMs !== null) outcome = 'already_revoked';
      else if (action === 'revoke') {
        try {
          await this.deps.keys.markExposed(key.id, where, true, actor, LEAKED_REASON);
          outcome = 'revoked';
        } catch (err) {
          // The last full-power root key is never revoked (LAST_ROOT_KEY): flag it instead, so the
          // operator is told and can create a replacement first.
          if (!isKeywardError(err) || err.code !== 'LAST_ROOT_KEY') throw err;
          await this.flag(key.id, key.exposedAtMs, where, actor);
          outcome = 'flagged';
        }
      } else {
        await this.flag(key.id, key.exposedAtMs, where, actor);
        outcome = 'flagged';
      }
    }
    const now = this.deps.now();
    const report: LeakReport = {
      id: newId('lkr'),
      tokenHash,
      tokenType: entry.type,
      url: entry.url,
      source: entry.source,
      keyId: found?.key.id ?? null,
      appId: found?.key.appId ?? null,
      outcome,
      reportedBy,
      reportCount: 1,
      firstReportedAtMs: now,
      lastReportedAtMs: now,
      status: 'open',
      closedAtMs: null,
      closedBy: null,
    };
    // The event rides on the report's audit record: both are written for a first report only, in
    // one transaction with the report row, so a crash cannot keep one without the other.
    const event: WebhookEvent = { type: 'leak.reported', appId: report.appId, data: { leakReportId: report.id, keyId: report.keyId, outcome, url: entry.url, source: entry.source, tokenType: entry.type } };
    const { first } = await this.deps.leaks.recordLeak(report, {
      ...actor,
      action: 'leak.report',
      target: report.id,
      data: { keyId: report.keyId, outcome, tokenType: entry.type, url: entry.url, source: entry.source },
      ...(found ? { events: [event] } : {}),
    });
    if (first && found) this.deps.onEventsQueued?.();
    return { token_hash: tokenHash, token_type: entry.type, label: found ? 'true_positive' : 'false_positive' };
  }

  /** Marks exposed once: a key already flagged is left alone (no second audit record). */
  private async flag(keyId: string, exposedAtMs: number | null, where: string, actor: { actor: string; requestId: string }): Promise<void> {
    if (exposedAtMs === null) await this.deps.keys.markExposed(keyId, where, false, actor);
  }
}
