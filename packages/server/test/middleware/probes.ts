import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { request } from 'undici';
import type { Caller } from '../../src/credentials/caller.js';
import type { GuardOptions } from '../../src/middleware/core.js';
import { keywardExpress } from '../../src/middleware/express.js';
import { keywardFastify } from '../../src/middleware/fastify.js';
import { keywardHono } from '../../src/middleware/hono.js';

/** What a test sees of one request: status, catalogue code, headers, and whether the route ran. */
export interface ProbeResult {
  readonly status: number;
  readonly code: string | undefined;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
  /** The app's own handler ran (the middleware let the request through). */
  readonly reached: boolean;
}

export type Probe = (headers: Record<string, string>, path?: string) => Promise<ProbeResult>;

/** Builds an app on one framework, guarded by `options`, whose every route echoes the caller. */
export type ProbeFactory = (options: GuardOptions, cleanups: (() => Promise<void>)[]) => Promise<Probe>;

const flat = (h: Record<string, string | string[] | undefined>): Record<string, string> => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));

async function overHttp(base: string, headers: Record<string, string>, path: string): Promise<ProbeResult> {
  const res = await request(base + path, { headers });
  const body = (await res.body.json()) as Record<string, unknown>;
  const h = flat(res.headers);
  return { status: res.statusCode, code: h['x-keyward-code'], headers: h, body, reached: body.reached === true };
}

export const expressProbe: ProbeFactory = async (options, cleanups) => {
  const app = express();
  app.use(keywardExpress(options));
  app.use((_req, res) => {
    res.json({ reached: true, caller: (res.locals as { keyward: Caller }).keyward });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  cleanups.push(() => new Promise((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return (headers, path = '/me') => overHttp(base, headers, path);
};

export const fastifyProbe: ProbeFactory = async (options, cleanups) => {
  const app = Fastify();
  await app.register(keywardFastify(options));
  app.get('/*', async (req) => ({ reached: true, caller: req.keyward }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(() => app.close());
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return (headers, path = '/me') => overHttp(base, headers, path);
};

export const honoProbe: ProbeFactory = async (options) => {
  const app = new Hono<{ Variables: { keyward: Caller } }>();
  app.use('*', keywardHono(options));
  app.get('*', (c) => c.json({ reached: true, caller: c.get('keyward') }));
  return async (headers, path = '/me') => {
    const res = await app.request(`http://localhost${path}`, { headers });
    const body = (await res.json()) as Record<string, unknown>;
    const h: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      h[k] = v;
    });
    return { status: res.status, code: h['x-keyward-code'], headers: h, body, reached: body.reached === true };
  };
};

export const FRAMEWORKS: ReadonlyArray<readonly [string, ProbeFactory]> = [
  ['Express', expressProbe],
  ['Fastify', fastifyProbe],
  ['Hono', honoProbe],
];
