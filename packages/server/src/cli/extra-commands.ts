import type { Command } from 'commander';
import { analyticsCommand } from './commands/analytics.js';
import { anomaliesCommand } from './commands/anomalies.js';
import { gatewayCommand } from './commands/gateway.js';
import { policyCommand } from './commands/policy.js';
import { sessionsCommand } from './commands/sessions.js';
import { signingKeysCommand } from './commands/signing-keys.js';
import { rootKeysCommand } from './commands/root-keys.js';
import { identitiesCommand } from './commands/identities.js';
import { tokensCommand } from './commands/tokens.js';
import { obfuscateCommand } from './commands/obfuscate.js';
import { opsCommand } from './commands/ops.js';
import { attestationCommand } from './commands/attestation.js';
import { leaksCommand } from './commands/leaks.js';
import { webhooksCommand } from './commands/webhooks.js';
import { scanCommand } from './commands/scan.js';

/** Command groups beyond the core ones. */
export const extraCommands: ReadonlyArray<(program: Command) => void> = [gatewayCommand, policyCommand, signingKeysCommand, analyticsCommand, anomaliesCommand, sessionsCommand, tokensCommand, rootKeysCommand, identitiesCommand, obfuscateCommand, opsCommand, attestationCommand, leaksCommand, webhooksCommand, scanCommand];
