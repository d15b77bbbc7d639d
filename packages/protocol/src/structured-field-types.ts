/** The values of Structured Field Values (RFC 8941 / RFC 9651), shared by the parser and the serialiser. */

/**
 * A `number` is an Integer (or, for callers building values, a Decimal when it has a fraction); a
 * parsed Decimal is always a {@link Decimal}, so `1.0` stays a decimal and re-serialises as `1.0`
 * rather than turning into the integer `1` (which would change an `;sf` component's signature base).
 */
export type BareItem = number | string | Token | ByteSequence | boolean | Decimal;
export class Decimal {
  constructor(readonly value: number) {}
}
export class Token {
  constructor(readonly value: string) {}
}
export class ByteSequence {
  /**
   * `text`: the base64 the parser read it from. Its decoding is strict (one spelling per byte
   * string), so the text is the canonical encoding of `bytes`; a verifier can compare it as it is.
   */
  constructor(
    readonly bytes: Uint8Array,
    readonly text?: string,
  ) {}
}
export type Parameters = ReadonlyArray<readonly [string, BareItem]>;
export interface Item {
  readonly value: BareItem;
  readonly params: Parameters;
}
export interface InnerList {
  readonly items: readonly Item[];
  readonly params: Parameters;
  /**
   * Set by the parser when the inner list's text (with its parameters) is already exactly its
   * canonical serialisation (RFC 8941 §4.1): then `serializeInnerList` would return this very
   * string, and RFC 9421's `@signature-params` line can use it without re-serialising.
   */
  readonly canonicalText?: string;
}
export type Member = Item | InnerList;
export type Dictionary = ReadonlyArray<readonly [string, Member]>;

export function isInnerList(m: Member): m is InnerList {
  return (m as InnerList).items !== undefined;
}

