import type { Command } from 'commander';
import { explainCredential } from '../../credentials/explain.js';
import { KeywardError } from '../../errors/keyward-error.js';
import { compileAccessMap } from '../../policy/evaluate.js';
import { loadAccessMap, PolicyLoadError } from '../../policy/load.js';
import { withLocal, type GlobalOptions } from '../context.js';
import { createOutput } from '../output.js';

export function policyCommand(program: Command): void {
  const policy = program.command('policy').description('The access map');
  policy
    .command('check <file>')
    .description('Validate an access map; every problem is listed with file:line:column (exit 1 if any)')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const out = createOutput(Boolean(cmd.optsWithGlobals<GlobalOptions>().json));
      try {
        const map = loadAccessMap(file);
        out.result({ ok: true, resources: map.resources.length, limits: Object.keys(map.limits).length, quotas: Object.keys(map.quotas).length }, () => `${file}: valid — ${map.resources.length} resources, ${Object.keys(map.limits).length} limits, ${Object.keys(map.quotas).length} quotas`);
      } catch (err) {
        if (!(err instanceof PolicyLoadError)) throw err;
        out.result({ ok: false, problems: err.problems }, () => err.problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n'));
        process.exitCode = 1;
      }
    });
  policy
    .command('explain <method> <path>')
    .description('Say whether a credential may make a call, and why (exit 0 allowed, 1 denied)')
    .requiredOption('--policy <file>', 'the access map')
    .requiredOption('--key <credential>', 'the key, session key or token to test (read it from a variable, not your shell history)')
    .option('--subject <id>', 'the subject a publishable key acts for')
    .option('--app-version <version>', 'the app version the call would carry')
    .option('--assume-signed', 'answer as if the request carried a valid RFC 9421 signature')
    .option('--assume-attested', 'answer as if the request carried a valid attested app token')
    .action(async (method: string, path: string, opts: { policy: string; key: string; subject?: string; appVersion?: string; assumeSigned?: boolean; assumeAttested?: boolean }, cmd: Command) => {
      if (!path.startsWith('/')) throw new KeywardError('VALIDATION_FAILED', 'the path starts with /');
      const map = compileAccessMap(loadAccessMap(opts.policy));
      await withLocal(cmd, async (kw, out) => {
        const input = { credential: opts.key, method, path, ...(opts.subject ? { subject: opts.subject } : {}), ...(opts.appVersion ? { appVersion: opts.appVersion } : {}), assumeSigned: Boolean(opts.assumeSigned), assumeAttested: Boolean(opts.assumeAttested) };
        const answer = await explainCredential(kw.credentials, map, input);
        const { steps, ...verdict } = answer;
        const json = answer.allowed ? { allowed: true, resource: answer.resource, steps } : { allowed: false, code: answer.code, steps };
        out.result(json, () => {
          const head = verdict.allowed ? 'ALLOWED' : `DENIED ${verdict.code}`;
          // A refused credential stops before the call: its line names the reason only.
          if (!verdict.allowed && steps.length === 1 && steps[0]!.check === 'credential') return `${head}\n  ✗ credential${steps[0]!.detail !== verdict.code ? `: ${steps[0]!.detail}` : ''}`;
          return [`${head} ${method.toUpperCase()} ${path}`, ...steps.map((s) => `  ${s.ok ? '✓' : '✗'} ${s.check}${s.detail && s.detail !== s.check ? `: ${s.detail}` : ''}`)].join('\n');
        });
        if (!answer.allowed) process.exitCode = 1;
      });
    });
}
