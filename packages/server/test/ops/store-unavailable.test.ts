import { describe, expect, it } from 'vitest';
import { isStoreUnavailable } from '../../src/store/unavailable.js';

/** Which errors become 503 STORE_UNAVAILABLE (http/problem.ts) instead of 500 INTERNAL. */
describe('isStoreUnavailable', () => {
  const pgError = (code: string) => Object.assign(new Error('server said no'), { code, severity: 'ERROR' });
  it('network failures, pg client timeouts and the SQLSTATEs of a database going away are unavailability', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'SQLITE_BUSY']) expect(isStoreUnavailable(Object.assign(new Error('x'), { code }))).toBe(true);
    for (const message of ['Connection terminated unexpectedly', 'Query read timeout', 'timeout exceeded when trying to connect']) expect(isStoreUnavailable(new Error(message))).toBe(true);
    for (const state of ['08006', '57P01', '57P03', '57014', '53300', '40001']) expect(isStoreUnavailable(pgError(state))).toBe(true);
    expect(isStoreUnavailable(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }))).toBe(true);
  });
  it('bugs and constraint violations are not: they stay 500 INTERNAL or their own code', () => {
    for (const state of ['23505', '42P01', '22P02']) expect(isStoreUnavailable(pgError(state))).toBe(false);
    // A server-sent error whose text happens to mention a connection is judged by its SQLSTATE.
    expect(isStoreUnavailable(Object.assign(new Error('Connection terminated'), { code: '23505', severity: 'ERROR' }))).toBe(false);
    expect(isStoreUnavailable(new TypeError('cannot read properties of undefined'))).toBe(false);
    expect(isStoreUnavailable(undefined)).toBe(false);
  });
});
