/** The app side: the SDK drives the flow through the (simulated) platform bridge. */
import { AttestationClient, type AttestationBridge } from '../../packages/client/src/index.js';

export async function runAttestedApp(options: { baseUrl: string; publishableKey: string; bridge: AttestationBridge }) {
  const client = new AttestationClient({ baseUrl: options.baseUrl, publishableKey: options.publishableKey, bridge: options.bridge });
  const feed = await (await client.fetch('/api/feed')).json();
  const pay = await client.fetch('/api/pay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount: 5 }) }, { assert: true });
  const payAgain = await client.fetch('/api/pay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount: 7 }) }, { assert: true });
  const secrets = await client.runtimeSecrets();
  return { client, feed, pay: [pay.status, await pay.json()], payAgain: [payAgain.status, await payAgain.json()], secrets };
}
