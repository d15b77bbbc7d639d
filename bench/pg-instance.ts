/**
 * A PostgreSQL cluster of the bench's own for the million-key rows (bench/pg-million.ts), sized
 * as docs/operations.md ("Sizing") tells production to size one: `shared_buffers` large enough
 * for the `keys` and `key_secrets` tables and their indexes (about 500 MB per million keys, so
 * 1 GB here), every other setting left at PostgreSQL's defaults (fsync and synchronous commit on).
 *
 * Why not the shared server at 127.0.0.1:5432: its 128 MB of shared_buffers hold a quarter of
 * that working set, so every cache miss read pages from the OS page cache, or from disk when the
 * page cache had been dropped since the load, and the bench measured the machine (issue #11: the
 * raw prepared SELECT alone had a p99 of 4.3 ms there) rather than a sized deployment.
 *
 * The data directory is kept between runs under the temp directory (the load takes about a
 * minute; a reused one starts in a second), and the server is stopped at the end of each run.
 * Port: KEYWARD_BENCH_PG_PORT (default 5460). initdb and postgres refuse to run as root: as root,
 * they run as the `postgres` system user, as in test/support/private-pg.ts.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { postgresBinDir } from '../packages/server/test/support/private-pg.js';

const run = promisify(execFile);

/** What the bench's cluster is started with; the note of each row quotes it. */
export const BENCH_PG_SETTINGS = { shared_buffers: '1GB' } as const;

export interface BenchPostgres {
  /** The URL of `database` on this cluster. */
  url(database: string): string;
  /** `pg_ctl stop -m fast`: a clean shutdown (the data directory is kept for the next run). */
  stop(): Promise<void>;
}

export async function startBenchPostgres(name: string, log: (line: string) => void): Promise<BenchPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql');
  const port = Number(process.env.KEYWARD_BENCH_PG_PORT ?? 5460);
  const dir = path.join(tmpdir(), `keyward-bench-pg-${name}`);
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const exec = async (file: string, args: string[]) => {
    const env = { ...process.env, LC_ALL: 'C' };
    return asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, file), ...args], { env }) : run(path.join(bin, file), args, { env });
  };
  const ctl = (...args: string[]) => exec('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), ...args]);
  // A directory left by another major version (the machine's PostgreSQL upgraded) cannot start: start over.
  const version = path.basename(path.dirname(bin));
  if (!existsSync(path.join(data, 'PG_VERSION')) || readFileSync(path.join(data, 'PG_VERSION'), 'utf8').trim() !== version) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    if (asRoot) {
      const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
      const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
      chownSync(dir, uid, gid);
    }
    log(`initdb ${data}`);
    await exec('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions']);
  }
  // A run that died before its stop leaves the server up: stop it, so this one starts with the settings below.
  if (await ctl('status').then(() => true, () => false)) await ctl('-m', 'fast', '-w', 'stop');
  const settings = Object.entries(BENCH_PG_SETTINGS).map(([k, v]) => `-c ${k}=${v}`).join(' ');
  await ctl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 ${settings}`, '-w', '-t', '60', 'start');
  log(`PostgreSQL on 127.0.0.1:${port} (${data}, ${settings})`);
  return {
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop: async () => {
      await ctl('-m', 'fast', '-w', '-t', '120', 'stop');
    },
  };
}
