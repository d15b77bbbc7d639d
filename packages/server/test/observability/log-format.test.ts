import { execFile } from 'node:child_process';
import { PassThrough } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { formatLogLine } from '../../src/observability/pretty.js';

/** Logs: readable lines for a person at a terminal, JSON lines for a collector; each mode forced. */
function capture(format: 'json' | 'pretty'): { logger: ReturnType<typeof createLogger>; text: () => string } {
  const sink = new PassThrough();
  const chunks: string[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c.toString()));
  return { logger: createLogger('info', sink, format), text: () => chunks.join('') };
}

describe('log format', () => {
  it('json: one JSON object per line, secrets redacted', () => {
    const { logger, text } = capture('json');
    logger.info({ requestId: 'r1', body: { secret: 'kw_sk_live_x' } }, 'hello');
    const entry = JSON.parse(text().trim()) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 30, msg: 'hello', requestId: 'r1', body: { secret: '[redacted]' } });
  });

  it('pretty: time, level, message and fields on one line, after the same redaction', () => {
    const { logger, text } = capture('pretty');
    logger.warn({ requestId: 'r1', body: { secret: 'kw_sk_live_x' }, host: '0.0.0.0' }, 'plain HTTP');
    const line = text();
    expect(line).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} WARN {2}plain HTTP requestId=r1 body=\{"secret":"\[redacted\]"\} host=0\.0\.0\.0\n$/);
    expect(() => JSON.parse(line)).toThrow();
    expect(formatLogLine('not json')).toBe('not json\n');
    expect(formatLogLine('{"level":50,"time":0,"msg":"x","err":{"code":"E"}}', true)).toContain('\u001b[31mERROR\u001b[0m x err={"code":"E"}');
  });

  it('KEYWARD_LOG_FORMAT picks the mode of the running CLI; auto on a pipe is JSON', async () => {
    const run = promisify(execFile);
    const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/keyward.js');
    // A bad format is refused with exit 2, naming the variable: proves the CLI reads it.
    const bad = await run(process.execPath, [bin, 'init', '--data', '/nonexistent/kw', '--json'], { env: { ...process.env, KEYWARD_LOG_FORMAT: 'fancy' } }).catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(2);
    expect((bad as { stderr: string }).stderr).toContain('KEYWARD_LOG_FORMAT=fancy');
    const script = `import { createLogger } from ${JSON.stringify(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/observability/logger.ts'))}; createLogger('info', undefined, process.env.FMT).info({ a: 1 }, 'm');`;
    const tsx = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../node_modules/.bin/tsx');
    const auto = await run(tsx, ['--conditions=@keyward/source', '-e', script], { env: { ...process.env, FMT: 'auto' } });
    expect(JSON.parse(auto.stdout)).toMatchObject({ msg: 'm', a: 1 });
    const pretty = await run(tsx, ['--conditions=@keyward/source', '-e', script], { env: { ...process.env, FMT: 'pretty' } });
    expect(pretty.stdout).toMatch(/INFO {2}m a=1\n$/);
    // auto on a terminal: util-linux `script` gives the child a pseudo-terminal as stdout.
    const tty = await run('script', ['-qec', `${tsx} --conditions=@keyward/source -e ${JSON.stringify(script)}`, '/dev/null'], { env: { ...process.env, FMT: 'auto', NO_COLOR: '1' } });
    expect(tty.stdout).toMatch(/INFO {2}m a=1\r?\n/);
  }, 60_000);
});
