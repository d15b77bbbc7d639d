import { CommanderError, type Command } from 'commander';
import { ConfigError } from '../config/config.js';
import { isKeywardError } from '../errors/keyward-error.js';
import type { Code } from '../errors/catalogue.js';
import { PolicyLoadError } from '../policy/load.js';

/**
 * The CLI's one error shape: `{ "error": { "code", "detail", "errors"?: [{ "flag", "message" }] } }`
 * on stderr with `--json`, and `error CODE: detail` otherwise. Services point into an API body
 * (`/body/subject`); on the command line that is a flag, so every pointer is turned into the flag
 * that set the field before it is shown.
 */
export interface CliErrorBody {
  readonly error: { readonly code: Code; readonly detail: string; readonly errors?: readonly { readonly flag: string; readonly message: string }[] };
}

/** Fields whose flag is not `--<kebab-case of the field>`, per command (set where the command is declared). */
const FIELD_FLAGS = new WeakMap<Command, Readonly<Record<string, string>>>();

export function fieldFlags(cmd: Command, map: Readonly<Record<string, string>>): Command {
  FIELD_FLAGS.set(cmd, map);
  return cmd;
}

/** `/body/credits/amount` → `--credits` (via the command's map, else the option of that name). */
export function flagFor(pointer: string, cmd: Command | undefined): string {
  if (pointer.startsWith('--')) return pointer; // a command's own check already named the flag
  const parts = pointer.replace(/^\/(body|query|params)(?=\/)/, '').split('/').filter(Boolean);
  const map = cmd ? FIELD_FLAGS.get(cmd) : undefined;
  // The most specific mapping wins: settings/certificatePins before settings.
  for (let n = parts.length; n > 0; n--) {
    const hit = map?.[parts.slice(0, n).join('/')];
    if (hit) return hit;
  }
  const field = parts.find((p) => !/^\d+$/.test(p) && p !== 'settings') ?? parts[0] ?? '';
  const option = cmd?.options.find((o) => o.attributeName() === field);
  if (option?.long) return option.long;
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Any error → the CLI's error body and exit code (2 for input and usage, 3 for the unexpected). */
export function toCliError(err: unknown, cmd: Command | undefined): { body: CliErrorBody; exitCode: number } {
  if (err instanceof CommanderError) {
    const help = cmd ? ` (see \`${commandPath(cmd)} --help\`)` : '';
    return { body: { error: { code: 'VALIDATION_FAILED', detail: `${err.message.replace(/^error: /, '')}${help}` } }, exitCode: 2 };
  }
  if (isKeywardError(err)) {
    if (err.errors?.length) {
      const errors = err.errors.map((e) => ({ flag: flagFor(e.pointer, cmd), message: e.message }));
      return { body: { error: { code: err.code, detail: errors.map((e) => `${e.flag}: ${e.message}`).join('; '), errors } }, exitCode: 2 };
    }
    return { body: { error: { code: err.code, detail: err.detail ?? err.code } }, exitCode: 2 };
  }
  if (err instanceof PolicyLoadError) return { body: { error: { code: 'POLICY_INVALID', detail: err.message } }, exitCode: 2 };
  if (err instanceof ConfigError) return { body: { error: { code: 'CONFIG_INVALID', detail: err.message } }, exitCode: 2 };
  return { body: { error: { code: 'INTERNAL', detail: `unexpected error: ${err instanceof Error ? err.message : String(err)}` } }, exitCode: 3 };
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

export function renderError(body: CliErrorBody, json: boolean): string {
  return json ? `${JSON.stringify(body)}\n` : `error ${body.error.code}: ${body.error.detail}\n`;
}
