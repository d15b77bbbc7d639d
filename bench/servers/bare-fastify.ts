/** Child process for the HTTP benchmark baseline: a bare Fastify route returning a constant JSON body. */
import Fastify from 'fastify';
import { ready } from './child.js';

const server = Fastify({ logger: false });
const body = { valid: true, code: 'VALID', keyId: 'key_0000000000000000000000', kind: 'publishable', environment: 'live' };
server.post('/v1/keys/verify', async () => body);
const address = await server.listen({ port: 0, host: '127.0.0.1' });
ready({ address });
