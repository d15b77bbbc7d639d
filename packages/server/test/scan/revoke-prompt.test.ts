import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import type { Server } from '../../src/http/types.js';
import type { Keyward } from '../../src/keyward.js';
import { CLI, makeKeyward } from '../helpers.js';

/**
 * `keyward scan --revoke` asks before it revokes. The real binary runs on a pseudo-terminal
 * (util-linux `script`, so its stdin is a TTY as on an operator's shell) against a real server
 * listening on a port, and the test types the answer once the question is on the screen: the key
 * must still work while the question waits, and be revoked only after "y".
 */
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/keyward.js');
const base = mkdtempSync(path.join(tmpdir(), 'kw-revoke-prompt-'));
const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

let kw: Keyward;
let server: Server;
let url: string;
let root: string;
let appId: string;

beforeAll(async () => {
  ({ kw } = await makeKeyward());
  server = await buildServer(kw);
  url = await server.listen({ port: 0, host: '127.0.0.1' });
  root = (await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'ops' }, CLI)).secret;
  appId = (await kw.apps.create({ name: 'shop' }, CLI)).id;
});
afterAll(async () => {
  await server.close();
  await kw.close();
  rmSync(base, { recursive: true, force: true });
});

let leaked: { id: string; secret: string };
let dir: string;
beforeEach(async (ctx) => {
  const k = await kw.keys.create({ appId, environment: 'live', kind: 'secret', name: 'leaky' }, CLI);
  leaked = { id: k.key.id, secret: k.secret };
  dir = path.join(base, ctx.task.id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'app.env'), `PAYMENTS_KEY=${k.secret}\n`);
});

// A run whose question never came (a failing test) must not outlive it.
const children = new Set<ChildProcess>();
afterEach(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  children.clear();
});

const works = async (): Promise<boolean> => (await kw.verifier.verify(leaked.secret, {})).valid;

interface Run {
  /** Resolves with everything shown so far once `text` is on the screen. */
  waitFor(text: string): Promise<string>;
  type(line: string): void;
  done: Promise<{ code: number; screen: string }>;
}

/** The binary on a pseudo-terminal: what it prints (stdout and stderr, as a terminal shows them) and a keyboard. */
function onTerminal(args: readonly string[]): Run {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], { env: { ...process.env, KEYWARD_ROOT_KEY: root, TERM: 'dumb' } });
  children.add(child);
  let screen = '';
  const waiters: { text: string; resolve: (s: string) => void }[] = [];
  const onData = (d: Buffer) => {
    screen += d.toString('utf8');
    for (const w of waiters.splice(0)) {
      if (screen.includes(w.text)) w.resolve(screen);
      else waiters.push(w);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return {
    waitFor: (text) => (screen.includes(text) ? Promise.resolve(screen) : new Promise((resolve) => waiters.push({ text, resolve }))),
    // A terminal's Enter is a carriage return; the terminal's line discipline makes it a newline.
    type: (line) => child.stdin.write(`${line}\r`),
    done: new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, screen }));
    }),
  };
}

const scanArgs = () => ['scan', dir, '--revoke', '--server', url];

describe.skipIf(process.platform !== 'linux')('keyward scan --revoke: the confirmation question on a terminal', () => {
  it('"y": the key works while the question waits, and is revoked after the answer', { timeout: 120_000 }, async () => {
    const run = onTerminal(scanArgs());
    const shown = await run.waitFor('[y/N]');
    expect(shown).toContain(`revoke 1 active key (${leaked.id})?`);
    expect(await works()).toBe(true);
    run.type('y');
    const { code, screen } = await run.done;
    expect(code).toBe(1); // findings remain findings: the exit code is the scan's
    expect(screen).toContain(`revoked 1 key: ${leaked.id}`);
    expect(screen).toContain('[revoked]');
    expect(screen).not.toContain(leaked.secret);
    expect(await works()).toBe(false);
    expect((await kw.keys.get(leaked.id)).revokedReason).toBe('leaked: found by keyward scan');
  });

  it.each([
    ['n', 'n'],
    ['"no"', 'no'],
    ['Enter alone (the default is No)', ''],
    ['anything but yes', 'yep'],
  ])('%s: nothing is revoked', { timeout: 120_000 }, async (_name, answer) => {
    const run = onTerminal(scanArgs());
    await run.waitFor('[y/N]');
    run.type(answer);
    const { code, screen } = await run.done;
    expect(code).toBe(1);
    expect(screen).toContain('not revoked');
    expect(screen).toContain('[active]');
    expect(await works()).toBe(true);
  });

  it('without a terminal, a "y" piped to stdin is not an answer: refused without --yes (exit 2), nothing revoked', { timeout: 120_000 }, async () => {
    const child = spawn(process.execPath, [BIN, ...scanArgs(), '--json'], { env: { ...process.env, KEYWARD_ROOT_KEY: root } });
    children.add(child);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end('y\n');
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    expect(code).toBe(2);
    expect((JSON.parse(stderr.trim().split('\n').pop()!) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    expect(await works()).toBe(true);
  });
});
