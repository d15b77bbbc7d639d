/**
 * Google's attestation certificate status list
 * (https://android.googleapis.com/attestation/status; format in the Key Attestation docs:
 * `{ "entries": { "<serial, lower-case hex>": { "status": "REVOKED" | "SUSPENDED", "reason": … } } }`),
 * read from a file or a URL and cached for `refreshIntervalMs`.
 *
 * Fail closed: until a list has been read once, and when the last good one is older than
 * `maxStaleMs`, the verifier refuses chains (reason `revocation_list_unavailable`) rather than
 * accept a chain Google may have revoked. A failed refresh keeps the list already held.
 */
import { readFile, stat } from 'node:fs/promises';
import { readWebBody } from '../../lib/body.js';
import type { Clock } from '../../lib/clock.js';

export interface RevocationSource {
  /** A local copy (operators who mirror the list, and tests). */
  readonly file?: string;
  /** Usually https://android.googleapis.com/attestation/status. */
  readonly url?: string;
  /** How long a read list is used before it is read again, ms. Default 1 h (Google's list is cached for a day). */
  readonly refreshIntervalMs?: number;
  /** Longest wait for the URL, ms. Default 5 000. */
  readonly fetchTimeoutMs?: number;
  /** Largest list read, bytes. Default 8 MiB. */
  readonly maxBytes?: number;
  /** How long past its refresh time the last good list is still used when a refresh fails, ms. Default 24 h. */
  readonly maxStaleMs?: number;
  readonly onError?: (err: unknown) => void;
}

export type RevocationLookup = { readonly available: true; readonly revoked: readonly string[] } | { readonly available: false };

/** Serial numbers as the list writes them: lower-case hex without leading zeros. */
export function normalizeSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}

export function parseStatusList(doc: unknown): Set<string> {
  const entries = (doc as { entries?: unknown } | null)?.entries;
  if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) throw new Error('not a status list (no entries object)');
  const out = new Set<string>();
  for (const [serial, entry] of Object.entries(entries)) {
    // Anything listed is untrusted, whatever its status says (REVOKED, SUSPENDED, or a new one).
    if (entry !== null && typeof entry === 'object' && /^[0-9a-fA-F]{1,128}$/.test(serial)) out.add(normalizeSerial(serial));
  }
  return out;
}

export class RevocationList {
  private serials: Set<string> | undefined;
  private readAtMs = Number.NEGATIVE_INFINITY;
  private attemptAtMs = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;

  constructor(
    private readonly source: RevocationSource,
    private readonly now: Clock,
  ) {
    if ((source.file === undefined) === (source.url === undefined)) throw new TypeError('a revocation source is a file or a URL');
  }

  /** Which of these serials (hex, any case) are listed. */
  async check(serials: readonly string[]): Promise<RevocationLookup> {
    const refresh = this.source.refreshIntervalMs ?? 3_600_000;
    // A failing source is tried again at most once a minute, not on every attestation.
    if (this.now() - this.readAtMs >= refresh && this.now() - this.attemptAtMs >= 60_000) {
      this.inflight ??= this.load().finally(() => {
        this.inflight = undefined;
      });
      await this.inflight;
    }
    const held = this.serials;
    if (held === undefined || this.now() - this.readAtMs > refresh + (this.source.maxStaleMs ?? 86_400_000)) return { available: false };
    return { available: true, revoked: serials.filter((s) => held.has(normalizeSerial(s))) };
  }

  private async load(): Promise<void> {
    this.attemptAtMs = this.now();
    try {
      const max = this.source.maxBytes ?? 8 * 1024 * 1024;
      if (this.source.file !== undefined && (await stat(this.source.file)).size > max) throw new Error('status list too large');
      const text = this.source.file !== undefined ? await readFile(this.source.file, 'utf8') : await this.fetchUrl(this.source.url!, max);
      this.serials = parseStatusList(JSON.parse(text));
      this.readAtMs = this.now();
    } catch (err) {
      this.source.onError?.(err);
    }
  }

  private async fetchUrl(url: string, max: number): Promise<string> {
    const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(this.source.fetchTimeoutMs ?? 5_000) });
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      throw new Error(`status list answered ${res.status}`);
    }
    const body = await readWebBody(res.body, res.headers.get('content-length'), max);
    if (body === 'too_large') throw new Error('status list too large');
    return Buffer.from(body).toString('utf8');
  }
}
