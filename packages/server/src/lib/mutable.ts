/**
 * A writable copy of a readonly shape. Hot paths build optional fields by assignment into one of
 * these instead of `...(cond ? { x } : {})` spreads, which cost microseconds per request.
 */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
