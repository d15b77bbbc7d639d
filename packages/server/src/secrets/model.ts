import type { Environment } from '../keys/model.js';

/**
 * A server-held third-party secret (an analytics vendor's server key, an LLM provider's key, a push
 * service secret). Apps never hold it: the gateway injects it into upstream requests for the routes
 * the access map names. The value is never returned by any API after it is set.
 */
export interface ServerSecret {
  readonly id: string;
  readonly appId: string;
  readonly environment: Environment;
  /** Referenced by the access map's `injectSecret`. */
  readonly name: string;
  readonly description: string;
  /** AES-256-GCM envelope (lib/sealed.ts) bound to `secret:<id>`. */
  readonly sealedValue: string;
  /** Last four characters of the value, for people to recognise it. */
  readonly hint: string;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly version: number;
}

export const SECRET_NAME_RE = /^[a-z][a-z0-9_-]{0,63}$/;
export const SECRET_VALUE_MAX_BYTES = 8192;

/**
 * A value the gateway can put in a header exactly as it is: printable ASCII, no leading or trailing
 * space. CR/LF would split the upstream request (header injection), NUL and other controls are
 * refused by HTTP stacks at send time (so the route would fail only when first called), non-ASCII
 * travels as Latin-1 or UTF-8 depending on the stack, and edge spaces are trimmed by parsers.
 */
export const SECRET_VALUE_RE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
