/** Bench baseline: @fastify/http-proxy (undici underneath) in front of the same upstream, no auth. */
import proxy from '@fastify/http-proxy';
import Fastify from 'fastify';
import { ready } from './child.js';

const server = Fastify({ logger: false });
await server.register(proxy, { upstream: process.env.UPSTREAM!, http: undefined, undici: { connections: 128, pipelining: 1 } });
const address = await server.listen({ port: 0, host: '127.0.0.1' });
server.server.keepAliveTimeout = 60_000;
ready({ address });
