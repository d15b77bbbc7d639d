/**
 * Whether an error means "the store cannot answer now" (down, unreachable, timed out, shutting
 * down, out of connections, SQLite locked past its busy timeout) rather than a bug. Such errors
 * are served as 503 STORE_UNAVAILABLE, so callers and load balancers retry elsewhere or later,
 * and nothing is ever answered as if it had succeeded.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'SQLITE_BUSY', 'SQLITE_LOCKED']);
/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception), 53300 too many connections, 57014
 * statement timeout, 57P01–57P03 shutting down / starting up, 40001 and 40P01 (a conflict the
 * server resolved by cancelling this transaction: retrying is the caller's decision).
 */
const PG_STATES = /^(08|53300|57014|57P0[123]|40001|40P01)/;
const PG_MESSAGES = /Connection terminated|Query read timeout|timeout exceeded when trying to connect|Client has encountered a connection error|connection error|Connection ended|not queryable/i;

export function isStoreUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; severity?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  if (typeof e.code === 'string' && e.severity !== undefined && PG_STATES.test(e.code)) return true;
  if (typeof e.message === 'string' && e.severity === undefined && PG_MESSAGES.test(e.message)) return true;
  return e.cause !== undefined && e.cause !== err ? isStoreUnavailable(e.cause) : false;
}

/**
 * Whether an error is a unique-constraint violation (PostgreSQL SQLSTATE 23505, SQLite
 * SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY). A check-then-write inside a READ COMMITTED transaction
 * cannot see a concurrent writer's uncommitted row, so the unique index is what finally refuses
 * the second writer: the store turns this error into an outcome (`exists`), never a 500.
 */
export function isUniqueViolation(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; cause?: unknown };
  if (e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true;
  return e.cause !== undefined && e.cause !== err ? isUniqueViolation(e.cause) : false;
}
