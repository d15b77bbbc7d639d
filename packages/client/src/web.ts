/**
 * The Fetch API as the SDK uses it, typed structurally (see @keyward/protocol's web.ts for why):
 * the SDK type-checks with `lib: ["ES2022"]` alone, and its public types resolve to the program's
 * own `fetch`, `Response`, `Headers` and `URL` where it has them (DOM lib, @types/node), so an app
 * gets the real types back.
 */
import type { PlatformInstance, PlatformValue } from '@keyward/protocol';

/** What the SDK reads of a `URL`. */
export interface URLLike {
  readonly href: string;
  readonly origin: string;
  readonly protocol: string;
  readonly host: string;
  readonly pathname: string;
  readonly search: string;
  toString(): string;
}

/** What the SDK calls on `Headers`. */
export interface HeadersLike {
  get(name: string): string | null;
  set(name: string, value: string): void;
  has(name: string): boolean;
  forEach(callback: (value: string, name: string) => void): void;
}

/** Header values as the SDK accepts them. */
export type HeadersInitLike = HeadersLike | Record<string, string> | [string, string][];

/** What the SDK reads of a `Response`. */
export interface ResponseLike {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: HeadersLike;
  clone(): ResponseLike;
  json(): Promise<unknown>;
  text(): Promise<string>;
}

/** What the SDK passes to `fetch`. */
export interface RequestInitLike {
  method?: string;
  headers?: HeadersInitLike;
  body?: unknown;
}

/** `fetch` as the SDK calls it. */
export type FetchLike = (input: string | URLLike, init?: RequestInitLike) => Promise<ResponseLike>;

/** The platform's `fetch` (or a compatible function, e.g. a test double or a React Native polyfill). */
export type WebFetch = PlatformValue<'fetch', FetchLike>;
/** The platform's `RequestInit`. */
export type WebRequestInit = NonNullable<Parameters<WebFetch>[1]>;
/** The platform's `Response`. */
export type WebResponse = Awaited<ReturnType<WebFetch>>;
/** The platform's `Headers`. */
export type WebHeaders = PlatformInstance<'Headers', HeadersLike>;
/** The platform's `URL`. */
export type WebURL = PlatformInstance<'URL', URLLike>;

interface FetchGlobals {
  readonly fetch?: FetchLike;
  readonly URL: new (url: string, base?: string) => URLLike;
  readonly Headers: new (init?: HeadersInitLike) => HeadersLike;
  readonly URLSearchParams?: abstract new (...args: never[]) => { toString(): string };
  readonly Blob?: abstract new (...args: never[]) => { arrayBuffer(): Promise<ArrayBuffer> };
}

/** The platform's Fetch API globals, read at call time (a polyfill may install them after this module loads). */
export function fetchGlobals(): FetchGlobals {
  return globalThis as unknown as FetchGlobals;
}

/** The global `fetch`, bound; a platform without one must pass `options.fetch`. */
export function globalFetch(): FetchLike {
  const f = fetchGlobals().fetch;
  if (typeof f !== 'function') throw new TypeError('no global fetch: pass options.fetch');
  return f.bind(globalThis);
}
