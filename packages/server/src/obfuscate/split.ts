import { randomBytes as nodeRandomBytes, randomInt } from 'node:crypto';
import { parseKey } from '@keyward/protocol';
import { KeywardError } from '../errors/keyward-error.js';

/**
 * The data plan of an obfuscated key: `shares` byte arrays whose XOR is the key with its
 * characters permuted, each cut in two at a random point so no array holds a whole share, and
 * the permutation. Every mask is fresh per call (per build), so two builds share nothing an
 * attacker could diff or grep for; a single share is uniformly random and says nothing about
 * the key, and neither do the arrays' names.
 *
 * What this is not: encryption. The app reassembles the key, so anyone who runs it can too
 * (a debugger, a hooked String constructor, a proxy on the wire). It defeats `strings`,
 * secret scanners and casual unzipping; see docs/obfuscation.md.
 */
export interface SharePlan {
  readonly length: number;
  /** `perm[i]` is the key position that stored index `i` holds. */
  readonly perm: readonly number[];
  /** Each share as two pieces: share[i] is `pieces[0][i]` below `pieces[0].length`, else `pieces[1][i - pieces[0].length]`. */
  readonly shares: readonly (readonly [readonly number[], readonly number[]])[];
}

export const MIN_SHARES = 2;
export const MAX_SHARES = 8;
export const DEFAULT_SHARES = 3;

export interface Random {
  bytes(n: number): Uint8Array;
  /** Uniform in [0, max). */
  int(max: number): number;
}

export const cryptoRandom: Random = { bytes: (n) => new Uint8Array(nodeRandomBytes(n)), int: (max) => randomInt(max) };

/**
 * Refuses anything but a well-formed publishable Keyward key, before any work. Secret, restricted,
 * root and every other kind act with server-side power, and a key in an app is a public key: an
 * obfuscator must never make shipping one feel safe. The key itself never appears in the error.
 */
export function assertPublishable(key: string): void {
  const parsed = parseKey(key);
  if (typeof parsed === 'string') throw new KeywardError('KEY_MALFORMED', 'the input is not a Keyward key, or its checksum fails (only publishable kw_pk_… keys can be obfuscated)');
  if (parsed.kind !== 'publishable') {
    throw new KeywardError('KEY_NOT_PUBLISHABLE', `a ${parsed.kind} key (${parsed.prefix}…) must never ship in an app; only publishable kw_pk_… keys can be obfuscated. If it was ever in an app or a repository, revoke it.`);
  }
}

export function planShares(key: string, shares: number, random: Random = cryptoRandom): SharePlan {
  if (!Number.isInteger(shares) || shares < MIN_SHARES || shares > MAX_SHARES) throw new TypeError(`shares must be an integer from ${MIN_SHARES} to ${MAX_SHARES}`);
  const bytes = Buffer.from(key, 'latin1');
  const n = bytes.length;
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  const permuted = perm.map((p) => bytes[p]!);
  const masks = Array.from({ length: shares - 1 }, () => Array.from(random.bytes(n)));
  const last = permuted.map((b, i) => masks.reduce((acc, m) => acc ^ m[i]!, b));
  const all = [...masks, last];
  return {
    length: n,
    perm,
    shares: all.map((s) => {
      const cut = 1 + random.int(n - 1);
      return [s.slice(0, cut), s.slice(cut)] as const;
    }),
  };
}

/** Distinct random identifiers (`_k` + 8 hex digits), so no name marks the arrays across builds. */
export function randomNames(count: number, random: Random = cryptoRandom): string[] {
  const names = new Set<string>();
  while (names.size < count) names.add(`_k${Buffer.from(random.bytes(4)).toString('hex')}`);
  return [...names];
}
