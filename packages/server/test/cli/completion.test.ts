import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { bashCompletion, fishCompletion, zshCompletion } from '../../src/cli/completion.js';
import { buildProgram } from '../../src/cli/main.js';
import { runCli } from './run-in-process.js';

/** The completion scripts come from the commander program, and bash's function completes real prefixes. */
const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'kw-compl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = path.join(dir, 'keyward.bash');
writeFileSync(script, bashCompletion(buildProgram()));

/** Runs `_keyward` as bash would for the command line `words` (the last word is the one being completed). */
async function complete(...words: string[]): Promise<string[]> {
  const line = ['keyward', ...words].map((w) => `'${w}'`).join(' ');
  const { stdout } = await run('bash', ['-c', `source '${script}'; COMP_WORDS=(${line}); COMP_CWORD=${words.length}; _keyward; printf '%s\\n' "\${COMPREPLY[@]}"`]);
  return stdout.split('\n').filter(Boolean).sort();
}

function allCommands(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => [[...prefix, c.name()], ...allCommands(c, [...prefix, c.name()])]);
}

describe('keyward completion', () => {
  it('bash completes commands, subcommands, flags and flag values', async () => {
    expect(await complete('ke')).toEqual(['keys']);
    expect(await complete('keys', 're')).toEqual(['reissue', 'revoke']);
    expect(await complete('keys', 'create', '--ex')).toEqual(['--expires-at', '--expires-in-seconds']);
    expect(await complete('keys', 'create', '--kind', 'se')).toEqual(['secret']);
    expect(await complete('--data', '/tmp/x', 'apps', 'up')).toEqual(['update']); // an option's value is not a command word
    expect(await complete('keys', 'create', '--app', 'app_1', '--en')).toEqual(['--env']);
    expect(await complete('sessions', 'list', '--env', '')).toEqual(['live', 'test']);
    expect(await complete('completion', '')).toEqual([]);
  });

  it('every command of the program completes in bash, and appears in the zsh and fish scripts', async () => {
    const program = buildProgram();
    const zsh = zshCompletion(program);
    const fish = fishCompletion(program);
    expect(zsh).toContain('bashcompinit');
    for (const words of allCommands(program)) {
      const name = words[words.length - 1]!;
      expect(await complete(...words.slice(0, -1), name), words.join(' ')).toContain(name);
      expect(fish, words.join(' ')).toContain(`-a ${name} `);
      expect(zsh).toContain(`subs['keyward ${words.join(' ')}']`);
    }
  }, 120_000);

  it('`keyward completion SHELL` prints the script; an unknown shell is exit 2', async () => {
    const bash = await runCli(['completion', 'bash']);
    expect(bash.code).toBe(0);
    expect(bash.stdout).toContain('complete -F _keyward keyward');
    expect((await runCli(['completion', 'fish'])).stdout).toContain('complete -c keyward');
    const bad = await runCli(['completion', 'tcsh', '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stderr).error.code).toBe('VALIDATION_FAILED');
  });
});
