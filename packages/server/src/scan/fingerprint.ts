import { createHash } from 'node:crypto';
import { parseKey } from '@keyward/protocol';

/**
 * A finding's identity: sha256 over a domain tag, the rule id and the secret. The same secret under
 * the same rule has the same fingerprint wherever it appears (so a baseline entry survives a file
 * move, and `--git` reports each secret once). Only this hash is ever written to a baseline or a
 * SARIF file; the secret cannot be read back from it (Keyward keys carry 190 bits of randomness).
 */
export function fingerprint(ruleId: string, secret: string): string {
  return createHash('sha256').update(`keyward-scan-v1\0${ruleId}\0${secret}`).digest('hex');
}

/** Safe to print: a Keyward key's display start (`kw_pk_live_Ab3x…`), otherwise a short head. */
export function redact(secret: string): string {
  const parsed = parseKey(secret);
  if (typeof parsed !== 'string') return parsed.start;
  const oneLine = secret.split(/\r?\n/)[0]!;
  const head = Math.min(6, Math.floor(oneLine.length / 5));
  return `${oneLine.slice(0, head)}…(${secret.length} chars)`;
}
