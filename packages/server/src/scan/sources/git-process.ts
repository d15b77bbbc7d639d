import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { KeywardError } from '../../errors/keyward-error.js';

/**
 * Plumbing for the git sources: one long-lived `git cat-file --batch` answering object requests in
 * order, and a NUL-separated token reader for `-z` output. Memory is bounded by one object at a
 * time (objects over the cap are read through and dropped, never buffered).
 */

/** Runs a git command to completion; a failure is SCAN_INPUT_INVALID with git's first line. */
export async function git(cwd: string, args: readonly string[]): Promise<Buffer> {
  const child = spawn('git', ['-C', cwd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', (e) => reject(new KeywardError('SCAN_INPUT_INVALID', `git could not be run: ${e.message}`)));
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw gitFailed(cwd, Buffer.concat(err).toString('utf8'));
  return Buffer.concat(out);
}

export function gitFailed(cwd: string, stderr: string): KeywardError {
  const first = stderr.split('\n').find((l) => l.trim()) ?? 'git failed';
  return new KeywardError('SCAN_INPUT_INVALID', `${cwd}: ${first.replace(/^fatal: /, '')}`);
}

/** Chunks of a stream, read as lines, NUL-tokens or exact byte counts. */
class ChunkReader {
  private buf: Buffer = Buffer.alloc(0);
  private readonly it: AsyncIterator<Buffer>;
  constructor(stream: AsyncIterable<Buffer>) {
    this.it = stream[Symbol.asyncIterator]();
  }

  private async more(): Promise<boolean> {
    const next = await this.it.next();
    if (next.done) return false;
    this.buf = this.buf.length ? Buffer.concat([this.buf, next.value]) : next.value;
    return true;
  }

  /** Up to (not including) `sep`; null at the end of the stream. */
  async until(sep: number): Promise<string | null> {
    for (;;) {
      const i = this.buf.indexOf(sep);
      if (i !== -1) {
        const s = this.buf.subarray(0, i).toString('utf8');
        this.buf = this.buf.subarray(i + 1);
        return s;
      }
      if (!(await this.more())) {
        if (this.buf.length === 0) return null;
        const s = this.buf.toString('utf8');
        this.buf = Buffer.alloc(0);
        return s;
      }
    }
  }

  /** Exactly `n` bytes; kept only when `keep`, else read through and dropped. */
  async bytes(n: number, keep: boolean): Promise<Buffer | null> {
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.more())) throw new Error('git cat-file ended early');
      const take = Math.min(left, this.buf.length);
      if (keep) parts.push(this.buf.subarray(0, take));
      this.buf = this.buf.subarray(take);
      left -= take;
    }
    return keep ? Buffer.concat(parts) : null;
  }
}

/** NUL-separated tokens of a git command's `-z` output, streamed. */
export async function* zTokens(cwd: string, args: readonly string[]): AsyncGenerator<string> {
  const child = spawn('git', ['-C', cwd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const err: Buffer[] = [];
  child.stderr.on('data', (c: Buffer) => err.push(c));
  const closed = new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  const reader = new ChunkReader(child.stdout);
  try {
    for (let t = await reader.until(0); t !== null; t = await reader.until(0)) yield t;
  } finally {
    if (child.exitCode === null) child.kill();
  }
  if ((await closed) !== 0) throw gitFailed(cwd, Buffer.concat(err).toString('utf8'));
}

export type BatchObject = { readonly name: string; readonly type: string; readonly size: number; readonly bytes: Buffer | null } | { readonly name: string; readonly missing: true };

/** `git cat-file --batch`: ask for objects by name, answers in order. Call close() when done. */
export class CatFile {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly reader: ChunkReader;
  constructor(cwd: string, private readonly maxBytes: number) {
    this.child = spawn('git', ['-C', cwd, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.resume();
    this.reader = new ChunkReader(this.child.stdout);
  }

  /** One request; `bytes` is null when the object is larger than the cap. */
  async get(name: string): Promise<BatchObject> {
    if (name.includes('\n')) return { name, missing: true };
    this.child.stdin.write(`${name}\n`);
    const header = await this.reader.until(10);
    if (header === null) throw new Error('git cat-file ended early');
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) return { name, missing: true };
    const [, type = '', sizeText = '0'] = header.split(' ');
    const size = Number(sizeText);
    const bytes = await this.reader.bytes(size, size <= this.maxBytes);
    await this.reader.bytes(1, false); // the newline after each object
    return { name, type, size, bytes };
  }

  close(): void {
    this.child.stdin.end();
    if (this.child.exitCode === null) this.child.kill();
  }
}
