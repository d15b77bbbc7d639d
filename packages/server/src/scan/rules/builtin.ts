import type { Rule } from '../types.js';
import { isTestPath, lineSaysExample, looksLikeIdentifier, looksLikePlaceholder, looksLikeReference, shannonEntropy } from './context.js';

/**
 * Keyward's built-in third-party rule set. Two families:
 *  - prefixed formats (a provider's documented token shape: `AKIA…`, `sk_live_…`, `ghp_…`): the
 *    shape is the evidence, so only placeholders and documentation examples are dropped;
 *  - context rules (a name like `api_key` next to a value, a password inside a database URL):
 *    the value must also be random enough and not a hash, UUID, reference or test fixture.
 * Regexes are linear (no nested quantifiers), so a hostile file costs time proportional to its size.
 */

/** Drop placeholders and values on a line that says it is an example. */
function prefixed(secret: string, line: string, path: string): boolean {
  if (looksLikePlaceholder(secret)) return false;
  return !(lineSaysExample(line) && isTestPath(path)) && !/\bexample\b|\be\.g\.|placeholder/i.test(line);
}

interface Spec {
  readonly id: string;
  readonly description: string;
  readonly regex: RegExp;
  /** Case-sensitive literals, one of which the text must hold. */
  readonly keywords: readonly string[];
  readonly group?: number;
  readonly entropy?: number;
  readonly accept?: Rule['accept'];
}

const P = (id: string, description: string, regex: RegExp, keywords: readonly string[], entropy = 3): Spec => ({ id, description, regex, keywords, entropy, accept: prefixed });

const JWT_EXAMPLE = /"sub":\s*"1234567890"|John Doe/;
function acceptJwt(secret: string, line: string, path: string): boolean {
  if (isTestPath(path) || !prefixed(secret, line, path)) return false;
  const [head, body] = secret.split('.');
  try {
    const header = JSON.parse(Buffer.from(head!, 'base64url').toString('utf8')) as { alg?: unknown };
    const payload = Buffer.from(body!, 'base64url').toString('utf8');
    // An unsigned token grants nothing; jwt.io's sample token is in half the docs on the web.
    return typeof header.alg === 'string' && header.alg !== 'none' && !JWT_EXAMPLE.test(payload);
  } catch {
    return false;
  }
}

