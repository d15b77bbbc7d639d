import { keyStatus } from '@keyward/protocol';
import type { Rule } from '../types.js';

/**
 * Keyward's own credentials, found by their `kw_` prefix and confirmed by the CRC-32 checksum of
 * key-format.ts. A look-alike with a broken checksum is a typo or made up, never a finding, so this
 * rule has no false positives (and no context rules: a checksummed key is a key wherever it is).
 */
export const KEYWARD_RULE: Rule = {
  id: 'keyward-key',
  description: 'Keyward credential (checksum verified)',
  regex: /(kw_(?:pk|sk|rk|ek|bt|dk|hk|ss|rf)_(?:live|test)_[0-9A-Za-z]{38}|kw_root_[0-9A-Za-z]{38})(?![0-9A-Za-z])/g,
  secretGroup: 1,
  keywords: [],
  literals: ['kw_'],
  notAfter: /[0-9A-Za-z_]/,
  entropy: 0,
  source: 'keyward',
  accept: (secret) => keyStatus(secret) === 'OK',
};
