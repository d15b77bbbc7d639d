/** Bench subject: the Keyward gateway with the full decision pipeline, a cached key and a rate limit. */
import type { AddressInfo } from 'node:net';
import { buildGatewayForBench } from './gateway-setup.js';
import { ready } from './child.js';

const { gateway, key } = await buildGatewayForBench(process.env.UPSTREAM!);
gateway.server.keepAliveTimeout = 60_000;
gateway.server.listen(0, '127.0.0.1', () => ready({ address: `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`, key }));
