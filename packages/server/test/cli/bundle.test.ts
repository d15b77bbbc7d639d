import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm start` and the published `keyward` command run bin/keyward.js with plain node: the built
 * JavaScript in dist/ (the test suite's global setup builds it, see test/global-setup.ts), no
 * TypeScript loader. This starts it on a fresh data directory and talks to it over HTTP.
 */
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/keyward.js');
const dataDir = mkdtempSync(path.join(tmpdir(), 'kw-bundle-'));
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the built keyward command', () => {
  it('starts on an empty store with plain node, prints the first root key once, and serves the API', async () => {
    const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--host', '127.0.0.1', '--data', dataDir], { env: { ...process.env, KEYWARD_MASTER_KEYS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stdout = '';
      let stderr = '';
      // The root key (stderr) and the "listening" line (stdout) come on two pipes, in either order.
      const { address, root } = await new Promise<{ address: string; root: string }>((resolve, reject) => {
        const check = () => {
          const listening = stdout.split('\n').find((line) => line.includes('keyward listening'));
          const key = /kw_root_[0-9A-Za-z]+/.exec(stderr)?.[0];
          if (!listening || !key) return;
          const line = JSON.parse(listening) as { address: string; data: string };
          expect(line.data).toBe(dataDir); // `--data` after the command is honoured
          resolve({ address: line.address, root: key });
        };
        child.stdout.on('data', (d) => ((stdout += String(d)), check()));
        child.stderr.on('data', (d) => ((stderr += String(d)), check()));
        child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
      });
      expect(root).toBeDefined();
      expect((await fetch(`${address}/healthz`)).status).toBe(200);
      const created = await fetch(`${address}/v1/apps`, { method: 'POST', headers: { authorization: `Bearer ${root}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bundle' }) });
      expect(created.status).toBe(201);
      expect(((await created.json()) as { id: string }).id).toMatch(/^app_/);
      const denied = await fetch(`${address}/v1/apps`, { headers: { authorization: 'Bearer kw_root_wrong' } });
      expect(denied.status).toBeGreaterThanOrEqual(400);
      expect(stdout).not.toContain(root); // the root key goes to stderr once, never into the logs
    } finally {
      child.kill('SIGTERM');
    }
  });
});
