import type { Store } from '../store/types.js';
import type { KeyDecision } from './decide.js';

/**
 * Records refusals of real keys in the audit log — a revoked, rotated-out, exposed or
 * wrong-environment key being used is a security signal — without letting a flood of such
 * requests become a flood of writes: at most one record per (key, reason) per window.
 * Unknown keys are only counted in metrics (there is no key to attach them to).
 */
export class DenyAuditor {
  private readonly lastWrittenMs = new Map<string, number>();

  constructor(
    private readonly store: Pick<Store, 'appendAudit'>,
    private readonly now: () => number,
    private readonly windowMs = 60_000,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  observe(decision: KeyDecision): void {
    if (decision.valid || !decision.key) return;
    const important = decision.reason === 'REVOKED' || decision.reason === 'ROTATED_OUT' || decision.reason === 'WRONG_ENVIRONMENT' || decision.reason === 'WRONG_APP' || decision.key.exposedAtMs !== null;
    if (!important) return;
    const id = `${decision.key.id}|${decision.reason}`;
    const now = this.now();
    const last = this.lastWrittenMs.get(id);
    if (last !== undefined && now - last < this.windowMs) return;
    this.lastWrittenMs.set(id, now);
    if (this.lastWrittenMs.size > 10_000) this.lastWrittenMs.clear();
    // Written after the answer has gone: a write inside the verification would make a revoked or
    // wrong-environment key measurably slower to refuse than an unknown one (a timing oracle for
    // "this key exists"). bench/cases/verify-timing.bench.ts keeps them within 1.5× of each other.
    const record = { actor: 'system', action: 'key.denied', target: decision.key.id, requestId: 'verify', data: { reason: decision.reason } } as const;
    setImmediate(() => {
      this.store.appendAudit(record, now).catch(this.onError);
    });
  }
}
