import { runAttestedApp } from './app.js';
import { simulatedBridge } from './platform.js';
import { startAttestationDemo } from './server.js';

const demo = await startAttestationDemo();
try {
  const r = await runAttestedApp({ baseUrl: demo.url, publishableKey: demo.publishableKey, bridge: simulatedBridge() });
  console.log('GET /api/feed →', r.feed);
  console.log('POST /api/pay (asserted) →', r.pay);
  console.log('POST /api/pay (asserted, next counter) →', r.payAgain);
  console.log('runtime secrets →', Object.keys(r.secrets));
} finally {
  await demo.close();
}
