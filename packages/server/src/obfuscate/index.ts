/**
 * `keyward obfuscate`: code that keeps a publishable key split, masked and permuted across an
 * app binary and reassembles it only in memory. Pure apart from the random source.
 */
import { KeywardError } from '../errors/keyward-error.js';
import { render, type ObfuscateLang } from './render.js';
import { assertPublishable, cryptoRandom, DEFAULT_SHARES, MAX_SHARES, MIN_SHARES, planShares, type Random } from './split.js';

export { HONESTY_NOTE, OBFUSCATE_LANGS, type ObfuscateLang } from './render.js';
export { DEFAULT_SHARES, MAX_SHARES, MIN_SHARES } from './split.js';

export interface ObfuscateOptions {
  readonly lang: ObfuscateLang;
  /** Number of XOR shares, 2–8. Default 3. */
  readonly shares?: number;
  /** The generated function (ts) or type (swift, kotlin) name. Default `keywardKey` / `KeywardKey`. */
  readonly name?: string;
  readonly random?: Random;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function obfuscateKey(key: string, options: ObfuscateOptions): string {
  assertPublishable(key);
  const shares = options.shares ?? DEFAULT_SHARES;
  if (!Number.isInteger(shares) || shares < MIN_SHARES || shares > MAX_SHARES) {
    throw new KeywardError('VALIDATION_FAILED', undefined, { errors: [{ pointer: '--shares', message: `must be an integer from ${MIN_SHARES} to ${MAX_SHARES}` }] });
  }
  const name = options.name ?? (options.lang === 'ts' ? 'keywardKey' : 'KeywardKey');
  if (!IDENTIFIER.test(name)) throw new KeywardError('VALIDATION_FAILED', undefined, { errors: [{ pointer: '--name', message: 'must be an identifier: a letter or _, then letters, digits or _ (at most 64)' }] });
  const random = options.random ?? cryptoRandom;
  return render(options.lang, planShares(key, shares, random), name, random);
}
