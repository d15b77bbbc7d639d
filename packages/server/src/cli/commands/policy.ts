import type { Command } from 'commander';
import { authenticate } from '../../credentials/authenticate.js';
import { KeywardError } from '../../errors/keyward-error.js';
import { compileAccessMap, explain } from '../../policy/evaluate.js';
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
        const headers: Record<string, string> = { authorization: `Bearer ${opts.key}`, ...(opts.subject ? { 'x-keyward-subject': opts.subject } : {}) };
        const auth = await authenticate({ method, rawTarget: path, headers, rawHeaders: Object.entries(headers).flat(), clientIp: '' }, kw.credentials);
        if (!auth.valid) {
          out.result({ allowed: false, code: auth.code, steps: [{ check: 'credential', ok: false, detail: auth.reason }] }, () => `DENIED ${auth.code}\n  ✗ credential${auth.reason !== auth.code ? `: ${auth.reason}` : ''}`);
          process.exitCode = 1;
          return;
        }
        const caller = { ...auth.caller, signed: auth.caller.signed || Boolean(opts.assumeSigned), attested: auth.caller.attested || Boolean(opts.assumeAttested) };
        const { decision, steps } = explain(map, { method, path: path.split('?')[0]!, ...(opts.appVersion ? { appVersion: opts.appVersion } : {}) }, caller);
        const assumed = [...(opts.assumeSigned ? ['signed'] : []), ...(opts.assumeAttested ? ['attested'] : [])];
        const all = [{ check: 'credential', ok: true, detail: `${caller.kind} ${caller.id} (${caller.environment})${assumed.length ? `, assumed ${assumed.join(' and ')}` : ''}` }, ...steps];
        out.result({ allowed: decision.allowed, ...(decision.allowed ? { resource: decision.resource.name } : { code: decision.code }), steps: all }, () =>
          [`${decision.allowed ? 'ALLOWED' : `DENIED ${decision.code}`} ${method.toUpperCase()} ${path}`, ...all.map((s) => `  ${s.ok ? '✓' : '✗'} ${s.check}${s.detail && s.detail !== s.check ? `: ${s.detail}` : ''}`)].join('\n'),
        );
        if (!decision.allowed) process.exitCode = 1;
      });
    });
}
