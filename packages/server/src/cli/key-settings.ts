import type { Command } from 'commander';
import type { KeyCredits } from '../keys/credits.js';
import type { KeyRateLimit } from '../keys/model.js';
import { fieldFlags } from './error-output.js';
import { creditsFrom, int, isoTime, json, list, rate, rateLimitFrom, usageError } from './flags.js';

/**
 * The flags that set a key's settings, shared by `keys create` and `keys update` so the two
 * cannot drift, and the map from the API's body fields to them (for errors that name the flag).
 */
export interface KeySettingFlags {
  name?: string;
  scopes?: string[];
  subject?: string | false;
  meta?: Record<string, unknown>;
  expiresInSeconds?: number;
  expiresAt?: number | false;
  ipAllow?: string[] | false;
  clientCertSha256?: string | false;
  rateLimit?: { rate: number; windowSeconds: number } | false;
  burst?: number;
  credits?: number | false;
  refill?: string;
  identity?: string | false;
}

export interface KeySettings {
  name?: string;
  scopes?: string[];
  subject?: string | null;
  meta?: Record<string, unknown>;
  expiresAtMs?: number | null;
  ipAllowList?: string[];
  clientCertSha256?: string | null;
  ratelimit?: KeyRateLimit | null;
  credits?: KeyCredits | null;
  identityId?: string | null;
}

export function keySettingOptions(cmd: Command, mode: 'create' | 'update'): Command {
  if (mode === 'update') cmd.option('--name <name>', 'what the key is for');
  cmd
    .option('--scopes <list>', 'comma-separated scopes, e.g. users:read,tags:write', list)
    .option('--subject <id>', 'bind the key to one user or device')
    .option('--meta <json>', 'JSON object kept with the key and returned on verification', json)
    .option('--expires-in-seconds <n>', 'expire this many seconds from now', int(1))
    .option('--expires-at <time>', 'expire at this RFC 3339 time', isoTime)
    .option('--ip-allow <list>', 'comma-separated IPs/CIDRs the key may be used from', list)
    .option('--client-cert-sha256 <hex>', 'bind a secret or restricted key to this client certificate (SHA-256 of its DER)')
    .option('--rate-limit <requests/seconds>', "the key's own rate limit, e.g. 100/60", rate)
    .option('--burst <n>', 'with --rate-limit: requests allowed at once (default: the rate)', int(1))
    .option('--credits <n>', 'meter the key: each verification spends a credit; none left answers USAGE_EXCEEDED', int(1))
    .option('--refill <when>', 'with --credits: daily, monthly, or a number of seconds; omitted: a one-off allowance')
    .option('--identity <identityId>', "attach the key to an identity of its app (shared meta, limits and credits; see `keyward identities`)");
  if (mode === 'update') {
    cmd
      .option('--no-subject', 'unbind the key from its subject')
      .option('--no-expires-at', 'never expire')
      .option('--no-ip-allow', 'remove the IP allow-list')
      .option('--no-client-cert-sha256', 'unbind the client certificate')
      .option('--no-rate-limit', "remove the key's own rate limit")
      .option('--no-credits', 'stop metering the key')
      .option('--no-identity', 'detach the key from its identity');
  }
  return fieldFlags(cmd, {
    expiresAt: '--expires-at',
    ipAllowList: '--ip-allow',
    ratelimit: '--rate-limit',
    'credits/amount': '--credits',
    'credits/refill': '--refill',
    appId: '--app',
    environment: '--env',
    identityId: '--identity',
  });
}

/** Flags → the service's settings; only what was given (an update changes nothing else). */
export function keySettingsFrom(o: KeySettingFlags, nowMs: number): KeySettings {
  if (o.expiresInSeconds !== undefined && o.expiresAt !== undefined) usageError('--expires-in-seconds and --expires-at exclude each other');
  const ratelimit = rateLimitFrom(o.rateLimit, o.burst);
  const credits = creditsFrom(o.credits, o.refill);
  const expiresAtMs = o.expiresInSeconds !== undefined ? nowMs + o.expiresInSeconds * 1000 : o.expiresAt === false ? null : o.expiresAt;
  return {
    ...(o.name !== undefined ? { name: o.name } : {}),
    ...(o.scopes !== undefined ? { scopes: o.scopes } : {}),
    ...(o.subject !== undefined ? { subject: o.subject === false ? null : o.subject } : {}),
    ...(o.meta !== undefined ? { meta: o.meta } : {}),
    ...(expiresAtMs !== undefined ? { expiresAtMs } : {}),
    ...(o.ipAllow !== undefined ? { ipAllowList: o.ipAllow === false ? [] : o.ipAllow } : {}),
    ...(o.clientCertSha256 !== undefined ? { clientCertSha256: o.clientCertSha256 === false ? null : o.clientCertSha256 } : {}),
    ...(ratelimit !== undefined ? { ratelimit } : {}),
    ...(credits !== undefined ? { credits } : {}),
    ...(o.identity !== undefined ? { identityId: o.identity === false ? null : o.identity } : {}),
  };
}
