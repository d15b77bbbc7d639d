/**
 * Writes test-data/scan-corpus/: a labelled corpus for `keyward scan`'s accuracy test
 * (packages/server/test/scan/accuracy.test.ts). Deterministic (fixed seed): running it again
 * gives the same files. Every planted secret is fake (random bodies in the documented shapes of
 * fake-secrets.ts; Keyward keys from generateKey with the seeded generator).
 *
 *   npx tsx --conditions=@keyward/source scripts/gen-scan-corpus.ts
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKey, type Environment, type KeyKind } from '@keyward/protocol';
import { Fakes, prng } from '../packages/server/test/scan/fake-secrets.js';
import { decoys } from './scan-corpus/decoys.js';
import { KINDS, type FileKind } from './scan-corpus/filler.js';

export const SEED = 13_2026;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test-data/scan-corpus');

export interface Label {
  readonly path: string;
  readonly line: number;
  readonly ruleId: string;
}

/** Variable names a team would give each credential, for the assignment-style placements. */
const NAMES: Readonly<Record<string, string>> = {
  'aws-access-key-id': 'AWS_ACCESS_KEY_ID',
  'aws-secret-access-key': 'aws_secret_access_key',
  'gcp-api-key': 'GOOGLE_MAPS_KEY',
  'azure-ad-client-secret': 'AZURE_CLIENT_CREDENTIAL',
  'stripe-secret-key': 'STRIPE_KEY',
  'slack-token': 'SLACK_BOT',
  'slack-webhook': 'ALERTS_WEBHOOK',
  'discord-webhook': 'DISCORD_HOOK',
  'twilio-api-key': 'TWILIO_KEY_SID',
  'sendgrid-api-key': 'SENDGRID',
  'mailgun-api-key': 'MAILGUN',
  'telegram-bot-token': 'TELEGRAM_BOT',
  'openai-api-key': 'OPENAI',
  'anthropic-api-key': 'ANTHROPIC',
  'huggingface-token': 'HF_HUB',
  'github-token': 'GH_PAT',
  'gitlab-token': 'GITLAB_PAT',
  'npm-token': 'NPM_PUBLISH',
  'shopify-token': 'SHOPIFY_ADMIN',
  'fcm-server-key': 'FCM_SERVER',
  'jwt': 'SERVICE_JWT',
  'generic-secret': 'client_secret',
};

/** Kinds where a `NAME: value` / `NAME = value` assignment reads naturally (not prose or XML). */
const ASSIGN_KINDS = ['ts', 'js', 'py', 'go', 'kt', 'swift', 'java', 'rb', 'php', 'yaml', 'env', 'json', 'tf', 'sh', 'properties'];
const ALL_KINDS = Object.keys(KINDS);

