/* eslint-disable no-restricted-imports -- the public entry point re-exports the adapters (HTTP server, gateway) by design */
/**
 * The public entry point of the `keyward` package: what an application embeds. The middlewares live
 * in their own subpaths (`keyward/fastify`, `keyward/express`, `keyward/hono`) so that importing the
 * core never loads a framework the application does not use.
 */
export { createKeyward, type Keyward, type CreateKeywardOptions } from './keyward.js';
export { buildServer, type BuildServerOptions } from './http/server.js';
export { createGateway, type GatewayOptions } from './gateway/proxy.js';
export { createGatewayPolicy, type GatewayPolicyOptions } from './gateway/policy.js';
export { loadAccessMap, parseAccessMap } from './policy/load.js';
export { compileAccessMap, type CompiledAccessMap } from './policy/evaluate.js';
export type { AccessMap } from './policy/model.js';
export type { Caller } from './credentials/caller.js';
export { CATALOGUE, ALL_CODES, RESERVED_CODES, isCode, docsUrl, type Code, type CodeSpec, type VerifyCode, type DenyCode } from './errors/catalogue.js';
