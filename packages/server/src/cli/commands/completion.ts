import type { Command } from 'commander';
import { KeywardError } from '../../errors/keyward-error.js';
import { bashCompletion, fishCompletion, zshCompletion } from '../completion.js';

const SHELLS = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion } as const;

export function completionCommand(program: Command): void {
  program
    .command('completion <shell>')
    .description('Print a shell completion script: bash, zsh or fish (e.g. source <(keyward completion bash))')
    .action((shell: string) => {
      const make = SHELLS[shell as keyof typeof SHELLS];
      if (!make) throw new KeywardError('VALIDATION_FAILED', `<shell> must be one of ${Object.keys(SHELLS).join(', ')}`);
      process.stdout.write(make(program));
    });
}
