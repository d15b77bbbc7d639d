import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** `npm run demo` runs both sides with one command and builds the bundle index.html loads. */
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

describe('npm run demo', () => {
  it('builds dist/bundle.js next to index.html, starts the server and runs the app side against it', async () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.demo).toContain('examples/sdk-demo/run.ts');
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'demo', '--', '--once'], { cwd: root, env: { ...process.env, PORT: '0' }, timeout: 90_000 });
    expect(stdout).toContain('built examples/sdk-demo/dist/bundle.js');
    expect(stdout).toContain('session refreshed transparently');
    expect(stdout.match(/GET \/api\/profile → {"subject":"ada","signed":true,"session":true}/g)).toHaveLength(2);
    expect(existsSync(path.join(here, 'dist/bundle.js'))).toBe(true);
    expect(readFileSync(path.join(here, 'dist/index.html'), 'utf8')).toContain('<script src="bundle.js"></script>');
  }, 120_000);
});
