import { describe, expect, it } from 'vitest';
import { AttestationClient } from '../../packages/client/src/index.js';
import { runAttestedApp } from './app.js';
import { simulatedBridge } from './platform.js';
import { startAttestationDemo } from './server.js';

describe('attestation demo (Node, simulated platform)', () => {
  it('attests, calls an attestation route and two asserted routes, and fetches its runtime secrets', async () => {
    const demo = await startAttestationDemo();
    try {
      const bridge = simulatedBridge();
      const r = await runAttestedApp({ baseUrl: demo.url, publishableKey: demo.publishableKey, bridge });
      expect(r.feed).toEqual({ attested: true, instance: r.client.instanceId });
      expect(r.pay).toEqual([200, { paid: 5 }]);
      expect(r.payAgain).toEqual([200, { paid: 7 }]);
      expect(r.secrets).toEqual({ maps_client_key: 'demo-maps-client-key-0001' });
      expect(bridge.attestations).toBe(1); // one attestation, the token cached for every call
    } finally {
      await demo.close();
    }
  });

  it('re-attestation path: a revoked instance gets REATTESTATION_REQUIRED, and the SDK attests again with a new key and retries', async () => {
    const demo = await startAttestationDemo();
    try {
      const bridge = simulatedBridge();
      const r = await runAttestedApp({ baseUrl: demo.url, publishableKey: demo.publishableKey, bridge });
      const first = r.client.instanceId!;
      await demo.kw.attestation.admin.revokeInstance(first, { actor: 'ops', requestId: 'req' });
      const again = await r.client.fetch('/api/pay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"amount":1}' }, { assert: true });
      expect(again.status).toBe(200);
      expect(bridge.attestations).toBe(2);
      expect(r.client.instanceId).not.toBe(first);
    } finally {
      await demo.close();
    }
  });

  it('an unattested call (publishable key) to an app-token route is refused (KIND_NOT_ALLOWED)', async () => {
    const demo = await startAttestationDemo();
    try {
      const res = await fetch(`${demo.url}/api/feed`, { headers: { 'x-api-key': demo.publishableKey, 'x-keyward-subject': 'u1' } });
      expect([res.status, res.headers.get('x-keyward-code')]).toEqual([403, 'KIND_NOT_ALLOWED']);
    } finally {
      await demo.close();
    }
  });

  it('the SDK attests once for concurrent requests, and again when the app token is about to expire', async () => {
    const demo = await startAttestationDemo();
    try {
      const bridge = simulatedBridge();
      let skewMs = 0;
      const client = new AttestationClient({ baseUrl: demo.url, publishableKey: demo.publishableKey, bridge, refreshBeforeSeconds: 300, now: () => Date.now() + skewMs });
      const all = await Promise.all(Array.from({ length: 5 }, () => client.fetch('/api/feed')));
      expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(bridge.attestations).toBe(1);
      skewMs = 3600_000 - 200_000; // 200 s before the 1 h token expires: inside the refresh window
      expect((await client.fetch('/api/feed')).status).toBe(200);
      expect(bridge.attestations).toBe(2);
    } finally {
      await demo.close();
    }
  });
});
