import type { Command } from 'commander';
import { analyticsCommand } from './commands/analytics.js';
import { gatewayCommand } from './commands/gateway.js';
import { policyCommand } from './commands/policy.js';
import { sessionsCommand } from './commands/sessions.js';
import { signingKeysCommand } from './commands/signing-keys.js';
import { rootKeysCommand } from './commands/root-keys.js';
import { identitiesCommand } from './commands/identities.js';
import { tokensCommand } from './commands/tokens.js';
import { scanCommand } from './commands/scan.js';

/** Command groups beyond the core ones. */
export const extraCommands: ReadonlyArray<(program: Command) => void> = [gatewayCommand, policyCommand, signingKeysCommand, analyticsCommand, sessionsCommand, tokensCommand, rootKeysCommand, identitiesCommand, scanCommand];
