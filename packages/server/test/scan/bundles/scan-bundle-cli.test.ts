import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/run-in-process.js';
import { bplist, dex, PLANTED, zip } from './fixtures.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kw-scan-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `keyward scan` opens app bundles through scan/expand.ts: the planted key is found inside, under its virtual path. */
describe('keyward scan on app bundles', () => {
  it('finds a Keyward key in an APK’s DEX strings and in an IPA’s binary Info.plist, never printing it', async () => {
    writeFileSync(path.join(dir, 'app.apk'), zip([{ name: 'AndroidManifest.xml', data: new Uint8Array([3, 0, 8, 0]) }, { name: 'classes.dex', data: dex(['Landroid/app/Activity;', PLANTED, 'onCreate']) }]));
    writeFileSync(path.join(dir, 'app.ipa'), zip([{ name: 'Payload/App.app/Info.plist', data: bplist({ CFBundleIdentifier: 'com.example.app', KeywardKey: PLANTED }) }]));
    const out = await runCli(['scan', dir, '--json', '--no-progress'], { CI: 'true' });
    expect(out.code).toBe(1);
    const paths = (JSON.parse(out.stdout) as { findings: { path: string }[] }).findings.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining([`${path.join(dir, 'app.apk')}!/classes.dex`, `${path.join(dir, 'app.ipa')}!/Payload/App.app/Info.plist`]));
    expect(out.stdout + out.stderr).not.toContain(PLANTED);
  });
});