/** Passwords that say "no password was chosen" (docker-compose defaults, tutorials). */
const DUMMY_PASSWORDS = new Set(['password', 'passwd', 'pass', 'secret', 'postgres', 'root', 'admin', 'test', 'user', 'mysql', 'guest', 'changeme', 'example', 'pwd', 'redis', 'mongo']);
function acceptDbPassword(secret: string, line: string, path: string): boolean {
  if (DUMMY_PASSWORDS.has(secret.toLowerCase()) || looksLikePlaceholder(secret) || looksLikeReference(secret)) return false;
  if (/^[$%{<[]|^\*+$/.test(secret) || isTestPath(path)) return false;
  return !lineSaysExample(line);
}

/** Names after which a value is configuration about a secret, not the secret (`token_url`). */
const NOT_A_SECRET_NAME = /(?:url|uri|name|field|path|file|type|id|len|length|prefix|header|endpoint|env|label|key_id|format|mode|policy|count|ttl|expiry|expires|version|hash)["']?$/i;
function acceptGeneric(name: string) {
  return (secret: string, line: string, path: string): boolean => {
    if (isTestPath(path) || lineSaysExample(line)) return false;
    if (NOT_A_SECRET_NAME.test(name)) return false;
    // Keyward keys belong to the checksummed rule: one that fails its checksum is no finding here either.
    if (secret.startsWith('kw_')) return false;
    if (looksLikePlaceholder(secret) || looksLikeIdentifier(secret, line) || looksLikeReference(secret)) return false;
    if (!/[0-9]/.test(secret) || !/[A-Za-z]/.test(secret)) return false;
    // Hex has at most 4 bits per character; other alphabets are held to a higher bar.
    const floor = /^[0-9a-f]+$/i.test(secret) ? 3.2 : 3.7;
    return shannonEntropy(secret) >= floor;
  };
}

const SPECS: readonly Spec[] = [
  P('aws-access-key-id', 'AWS access key id', /(?<![A-Z0-9])((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Z0-9])/g, ['AKIA', 'ASIA', 'ABIA', 'ACCA']),
  {
    id: 'aws-secret-access-key',
    description: 'AWS secret access key',
    regex: /aws[\w.-]{0,20}?secret[\w.-]{0,20}["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
    keywords: [],
    entropy: 4,
    accept: prefixed,
  },
  P('gcp-api-key', 'Google API key', /(?<![0-9A-Za-z_-])(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])/g, ['AIza']),
  P('azure-storage-key', 'Azure storage account key', /AccountKey=([A-Za-z0-9+/]{86}==)/g, ['AccountKey='], 4),
  P('azure-ad-client-secret', 'Azure AD client secret', /(?<![A-Za-z0-9_~.-])([A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?![A-Za-z0-9_~.-])/g, ['Q~']),
  P('stripe-secret-key', 'Stripe live secret or restricted key', /(?<![0-9A-Za-z_])((?:sk|rk)_live_[0-9A-Za-z]{24,99})(?![0-9A-Za-z])/g, ['sk_live_', 'rk_live_']),
  P('slack-token', 'Slack token', /(?<![0-9A-Za-z])(xox[abposr]-[0-9]{8,13}-[0-9A-Za-z-]{20,80})(?![0-9A-Za-z-])/g, ['xox']),
  P('slack-webhook', 'Slack incoming webhook', /(https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{8,12}\/B[A-Z0-9]{8,12}\/[A-Za-z0-9]{24})(?![A-Za-z0-9])/g, ['hooks.slack.com']),
  P('discord-webhook', 'Discord webhook', /(https:\/\/discord(?:app)?\.com\/api\/webhooks\/[0-9]{17,20}\/[A-Za-z0-9_-]{60,70})(?![A-Za-z0-9_-])/g, ['discord']),
  P('twilio-api-key', 'Twilio API key', /(?<![0-9A-Za-z])(SK[0-9a-f]{32})(?![0-9A-Za-z])/g, ['SK']),
  P('sendgrid-api-key', 'SendGrid API key', /(?<![0-9A-Za-z])(SG\.[0-9A-Za-z_-]{22}\.[0-9A-Za-z_-]{43})(?![0-9A-Za-z_-])/g, ['SG.']),
  P('mailgun-api-key', 'Mailgun API key', /(?<![0-9A-Za-z-])(key-[0-9a-f]{32})(?![0-9A-Za-z])/g, ['key-']),
  P('telegram-bot-token', 'Telegram bot token', /(?<![0-9A-Za-z])([0-9]{8,10}:AA[0-9A-Za-z_-]{33})(?![0-9A-Za-z_-])/g, [':AA']),
  P('openai-api-key', 'OpenAI API key', /(?<![0-9A-Za-z_-])(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,160}T3BlbkFJ[A-Za-z0-9_-]{20,160})(?![A-Za-z0-9_-])/g, ['T3BlbkFJ']),
  P('anthropic-api-key', 'Anthropic API key', /(?<![0-9A-Za-z_-])(sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,100}AA)(?![A-Za-z0-9_-])/g, ['sk-ant-']),
  P('huggingface-token', 'Hugging Face access token', /(?<![0-9A-Za-z_])(hf_[A-Za-z]{34})(?![0-9A-Za-z])/g, ['hf_']),
  P('github-token', 'GitHub token', /(?<![0-9A-Za-z_])((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})(?![0-9A-Za-z_])/g, ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_']),
  P('gitlab-token', 'GitLab personal access token', /(?<![0-9A-Za-z_-])(glpat-[A-Za-z0-9_-]{20})(?![A-Za-z0-9_-])/g, ['glpat-']),
  P('npm-token', 'npm access token', /(?<![0-9A-Za-z_])(npm_[A-Za-z0-9]{36})(?![0-9A-Za-z])/g, ['npm_']),
  P('shopify-token', 'Shopify access token', /(?<![0-9A-Za-z_])(shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})(?![0-9A-Za-z])/g, ['shpat_', 'shpca_', 'shppa_', 'shpss_']),
  P('fcm-server-key', 'Firebase Cloud Messaging server key', /(?<![0-9A-Za-z_-])(AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{134})(?![A-Za-z0-9_-])/g, ['APA91b']),
  {
    id: 'private-key',
    description: 'Private key (PEM, OpenSSH, PGP; APNs .p8 keys included)',
    regex: /-----BEGIN[ A-Z]{0,20}PRIVATE KEY(?: BLOCK)?-----[\r\n]+(?:[A-Za-z-]+: [^\r\n]*[\r\n]+)*[\r\n]*([A-Za-z0-9+/=\r\n]{64,20000}?)[\r\n]*-----END[ A-Z]{0,20}PRIVATE KEY(?: BLOCK)?-----/g,
    keywords: ['PRIVATE KEY'],
    group: 0,
    accept: (secret, line, path) => !/\.{3}|…|x{8,}/i.test(secret) && prefixed(secret.replace(/-----[A-Z ]+-----/g, ''), line, path),
  },
  {
    id: 'jwt',
    description: 'JSON Web Token',
    regex: /(?<![0-9A-Za-z_-])(eyJ[A-Za-z0-9_-]{10,2000}\.eyJ[A-Za-z0-9_-]{10,8000}\.[A-Za-z0-9_-]{16,1000})(?![A-Za-z0-9_-])/g,
    keywords: ['eyJ'],
    accept: acceptJwt,
  },
  {
    id: 'database-url-password',
    description: 'Database URL with a password',
    regex: /(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver):\/\/[^\s:/@'"`]{1,64}:([^\s@'"`/]{3,128})@[^\s'"`]{1,200}/g,
    keywords: ['://'],
    accept: acceptDbPassword,
  },
];

/**
 * `name = "value"`, `name: value`, `"name": "value"`, `NAME=value` where the name says key, secret,
 * token or password. The regex starts at the telling word (an anchored alternation is fast), and
 * the rest of the name before it is read back from the text by `nameOf` (at most 40 characters).
 */
const GENERIC = /(?:api[_-]?key|apikey|secret|token|passw(?:or)?d|pwd|credential|auth[_-]?key)[\w.-]{0,20}["']?\s*(?::=|=>|=|:)\s*["'`]?([A-Za-z0-9_\-+/=.~!@#$%^&*]{12,200})["'`]?(?![A-Za-z0-9_\-+/=.~!@#$%^&*])/gi;

const NAME_CHAR = /[\w.-]/;
function nameOf(m: RegExpExecArray): string {
  let start = m.index;
  while (start > 0 && m.index - start < 40 && NAME_CHAR.test(m.input[start - 1]!)) start--;
  const end = m.index + m[0].search(/["'\s:=]/);
  return m.input.slice(start, end);
}

export const GENERIC_RULE_ID = 'generic-secret';

/**
 * A leading `(?<![class])` is moved out of the regex into `notAfter`: a regex that starts with its
 * literal prefix lets V8 skip ahead to it, one that starts with a lookbehind tries every position
 * (measured: 2-5x slower per rule on source code).
 */
function toRule(s: Spec): Rule {
  const m = /^\(\?<!(\[[^\]]+\])\)/.exec(s.regex.source);
  const regex = m ? new RegExp(s.regex.source.slice(m[0].length), s.regex.flags) : s.regex;
  const notAfter = m ? new RegExp(m[1]!) : undefined;
  return {
    id: s.id,
    description: s.description,
    regex,
    secretGroup: s.group ?? 1,
    keywords: [],
    ...(s.keywords.length ? { literals: s.keywords } : {}),
    entropy: s.entropy ?? 0,
    source: 'builtin',
    ...(notAfter ? { notAfter } : {}),
    ...(s.accept ? { accept: s.accept } : {}),
  };
}

/** The built-in rules, most specific first: an overlapping generic match is dropped for them. */
export const BUILTIN_RULES: readonly Rule[] = [
  ...SPECS.map(toRule),
  {
    id: GENERIC_RULE_ID,
    description: 'Generic secret assignment (api_key, token, password, …)',
    regex: GENERIC,
    secretGroup: 1,
    keywords: [], // the regex starts at the telling word: it is its own prefilter
    entropy: 0,
    source: 'builtin',
    // The check needs the assignment's name, which only the match has.
    accept: (secret, line, path, match) => acceptGeneric(nameOf(match))(secret, line, path),
  },
];
