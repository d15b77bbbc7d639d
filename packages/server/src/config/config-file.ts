import { existsSync, readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError, DEFAULT_CONFIG, type ConfigFileValues, type KeywardConfig } from './config.js';

const KEYS = Object.keys(DEFAULT_CONFIG) as (keyof KeywardConfig)[];

/**
 * Reads an optional YAML config file (`keyward --config FILE`). It holds the same settings as the
 * `KEYWARD_*` variables, under the names of KeywardConfig (`port`, `dataDir`, `cacheTtlMs` …), and
 * its values go through the same checks in loadConfig (config.ts), so there is one schema. A key
 * that is no setting is refused rather than ignored: a typo must not silently keep a default.
 * Secrets (master keys) do not belong in it and are refused like any unknown key.
 */
export function readConfigFile(file: string): ConfigFileValues {
  if (!existsSync(file)) throw new ConfigError([`--config ${file}: no such file`]);
  const text = readFileSync(file, 'utf8');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length) {
    throw new ConfigError(doc.errors.map((e) => `${file}:${e.linePos?.[0]?.line ?? 1}: ${e.message.split('\n')[0]}`));
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return { path: file, values: {} };
  if (typeof data !== 'object' || Array.isArray(data)) throw new ConfigError([`${file}: must be a mapping of setting: value`]);
  const problems: string[] = [];
  const values: Partial<Record<keyof KeywardConfig, string | number>> = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (!(KEYS as string[]).includes(key)) {
      problems.push(`${file}: ${key}: unknown setting (known: ${KEYS.join(', ')})`);
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      problems.push(`${file}: ${key}: must be a number, a string or true/false`);
      continue;
    }
    values[key as keyof KeywardConfig] = typeof value === 'boolean' ? String(value) : value;
  }
  if (problems.length) throw new ConfigError(problems);
  return { path: file, values };
}
