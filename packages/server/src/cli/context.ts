import { loadConfig, type KeywardConfig } from '../config/config.js';
import { createKeyward, type Keyward } from '../keyward.js';
import { createLogger } from '../observability/logger.js';
import type { Command } from 'commander';
import { createOutput, type Output } from './output.js';

export interface GlobalOptions {
  readonly data?: string;
  readonly json?: boolean;
}

/** Opens the local store for a one-shot command: quiet logs, no background polling. */
export async function openLocal(options: GlobalOptions, overrides: Partial<KeywardConfig> = {}): Promise<Keyward> {
  const config = loadConfig({ ...(options.data ? { dataDir: options.data } : {}) });
  return createKeyward({
    config: { ...config, changePollIntervalMs: 0, usageFlushIntervalMs: 0, ...overrides },
    logger: createLogger('silent'),
  });
}

export const CLI_ACTOR = { actor: 'cli', requestId: 'cli' } as const;

/** Runs a one-shot command against the local store: opens it, hands over an output, always closes. */
export async function withLocal(cmd: Command, run: (kw: Keyward, out: Output, globals: GlobalOptions) => Promise<void>): Promise<void> {
  const globals = cmd.optsWithGlobals<GlobalOptions>();
  const out = createOutput(Boolean(globals.json));
  const kw = await openLocal(globals);
  try {
    await run(kw, out, globals);
  } finally {
    await kw.close();
  }
}
