import { pino, type Logger } from 'pino';
import { findKeysInText } from '@keyward/protocol';
import { prettyStream } from './pretty.js';

/**
 * Structured logs with secrets removed at two levels: known secret-bearing fields are censored by
 * path, and any string that is a checksummed Keyward key is masked wherever it appears (a key in
 * a URL, an error message, a header we did not anticipate).
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers.signature',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  '*.secret',
  '*.password',
  '*.key',
  '*.token',
  '*.refreshToken',
  '*.sessionKey',
];

export function maskKeys(text: string): string {
  let out = text;
  for (const key of findKeysInText(text)) out = out.replaceAll(key, `${key.slice(0, key.lastIndexOf('_') + 5)}…[redacted]`);
  return out;
}

/**
 * `format` `auto` writes readable lines when stdout is a terminal and JSON lines otherwise (a
 * collector or a pipe); `json` and `pretty` force one. An explicit `destination` gets JSON unless
 * `pretty` is asked for.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream, format: 'auto' | 'json' | 'pretty' = 'json'): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && !destination && Boolean(process.stdout.isTTY));
  const target = pretty ? prettyStream(destination ?? process.stdout) : destination;
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        req: (req: { method?: string; url?: string; id?: string }) => ({ method: req.method, url: req.url ? maskKeys(req.url) : req.url, id: req.id }),
        err: (err: Error & { code?: string }) => ({ type: err.name, code: err.code, message: maskKeys(err.message ?? '') }),
      },
    },
    target as never,
  );
}
