import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { currentSpec, GENERATED_PATH, renderAdminTypes } from '../../../../scripts/gen-admin-types.js';
import { ROUTES } from '../../src/admin/index.js';

/**
 * Operations the admin SDK leaves to others, each with the reason. Every other operation of the
 * server's OpenAPI description must have a method in src/admin/index.ts.
 */
const NOT_IN_ADMIN_SDK: Record<string, string> = {
  getMetrics: 'Prometheus text for a scraper, not JSON',
  postLeaks: 'called by a secret-scanning partner (GitHub) with its own signature over the body',
  postDevices: "called by an app install with its publishable key: the app SDK's job",
  postSessionsRefresh: 'called by the app with its refresh token: SessionManager in @keyward/client',
  postSessionsLogin: "called by the app with the user's password: the app SDK's job",
  postConsoleSession: 'dashboard sign-in: sets an HttpOnly cookie for the browser; the SDK sends the root key itself',
  getConsoleSession: 'dashboard session (cookie), for the browser',
  deleteConsoleSession: 'dashboard sign-out (cookie), for the browser',
  postAttestChallenge: 'called by the app install: AttestationClient in @keyward/client',
  postAttest: 'called by the app install with its platform attestation: AttestationClient in @keyward/client',
  getAttestSecrets: 'called by the attested app with its app token: AttestationClient.runtimeSecrets',
};

describe('admin SDK types against the OpenAPI description', () => {
  it('api.gen.ts is what the server describes now (run `npx tsx scripts/gen-admin-types.ts` after changing a route schema)', async () => {
    const spec = await currentSpec();
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(renderAdminTypes(spec));
  });

  it('every operation has an SDK method, or is named here as left to the app SDK', async () => {
    const spec = await currentSpec();
    const source = readFileSync(new URL('../../src/admin/index.ts', import.meta.url), 'utf8');
    const ids = Object.values(spec.paths).flatMap((item) => Object.values(item).map((op) => op.operationId as string));
    expect(ids.length).toBeGreaterThan(30);
    const missing = ids.filter((id) => !NOT_IN_ADMIN_SDK[id] && !source.includes(`call('${id}'`));
    expect(missing).toEqual([]);
    // An exclusion for an operation that no longer exists is stale.
    expect(Object.keys(NOT_IN_ADMIN_SDK).filter((id) => !ids.includes(id))).toEqual([]);
    expect(Object.keys(ROUTES).sort()).toEqual([...ids].sort());
  });

  it('bundles for a browser (no node: import anywhere in the admin SDK), so it runs wherever fetch does', async () => {
    const out = await build({ entryPoints: [new URL('../../src/admin/index.ts', import.meta.url).pathname], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
    const text = out.outputFiles[0]!.text;
    expect(text).not.toMatch(/["']node:/);
    expect(text).toContain('/v1/apps/{appId}/keys');
  });
});
