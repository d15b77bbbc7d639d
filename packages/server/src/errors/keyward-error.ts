import { CATALOGUE, type Code } from './catalogue.js';

/**
 * An exception that carries a catalogue code. Thrown only for requests that cannot proceed
 * (bad input, missing resource, broken dependency) — never for a credential that says "no",
 * which is a value (see keys/decide.ts).
 *
 * `detail` is shown to the caller, so it must never contain a secret; `internal` goes to logs.
 */
export class KeywardError extends Error {
  readonly code: Code;
  readonly status: number;
  readonly detail: string | undefined;
  readonly errors: readonly FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: Code,
    detail?: string,
    options: { cause?: unknown; errors?: readonly FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail ? `${code}: ${detail}` : code, { cause: options.cause });
    this.name = 'KeywardError';
    this.code = code;
    this.status = CATALOGUE[code].status;
    this.detail = detail;
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

export interface FieldError {
  /** JSON pointer into the request, e.g. `/body/scopes/0`. */
  readonly pointer: string;
  readonly message: string;
}

export function isKeywardError(err: unknown): err is KeywardError {
  return err instanceof KeywardError;
}
