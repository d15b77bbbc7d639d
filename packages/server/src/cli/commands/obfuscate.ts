import { readFile, writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { KeywardError } from '../../errors/keyward-error.js';
import { DEFAULT_SHARES, HONESTY_NOTE, MAX_SHARES, MIN_SHARES, OBFUSCATE_LANGS, obfuscateKey, type ObfuscateLang } from '../../obfuscate/index.js';
import { createOutput } from '../output.js';
import { readStdin } from '../stdin.js';


/** Where the key comes from: --key-file (`-` is stdin), else the argument, else piped stdin. */
async function readKey(arg: string | undefined, keyFile: string | undefined): Promise<{ key: string; fromArgv: boolean }> {
  if (keyFile !== undefined && arg !== undefined) throw new KeywardError('VALIDATION_FAILED', 'give the key either as <key> or with --key-file, not both');
  if (keyFile === '-') return { key: (await readStdin()).trim(), fromArgv: false };
  if (keyFile !== undefined) {
    const text = await readFile(keyFile, 'utf8').catch(() => undefined);
    if (text === undefined) throw new KeywardError('VALIDATION_FAILED', undefined, { errors: [{ pointer: '--key-file', message: 'cannot be read' }] });
    return { key: text.trim(), fromArgv: false };
  }
  if (arg !== undefined) return { key: arg.trim(), fromArgv: true };
  if (process.stdin.isTTY) throw new KeywardError('VALIDATION_FAILED', 'pipe the key on stdin or pass --key-file FILE');
  return { key: (await readStdin()).trim(), fromArgv: false };
}

export function obfuscateCommand(program: Command): void {
  program
    .command('obfuscate [key]')
    .description(
      `Print ${OBFUSCATE_LANGS.join('|')} code that keeps a publishable key split in XOR shares with per-build random masks, ` +
        'reassembled only in memory. Read the key from stdin or --key-file, not as an argument (argv lands in shell history). ' +
        `Only kw_pk_ keys are accepted. ${HONESTY_NOTE.slice(1).join(' ')}`,
    )
    .addOption(new Option('--lang <lang>', 'language of the generated code').choices(OBFUSCATE_LANGS).makeOptionMandatory())
    .option('--key-file <file>', 'file holding the key (`-` for stdin); default: stdin when no <key> is given')
    .option('--shares <n>', `number of XOR shares, ${MIN_SHARES}-${MAX_SHARES} (default ${DEFAULT_SHARES})`)
    .option('--name <identifier>', 'function (ts) or type (swift, kotlin) name; default keywardKey / KeywardKey')
    .option('-o, --output <file>', 'write the code to this file instead of stdout')
    .action(async (arg: string | undefined, opts: { lang: string; keyFile?: string; shares?: string; name?: string; output?: string }, cmd: Command) => {
      const out = createOutput(Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json));
      const shares = opts.shares === undefined ? undefined : /^\d+$/.test(opts.shares) ? Number(opts.shares) : Number.NaN;
      const { key, fromArgv } = await readKey(arg, opts.keyFile);
      const code = obfuscateKey(key, { lang: opts.lang as ObfuscateLang, ...(shares !== undefined ? { shares } : {}), ...(opts.name ? { name: opts.name } : {}) });
      if (fromArgv) out.notice('note: a key given as an argument lands in shell history; pipe it on stdin or use --key-file next time');
      if (opts.output) {
        await writeFile(opts.output, code, { mode: 0o644 });
        out.result({ lang: opts.lang, output: opts.output }, () => `Wrote ${opts.lang} code to ${opts.output}. ${HONESTY_NOTE[1]}`);
      } else if (out.json) {
        out.result({ lang: opts.lang, code });
      } else {
        process.stdout.write(code);
      }
    });
}