export function generate(): { files: Map<string, string>; labels: Label[]; decoyLabels: { path: string; what: string }[] } {
  const rand = prng(SEED);
  const fakes = new Fakes(rand);
  const files = new Map<string, string>();
  const labels: Label[] = [];
  const decoyLabels: { path: string; what: string }[] = [];
  const pickOf = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

  /** A file of `kind` with `planted` lines at a random place among its filler; returns the 1-based line of planted[0]. */
  const write = (kind: FileKind, stem: string, planted: readonly string[], test = false): { file: string; line: number } => {
    const dir = test ? `${kind.dir.split('/')[0]}/test` : kind.dir;
    let file = `${dir}/${stem}.${kind.ext}`;
    for (let n = 2; files.has(file); n++) file = `${dir}/${stem}-${n}.${kind.ext}`;
    const before = kind.lines.slice(0, 1 + Math.floor(rand() * (kind.lines.length - 1)));
    const after = kind.lines.slice(before.length);
    const body = [kind.comment(`${stem} (generated)`), ...before, ...planted, ...after];
    files.set(file, `${body.join('\n')}\n`);
    return { file, line: before.length + 2 };
  };

  // Third-party secrets: three of every rule type, one in its native line and two as assignments.
  for (let round = 0; round < 3; round++) {
    const values = fakes.all();
    for (const [ruleId, { secret, line }] of Object.entries(values)) {
      const native = round === 0 || !NAMES[ruleId] || ruleId === 'private-key' || ruleId === 'database-url-password' || ruleId === 'azure-storage-key';
      const kind = KINDS[native ? pickOf(ALL_KINDS.filter((k) => k !== 'json' && k !== 'xml')) : pickOf(ASSIGN_KINDS)]!;
      let planted: string[];
      if (ruleId === 'gcp-api-key' && native) planted = [`    <string name="google_api_key">${secret}</string>`];
      else if (native) planted = line.split('\n');
      else planted = [kind.assign(NAMES[ruleId]!, secret)];
      const { file, line: at } = write(native && ruleId === 'gcp-api-key' ? KINDS.xml! : kind, `${ruleId.split('-')[0]}-${round}`, planted);
      labels.push({ path: file, line: at, ruleId });
    }
  }

  // Keyward's own keys, every kind and both environments, as apps and services hold them.
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
  const kinds: [KeyKind, Environment | null, string][] = [
    ['publishable', 'live', 'kt'], ['publishable', 'test', 'swift'], ['secret', 'live', 'env'], ['secret', 'test', 'yaml'],
    ['restricted', 'live', 'py'], ['export', 'live', 'sh'], ['bearer', 'live', 'json'], ['device', 'test', 'ts'],
    ['signing', 'live', 'go'], ['session', 'live', 'md'], ['refresh', 'test', 'js'], ['root', null, 'env'],
  ];
  for (const [k, env, kindName] of kinds) {
    const key = generateKey(k, env, bytes);
    const kind = KINDS[kindName]!;
    const { file, line } = write(kind, `keyward-${k}`, [kindName === 'md' ? `Use \`${key}\` for the staging app.` : kind.assign(`KEYWARD_${k.toUpperCase()}_KEY`, key)]);
    labels.push({ path: file, line, ruleId: 'keyward-key' });
  }

  // Decoys, including a Keyward key whose checksum is broken by one character.
  const broken = generateKey('secret', 'live', bytes);
  const all = [...decoys(fakes), { what: 'Keyward key with a broken checksum', kind: 'env', lines: [`KEYWARD_SECRET=${broken.slice(0, -1)}${broken.endsWith('A') ? 'B' : 'A'}`] }];
  all.forEach((d, i) => {
    const { file } = write(KINDS[d.kind]!, `decoy-${String(i).padStart(2, '0')}`, d.lines, d.test);
    decoyLabels.push({ path: file, what: d.what });
  });

  // Clean files: ordinary code of every kind.
  for (const k of ALL_KINDS) write(KINDS[k]!, 'clean', []);
  return { files, labels, decoyLabels };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { files, labels, decoyLabels } = generate();
  rmSync(root, { recursive: true, force: true });
  for (const [file, text] of files) {
    mkdirSync(path.dirname(path.join(root, 'files', file)), { recursive: true });
    writeFileSync(path.join(root, 'files', file), text);
  }
  writeFileSync(path.join(root, 'labels.json'), `${JSON.stringify({ seed: SEED, secrets: labels, decoys: decoyLabels }, null, 1)}\n`);
  writeFileSync(
    path.join(root, 'README.md'),
    `# scan corpus\n\nGenerated by \`scripts/gen-scan-corpus.ts\` (seed ${SEED}); do not edit by hand. ${files.size} files, ${labels.length} planted secrets (${labels.filter((l) => l.ruleId === 'keyward-key').length} Keyward keys), ${decoyLabels.length} decoy files. Every secret here is fake: random bodies in the documented shape of each format, never issued by anyone. \`labels.json\` lists each planted secret by path, line and rule; the decoys by path and what they imitate.\n`,
  );
  console.log(`wrote ${files.size} files, ${labels.length} secrets, ${decoyLabels.length} decoys to ${path.relative(process.cwd(), root)}`);
}
