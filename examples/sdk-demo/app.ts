/**
 * The demo's app side, written only against @keyward/client (fetch + WebCrypto), so the same code
 * runs in Node, in a browser and in React Native:
 *
 *   1. register this install with a fresh device key pair (the private key never leaves WebCrypto);
 *   2. log in with a password → a session key and a refresh token;
 *   3. call the API: every request carries the session key and is signed by the device key;
 *   4. keep calling past the session key's expiry: the SDK refreshes it and the calls keep working.
 */
import { createKeywardClient, createSigner, generateDeviceKeyPair, memorySessionStorage } from '../../packages/client/src/index.js';

export async function runApp(options: { baseUrl: string; publishableKey: string; username: string; password: string; waitMs?: number; log?: (line: string) => void }): Promise<{ profiles: unknown[]; refreshed: boolean }> {
  const log = options.log ?? (() => {});
  const storage = memorySessionStorage();
  const client = createKeywardClient({ baseUrl: options.baseUrl, publishableKey: options.publishableKey, session: { storage, refreshBeforeSeconds: 1 }, appVersion: '1.0.0' });

  const { privateKey, publicJwk } = await generateDeviceKeyPair('ed25519');
  const { deviceId } = await client.registerDevice({ platform: 'web', appVersion: '1.0.0', publicJwk });
  client.setSigner(createSigner({ keyId: deviceId, alg: 'ed25519', key: privateKey }));
  log(`registered device ${deviceId}`);

  await client.login(options.username, options.password, { name: 'demo', platform: 'web' });
  const first = await storage.load();
  log('logged in');

  const profiles: unknown[] = [];
  profiles.push(await (await client.fetch('/api/profile')).json());
  await new Promise((r) => setTimeout(r, options.waitMs ?? 0));
  profiles.push(await (await client.fetch('/api/profile')).json());
  const after = await storage.load();
  const refreshed = first!.sessionKey !== after!.sessionKey;
  log(refreshed ? 'session refreshed transparently' : 'session still fresh');
  return { profiles, refreshed };
}
