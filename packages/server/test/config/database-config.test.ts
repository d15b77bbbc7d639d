import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { pgStore } from '../store/pg-harness.js';

describe('database settings in the one config schema', () => {
  it('default to SQLite, a pool of 10 and a 30 s statement limit', () => {
    expect(loadConfig({}, {})).toMatchObject({ databaseUrl: '', databasePoolSize: 10, databaseStatementTimeoutMs: 30_000 });
  });

  it('read KEYWARD_DATABASE_URL, _POOL_SIZE and _STATEMENT_TIMEOUT_MS; the flag wins over the variable', () => {
    const env = { KEYWARD_DATABASE_URL: 'postgres://u@db:5432/kw', KEYWARD_DATABASE_POOL_SIZE: '25', KEYWARD_DATABASE_STATEMENT_TIMEOUT_MS: '0' };
    expect(loadConfig({}, env)).toMatchObject({ databaseUrl: 'postgres://u@db:5432/kw', databasePoolSize: 25, databaseStatementTimeoutMs: 0 });
    expect(loadConfig({ databaseUrl: 'postgresql://u@other/kw' }, env).databaseUrl).toBe('postgresql://u@other/kw');
  });

  it('refuse a pool of 0 and a URL that is not postgres, naming the variable and never echoing the URL', () => {
    const bad = () => loadConfig({}, { KEYWARD_DATABASE_POOL_SIZE: '0', KEYWARD_DATABASE_URL: 'http://u:hunter2@db/kw' });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (err) {
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toContain('KEYWARD_DATABASE_POOL_SIZE');
      expect(problems).toContain('KEYWARD_DATABASE_URL');
      expect(problems).not.toContain('hunter2');
    }
  });

  it('the statement timeout reaches the server: a statement longer than it is cancelled', async () => {
    const store = await pgStore({ statementTimeoutMs: 200 });
    try {
      await expect(sql`SELECT pg_sleep(2)`.execute(store.db)).rejects.toMatchObject({ code: '57014' });
    } finally {
      await store.close();
    }
  });
});
