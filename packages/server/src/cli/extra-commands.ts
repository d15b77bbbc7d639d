import type { Command } from 'commander';

/** Command groups added by later features (policy, gateway, scan …). */
export const extraCommands: ReadonlyArray<(program: Command) => void> = [];
