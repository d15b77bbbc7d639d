import { describe, expect, it } from 'vitest';
import { runApp } from './app.js';
import { startDemo } from './server.js';

describe('SDK demo (Node)', () => {
  it('logs in, makes signed calls, and survives a session refresh', async () => {
    const demo = await startDemo({ sessionKeyTtlSeconds: 2 });
    try {
      const result = await runApp({ baseUrl: demo.url, publishableKey: demo.publishableKey, username: 'ada', password: 'correct horse battery staple', waitMs: 1500 });
      expect(result.profiles).toEqual([
        { subject: 'ada', signed: true, session: true },
        { subject: 'ada', signed: true, session: true },
      ]);
      expect(result.refreshed).toBe(true);
    } finally {
      await demo.close();
    }
  });

  it('a session without a device signature is refused with SIGNATURE_REQUIRED', async () => {
    const demo = await startDemo();
    try {
      const login = await fetch(`${demo.url}/v1/sessions/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': demo.publishableKey }, body: JSON.stringify({ subject: 'ada', password: 'correct horse battery staple' }) });
      const { sessionKey } = (await login.json()) as { sessionKey: string };
      const res = await fetch(`${demo.url}/api/profile`, { headers: { authorization: `Bearer ${sessionKey}` } });
      expect(res.status).toBe(401);
      expect(res.headers.get('x-keyward-code')).toBe('SIGNATURE_REQUIRED');
    } finally {
      await demo.close();
    }
  });
});
