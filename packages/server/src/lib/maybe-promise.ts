/**
 * A value now, or a promise of it when producing it needed I/O. The request hot paths (key
 * verification, the credentials pipeline, the gateway's decision) answer synchronously when
 * everything they need is cached, so a request allocates no promise and waits no microtask turn
 * for a step that did no I/O; a caller that is async anyway simply `await`s the result.
 *
 * One rule for such functions: a failure after the first await is a rejection, before it a
 * synchronous throw; every caller handles both (an `await` inside try/catch does).
 */
export type MaybePromise<T> = T | Promise<T>;
