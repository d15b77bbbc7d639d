import type { Command } from 'commander';
import { analyticsCommand } from './commands/analytics.js';
import { gatewayCommand } from './commands/gateway.js';
import { policyCommand } from './commands/policy.js';
import { signingKeysCommand } from './commands/signing-keys.js';

/** Command groups beyond the core ones. */
export const extraCommands: ReadonlyArray<(program: Command) => void> = [gatewayCommand, policyCommand, signingKeysCommand, analyticsCommand];
