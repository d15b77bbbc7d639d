import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { generateKey } from '@keyward/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { errorOf, runCli } from './run-in-process.js';

/**
 * A data directory without a store is STORE_NOT_FOUND (exit 2) for every command of the program
 * but the few that create a store or need none, and the directory is not created. The commands
 * are taken from the program itself, so a new command is covered without editing this test.
 */
const base = mkdtempSync(path.join(tmpdir(), 'kw-nostore-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const map = path.join(base, 'map.yaml');
writeFileSync(map, 'version: 1\nresources:\n  - { path: /x, methods: [GET], allow: [secret] }\n');

/**
 * Commands that create a store (init, start), need none (policy check, completion, obfuscate, scan),
 * read stdin first (secrets set, leaks report), or report a missing store as one failed check,
 * exit 1 (doctor: test/ops/doctor.test.ts).
 */
const EXEMPT = new Set(['init', 'start', 'policy check', 'completion', 'secrets set', 'leaks report', 'doctor', 'obfuscate', 'scan']);
const KEY = generateKey('secret', 'live');
const VALUES: Record<string, string> = { '--permissions': 'keys:read', '--upstream': 'http://127.0.0.1:9', '--policy': map, '--key': KEY, '--ttl-seconds': '60', '--port': '0', '--env': 'live' };

/** Commands that refuse to run with nothing to do, before they look for a store. */
const EXTRA: Record<string, string[]> = { 'apps update': ['--name', 'x'], 'keys update': ['--name', 'x'], 'root-keys update': ['--name', 'x'], 'identities update': ['--meta', '{}'], 'webhooks update': ['--description', 'x'] };

function leaves(cmd: Command, prefix: string[] = []): { words: string[]; cmd: Command }[] {
  return cmd.commands.flatMap((c) => (c.commands.length ? leaves(c, [...prefix, c.name()]) : [{ words: [...prefix, c.name()], cmd: c }]));
}

/** The command line with every required argument and option filled by a well-formed value. */
function argv(words: string[], cmd: Command): string[] {
  const args = cmd.registeredArguments.filter((a) => a.required).map((a) => (a.name() === 'key' || a.name() === 'token' ? KEY : a.name() === 'method' ? 'GET' : a.name() === 'path' ? '/x' : `${a.name()}_0000000000000000000000`));
  const opts = cmd.options.filter((o) => o.mandatory).flatMap((o) => [o.long!, o.argChoices?.[0] ?? VALUES[o.long!] ?? '1']);
  return [...words, ...args, ...opts, ...(EXTRA[words.join(' ')] ?? [])];
}

describe('a missing store', () => {
  const commands = leaves(buildProgram()).filter(({ words }) => !EXEMPT.has(words.join(' ')) && !EXEMPT.has(words[0]!));
  it('covers the program (sanity: the new commands are there)', () => {
    const names = commands.map((c) => c.words.join(' '));
    expect(names).toEqual(expect.arrayContaining(['apps get', 'keys update', 'keys reissue', 'audit list', 'sessions list', 'tokens mint', 'signing-keys list', 'gateway', 'root-keys create', 'identities update', 'analytics verifications']));
  });
  for (const { words, cmd } of commands) {
    it(`${words.join(' ')}: STORE_NOT_FOUND, exit 2, nothing created`, async () => {
      const dir = path.join(base, words.join('-'));
      const r = await runCli(['--data', dir, ...argv(words, cmd), '--json'], { KEYWARD_MASTER_KEYS: '', KEYWARD_DATA: undefined, KEYWARD_GATEWAY_PORT: undefined });
      expect(r.code, r.stderr).toBe(2);
      expect(errorOf(r.stderr).code, r.stderr).toBe('STORE_NOT_FOUND');
      expect(existsSync(dir)).toBe(false);
    });
  }
});
