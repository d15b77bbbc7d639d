/**
 * Clock-skew tracking. Phones' clocks drift; signatures carry `created`, so a badly set clock
 * makes every signed request fail. When the server refuses a signature as expired, the SDK reads
 * the server's `Date` header, corrects its offset and retries once.
 */
export class SkewClock {
  private offsetMs = 0;

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Corrected current time, ms. */
  nowMs(): number {
    return this.now() + this.offsetMs;
  }

  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  /** Learns the offset from an HTTP `Date` header (1 s resolution). Returns true if it changed by > 2 s. */
  observeServerDate(dateHeader: string | null): boolean {
    if (!dateHeader) return false;
    const server = Date.parse(dateHeader);
    if (Number.isNaN(server)) return false;
    const offset = server + 500 - this.now();
    const changed = Math.abs(offset - this.offsetMs) > 2000;
    this.offsetMs = offset;
    return changed;
  }

  get skewMs(): number {
    return this.offsetMs;
  }
}
