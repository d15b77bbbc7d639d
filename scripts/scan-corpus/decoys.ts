import type { Fakes } from '../../packages/server/test/scan/fake-secrets.js';

/**
 * Look-alikes a scanner must not report, each in the place it is found in real repositories.
 * `lines` is the text planted; `kind` picks the file type and `test` puts it under a test folder.
 */
export interface Decoy {
  readonly what: string;
  readonly kind: string;
  readonly lines: readonly string[];
  readonly test?: boolean;
}

export function decoys(f: Fakes): Decoy[] {
  const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const hex = '0123456789abcdef';
  const sha1 = f.pick(hex, 40);
  const sha256 = f.pick(hex, 64);
  const uuid = `${f.pick(hex, 8)}-${f.pick(hex, 4)}-4${f.pick(hex, 3)}-a${f.pick(hex, 3)}-${f.pick(hex, 12)}`;
  const pngB64 = `iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9h${f.pick(b64, 400)}`;
  return [
    { what: 'AWS documentation example keys', kind: 'md', lines: ['```ini', '[default]', 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '```'] },
    { what: 'Stripe placeholder', kind: 'env', lines: ['STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx'] },
    { what: 'angle-bracket placeholder', kind: 'py', lines: ['API_KEY = "<YOUR_API_KEY>"'] },
    { what: 'your-…-here placeholder', kind: 'ts', lines: ['const apiKey = "your-api-key-here-1234";'] },
    { what: 'environment reference', kind: 'yaml', lines: ['      DB_PASSWORD: ${DB_PASSWORD}', '      API_TOKEN: ${{ secrets.API_TOKEN }}'] },
    { what: 'process.env lookup', kind: 'js', lines: ['const githubToken = process.env.GITHUB_TOKEN;'] },
    { what: 'Helm template value', kind: 'yaml', lines: ['      password: {{ .Values.postgresql.auth.password }}'] },
    { what: 'package-lock integrity hash', kind: 'json', lines: [`  "integrity": "sha512-${f.pick(b64, 86)}==",`] },
    { what: 'git commit hash', kind: 'md', lines: [`Fixed in commit ${sha1} (token refresh).`] },
    { what: 'release revision', kind: 'yaml', lines: [`      revision: ${sha1}`, `      checksum_sha256: ${sha256}`] },
    { what: 'docker image digest', kind: 'yaml', lines: [`    image: acme/api@sha256:${sha256}`] },
    { what: 'md5 checksum of a download', kind: 'sh', lines: [`EXPECTED_MD5="${f.pick(hex, 32)}"  # md5 checksum of the tarball`] },
    { what: 'UUID request id', kind: 'json', lines: [`  "request_id": "${uuid}",`] },
    { what: 'UUID as api key id', kind: 'py', lines: [`api_key_id = "${uuid}"`] },
    { what: 'inline PNG', kind: 'ts', lines: [`const logo = "data:image/png;base64,${pngB64}";`] },
    { what: 'jwt.io sample token in docs', kind: 'md', lines: ['Example: `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c`'] },
    { what: 'local database URL with default password', kind: 'env', lines: ['DATABASE_URL=postgres://postgres:postgres@localhost:5432/shop_dev'] },
    { what: 'database URL from variables', kind: 'yaml', lines: ['      MONGO_URL: mongodb://${MONGO_USER}:${MONGO_PASSWORD}@mongo:27017/app'] },
    { what: 'public key', kind: 'md', lines: ['-----BEGIN PUBLIC KEY-----', f.pick(b64, 64), f.pick(b64, 64), 'IDAQAB', '-----END PUBLIC KEY-----'] },
    { what: 'certificate', kind: 'yaml', lines: ['      ca.crt: |', '        -----BEGIN CERTIFICATE-----', `        ${f.pick(b64, 64)}`, '        -----END CERTIFICATE-----'] },
    { what: 'elided private key in docs', kind: 'md', lines: ['-----BEGIN PRIVATE KEY-----', '...', '-----END PRIVATE KEY-----'] },
    { what: 'low-entropy password', kind: 'properties', lines: ['spring.datasource.password=password123'] },
    { what: 'changeme secret', kind: 'yaml', lines: ['      SECRET_KEY: changeme'] },
    { what: 'token endpoint URL', kind: 'py', lines: ['token_url = "https://auth.acme.io/oauth2/v1/token"'] },
    { what: 'secret manager path', kind: 'tf', lines: ['  secret_name = "prod/billing/db-password"'] },
    { what: 'header name', kind: 'kt', lines: ['const val API_KEY_HEADER_NAME = "X-Acme-Api-Key"'] },
    { what: 'GitHub token placeholder', kind: 'sh', lines: ['export GH_TOKEN="ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"'] },
    { what: 'Slack webhook placeholder', kind: 'md', lines: ['Webhook: `https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX`'] },
    { what: 'Google API key placeholder', kind: 'xml', lines: ['    <string name="google_maps_key">AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX</string>'] },
    { what: 'masked key in a log line', kind: 'md', lines: ['The log shows `api_key=sk_live_****************` when the key is masked.'] },
    { what: 'test fixture password', kind: 'ts', test: true, lines: [`const password = "Fixture${f.token(16)}";`] },
    { what: 'test fixture api key', kind: 'py', test: true, lines: [`API_KEY = "${f.token(32)}"`] },
    { what: 'test fixture JWT', kind: 'ts', test: true, lines: [`const token = "${f.jwt()}";`] },
    { what: 'Stripe test-mode key in a test', kind: 'js', test: true, lines: [`const stripe = require('stripe')('sk_test_${f.token(24)}');`] },
    { what: 'Keyward key with a broken checksum', kind: 'env', lines: ['KEYWARD_KEY=kw_pk_live_7Hq2LmZx9PwR4tYb1NcV8KdE3sJf6GaU0oQiW5'] },
    { what: 'Keyward placeholder', kind: 'md', lines: ['Pass your key as `kw_sk_live_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`.'] },
    { what: 'Keyward key truncated in a log', kind: 'md', lines: ['Seen: `kw_pk_live_Ab3x…` (the display start of a key).'] },
    { what: 'CSS module class hashes', kind: 'js', lines: ['const styles = { button: "Button_button__3xKd9", token: "Token_chip__9fLq2" };'] },
    { what: 'nonce length constant', kind: 'go', lines: ['const tokenBytes = 32'] },
    { what: 'i18n key names', kind: 'json', lines: ['  "password_reset_title": "Reset your password",', '  "token_expired_message": "Your session has expired",'] },
    { what: 'SRI hash on a script tag', kind: 'md', lines: [`<script src="https://cdn.acme.io/app.js" integrity="sha384-${f.pick(b64, 64)}" crossorigin="anonymous"></script>`] },
    { what: 'random build id', kind: 'json', lines: [`  "buildId": "${f.token(21)}",`] },
    { what: 'npm token placeholder', kind: 'env', lines: ['NPM_TOKEN=npm_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX'] },
    { what: 'password field selector', kind: 'ts', lines: ["const passwordInput = page.locator('#password-field-input');"] },
    { what: 'hex colour list', kind: 'json', lines: ['  "palette": ["#FF5722", "#03A9F4", "#8BC34A"],'] },
  ];
}
