import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { blocks, freePort, runScript } from '../../test/shell-blocks.js';

/**
 * Runs the curl walkthrough of examples/minimal/README.md as written (only its ports are swapped
 * for free ones) and compares what it prints with the output the README shows.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const data = mkdtempSync(path.join(tmpdir(), 'kw-minimal-'));
afterAll(() => rmSync(data, { recursive: true, force: true }));

describe('examples/minimal with curl', () => {
  it('prints what its README says', async () => {
    const readme = readFileSync(path.join(here, 'README.md'), 'utf8');
    const [script] = blocks(readme, 'sh');
    const [expected] = blocks(readme, 'text');
    const ports = { 8787: await freePort(), 8788: await freePort(), 3000: await freePort() };
    const withPorts = script!.replace(/\b(8787|8788|3000)\b/g, (p) => String(ports[Number(p) as keyof typeof ports]));
    const env = { KEYWARD_DATA: data, KEYWARD_MASTER_KEYS: '', KEYWARD_LOG_LEVEL: 'warn', KEYWARD_HOST: '', KEYWARD_PORT: '' };
    const r = await runScript(withPorts, env, 150_000);
    expect(r.stdout, r.stderr).toBe(expected);
    expect(r.code, r.stderr).toBe(0);
  }, 180_000);
});
