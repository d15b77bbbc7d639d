/**
 * Keeps server-held secrets from coming back out of the gateway: an upstream that echoes request
 * headers, or an error page that quotes the key it was given ("invalid api key: sk-…"), would
 * otherwise hand the injected secret to the app that was never meant to hold it.
 *
 * Every occurrence is replaced by a redaction of the SAME length (`*` repeated), so a
 * Content-Length the upstream sent stays true and the body can keep streaming untouched in size.
 * Each secret is searched in its raw form and, when they differ, its JSON-escaped and
 * percent-encoded forms (how error pages and echo endpoints usually quote a header). A secret the
 * upstream transforms in any other way (base64, hashed, split) cannot be recognised.
 */

const REDACTION_BYTE = 0x2a; // '*'

/** The compiled search patterns for a set of secret values; built once per value set and shared. */
export class ScrubSet {
  /** Every form searched for, longest first, as strings (headers) and bytes (bodies). */
  readonly forms: readonly string[];
  readonly patterns: readonly Buffer[];
  /** Longest pattern in bytes: how much of a chunk's tail must wait for the next chunk. */
  readonly maxBytes: number;

  constructor(readonly values: readonly string[]) {
    const forms = new Set<string>();
    for (const v of values) {
      if (v.length === 0) continue;
      forms.add(v);
      forms.add(JSON.stringify(v).slice(1, -1));
      forms.add(encodeURIComponent(v));
    }
    this.forms = [...forms].sort((a, b) => b.length - a.length);
    this.patterns = this.forms.map((f) => Buffer.from(f, 'utf8'));
    this.maxBytes = this.patterns.reduce((m, p) => Math.max(m, p.length), 0);
  }

  get empty(): boolean {
    return this.forms.length === 0;
  }

  /** A header value with every form of every secret redacted (the same value when none occurs). */
  scrubString(value: string): string {
    for (const form of this.forms) {
      if (value.includes(form)) value = value.split(form).join('*'.repeat(form.length));
    }
    return value;
  }

  /**
   * Redacts in place; returns true when anything was found. The caller owns `buf` (a copy, or a
   * buffer it built), so upstream chunks are copied only when they actually hold a secret.
   */
  redactInPlace(buf: Buffer, from = 0): boolean {
    let found = false;
    for (const p of this.patterns) {
      let at = buf.indexOf(p, from);
      while (at >= 0) {
        buf.fill(REDACTION_BYTE, at, at + p.length);
        found = true;
        at = buf.indexOf(p, at + p.length);
      }
    }
    return found;
  }

  /** True when `buf` holds any form (a cheap pre-check before copying a chunk). */
  occursIn(buf: Buffer, from = 0): boolean {
    for (const p of this.patterns) if (buf.indexOf(p, from) >= 0) return true;
    return false;
  }
}

/**
 * A streaming scan over a response body. Each `push` returns the bytes that are safe to send now;
 * only a tail that could be the START of a secret (the longest suffix that is a proper prefix of
 * some pattern) is held back, because a secret split across two chunks is only recognisable once
 * the next chunk arrives. A chunk that ends in anything else (an SSE event's blank line, a JSON
 * brace) goes out whole at once, so token streams are not delayed. `end` returns what was held.
 * Memory is bounded by one chunk plus the longest pattern: the body is never buffered whole, and
 * one push → at most one write, so the caller's backpressure handling is unchanged.
 */
export class BodyScrubber {
  private held: Buffer | undefined;

  constructor(private readonly set: ScrubSet) {}

  push(chunk: Buffer): Buffer {
    let data: Buffer;
    const held = this.held;
    if (held !== undefined) {
      data = Buffer.concat([held, chunk]);
      this.set.redactInPlace(data);
    } else if (this.set.occursIn(chunk)) {
      data = Buffer.from(chunk); // never write into a buffer undici handed us
      this.set.redactInPlace(data);
    } else {
      data = chunk;
    }
    // Every complete match in `data` is redacted; what may still become one is a suffix that a
    // pattern starts with. Everything before it is final.
    const hold = this.partialTail(data);
    if (hold === 0) {
      this.held = undefined;
      return data;
    }
    this.held = Buffer.from(data.subarray(data.length - hold));
    return data.subarray(0, data.length - hold);
  }

  end(): Buffer | undefined {
    const rest = this.held;
    this.held = undefined;
    return rest;
  }

  /** Length of the longest suffix of `data` that is a proper prefix of a pattern (0 for none). */
  private partialTail(data: Buffer): number {
    const len = data.length;
    let best = 0;
    for (const p of this.set.patterns) {
      const first = p[0]!;
      for (let k = Math.min(p.length - 1, len); k > best; k--) {
        if (data[len - k] !== first) continue;
        if (data.compare(p, 0, k, len - k, len) === 0) {
          best = k;
          break;
        }
      }
    }
    return best;
  }
}
