/**
 * The slice of the Web platform Keyward's runtime-neutral packages use (WebCrypto, UTF-8 text),
 * typed structurally.
 *
 * Why: @keyward/protocol and @keyward/client run in browsers, React Native and Node, and must
 * type-check (and their published .d.ts must read) in a project that has none of the DOM lib,
 * @types/node or react-native's globals — an `lib: ["ES2022"]` tsconfig. Code here reads the
 * globals at call time (a React Native polyfill may install `crypto` after this module loads) and
 * uses them through the minimal interfaces below. Public types that name a platform object
 * (`WebCryptoKey`, the client's `WebResponse`, …) resolve to the program's own type when it has one
 * ({@link PlatformValue}), and to the minimal interface otherwise.
 */

/** The type of global value `K` in the consuming program (DOM lib, @types/node, …), else `Fallback`. */
export type PlatformValue<K extends string, Fallback> = typeof globalThis extends { readonly [P in K]: infer T } ? T : Fallback;

/** The instance type of global class `K` in the consuming program, else `Fallback`. */
export type PlatformInstance<K extends string, Fallback> = typeof globalThis extends { readonly [P in K]: { readonly prototype: infer T } } ? T : Fallback;

/** Bytes as WebCrypto takes them. */
export type BufferLike = ArrayBuffer | ArrayBufferView;

/** A WebCrypto algorithm: a name, or a parameter object with one. */
export type AlgorithmLike = string | { readonly name: string; readonly [param: string]: unknown };

/** A JSON Web Key (RFC 7517) as far as Keyward reads or writes one; the DOM's `JsonWebKey` is assignable both ways. */
export interface Jwk {
  kty?: string;
  crv?: string;
  x?: string;
  y?: string;
  alg?: string;
  kid?: string;
  use?: string;
  key_ops?: string[];
  ext?: boolean;
}

/** What Keyward needs of a WebCrypto `CryptoKey`. */
export interface CryptoKeyLike {
  readonly type: string;
  readonly extractable: boolean;
  readonly algorithm: object;
  readonly usages: readonly string[];
}

/** What Keyward calls on `crypto.subtle`. */
export interface SubtleCryptoLike {
  digest(algorithm: AlgorithmLike, data: BufferLike): Promise<ArrayBuffer>;
  importKey(format: 'raw' | 'jwk' | 'spki' | 'pkcs8', keyData: BufferLike | Jwk, algorithm: AlgorithmLike, extractable: boolean, usages: readonly string[]): Promise<CryptoKeyLike>;
  sign(algorithm: AlgorithmLike, key: CryptoKeyLike, data: BufferLike): Promise<ArrayBuffer>;
  verify(algorithm: AlgorithmLike, key: CryptoKeyLike, signature: BufferLike, data: BufferLike): Promise<boolean>;
  generateKey(algorithm: AlgorithmLike, extractable: boolean, usages: readonly string[]): Promise<CryptoKeyLike | { readonly publicKey: CryptoKeyLike; readonly privateKey: CryptoKeyLike }>;
  exportKey(format: 'jwk', key: CryptoKeyLike): Promise<Jwk>;
}

/** What Keyward calls on the global `crypto`. */
export interface CryptoLike {
  readonly subtle: SubtleCryptoLike;
  getRandomValues<T extends Uint8Array>(array: T): T;
}

/** A WebCrypto key: the platform's `CryptoKey` where the program declares one. */
export type WebCryptoKey = PlatformInstance<'CryptoKey', CryptoKeyLike>;

interface TextGlobals {
  readonly TextEncoder: new () => { encode(input: string): Uint8Array };
  readonly TextDecoder: new (label?: string, options?: { readonly fatal?: boolean }) => { decode(input: Uint8Array): string };
}

/**
 * The global WebCrypto (browsers, React Native with a polyfill, Node ≥ 19). A platform without it
 * is a setup error, reported as such rather than as "cannot read properties of undefined".
 */
export function webCrypto(): CryptoLike {
  const crypto = (globalThis as { crypto?: CryptoLike }).crypto;
  if (!crypto?.subtle) throw new TypeError('Keyward needs WebCrypto (globalThis.crypto.subtle); on React Native install a WebCrypto polyfill');
  return crypto;
}

/** UTF-8 bytes of a string. */
export function utf8Encode(text: string): Uint8Array {
  return new (globalThis as unknown as TextGlobals).TextEncoder().encode(text);
}

/** A string from UTF-8 bytes; `fatal` throws on malformed input instead of substituting U+FFFD. */
export function utf8Decode(bytes: Uint8Array, options: { readonly fatal?: boolean } = {}): string {
  return new (globalThis as unknown as TextGlobals).TextDecoder('utf-8', options).decode(bytes);
}
