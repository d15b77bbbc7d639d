/**
 * Fake credentials in the documented shape of each built-in rule, from a seeded PRNG: the same
 * seed gives the same values (the corpus is reproducible), and none of them is or was ever a real
 * credential (random bodies; GitHub-style checksummed formats get no valid checksum).
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const HEX = '0123456789abcdef';
const B64 = `${ALNUM}+/`;
const URLSAFE = `${ALNUM}-_`;
const DIGITS = '0123456789';

export class Fakes {
  constructor(private readonly rand: () => number) {}

  pick(alphabet: string, n: number): string {
    for (;;) {
      let s = '';
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.rand() * alphabet.length)];
      // Re-draw the rare value that reads like a placeholder ("xxxx", "Example", "0123456789").
      if (!/x{4}|example|sample|dummy|fake|your|test|0123|1234|abcd|redact|insert|replace|change/i.test(s)) return s;
    }
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }

  /** Mixed letters and digits, at least one of each. */
  token(n: number): string {
    for (;;) {
      const s = this.pick(ALNUM, n);
      if (/[0-9]/.test(s) && /[A-Za-z]/.test(s)) return s;
    }
  }

  pem(kind: 'RSA ' | 'EC ' | 'OPENSSH ' | ''): string {
    const lines = Array.from({ length: this.int(6, 12) }, () => this.pick(B64, 64));
    return `-----BEGIN ${kind}PRIVATE KEY-----\n${lines.join('\n')}\n${this.pick(B64, 20)}==\n-----END ${kind}PRIVATE KEY-----`;
  }

  jwt(): string {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    return `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub: `user_${this.token(10)}`, iat: 1_760_000_000 + this.int(0, 9_999_999), scope: 'orders:read' })}.${this.pick(URLSAFE, 43)}`;
  }

  /** One value per built-in rule: the secret as the rule reports it, and a realistic line holding it. */
  all(): Record<string, { secret: string; line: string }> {
    const aws = `AKIA${this.pick(UPPER32, 16)}`;
    const awsSecret = this.pick(B64, 40);
    const azure = `${this.pick(B64, 86)}==`;
    const azureAd = `${this.pick(ALNUM, 3)}${this.int(0, 9)}Q~${this.pick(`${ALNUM}_~.-`, 34)}`;
    const stripe = `sk_live_${this.token(this.int(24, 99))}`;
    const slack = `xoxb-${this.pick(DIGITS, 12)}-${this.pick(DIGITS, 13)}-${this.token(24)}`;
    const slackHook = `https://hooks.slack.com/services/T${this.pick(UPPER32, 10)}/B${this.pick(UPPER32, 10)}/${this.token(24)}`;
    const discord = `https://discord.com/api/webhooks/${this.int(1, 9)}${this.pick(DIGITS, 17)}/${this.pick(URLSAFE, 68)}`;
    const twilio = `SK${this.pick(HEX, 32)}`;
    const sendgrid = `SG.${this.pick(URLSAFE, 22)}.${this.pick(URLSAFE, 43)}`;
    const mailgun = `key-${this.pick(HEX, 32)}`;
    const telegram = `${this.int(1, 9)}${this.pick(DIGITS, 9)}:AA${this.pick(URLSAFE, 33)}`;
    const openai = `sk-proj-${this.pick(URLSAFE, 74)}T3BlbkFJ${this.pick(URLSAFE, 74)}`;
    const anthropic = `sk-ant-api03-${this.pick(URLSAFE, 93)}AA`;
    const hf = `hf_${this.pick('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 34)}`;
    const gh = `ghp_${this.token(36)}`;
    const gitlab = `glpat-${this.pick(URLSAFE, 20)}`;
    const npm = `npm_${this.token(36)}`;
    const shopify = `shpat_${this.pick(HEX, 32)}`;
    const fcm = `AAAA${this.pick(URLSAFE, 7)}:APA91b${this.pick(URLSAFE, 134)}`;
    const pem = this.pem('RSA ');
    const jwt = this.jwt();
    const dbPass = this.token(18);
    const generic = this.token(28);
    return {
      'aws-access-key-id': { secret: aws, line: `aws_access_key_id = ${aws}` },
      'aws-secret-access-key': { secret: awsSecret, line: `aws_secret_access_key = ${awsSecret}` },
      'gcp-api-key': { secret: `AIza${this.pick(URLSAFE, 35)}`, line: '' },
      'azure-storage-key': { secret: azure, line: `AZURE_STORAGE=DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey=${azure};EndpointSuffix=core.windows.net` },
      'azure-ad-client-secret': { secret: azureAd, line: `  "ClientCredential": "${azureAd}",` },
      'stripe-secret-key': { secret: stripe, line: `Stripe.apiKey = "${stripe}";` },
      'slack-token': { secret: slack, line: `SLACK_BOT=${slack}` },
      'slack-webhook': { secret: slackHook, line: `  webhook: ${slackHook}` },
      'discord-webhook': { secret: discord, line: `DISCORD_HOOK = "${discord}"` },
      'twilio-api-key': { secret: twilio, line: `twilio.api_key_sid = '${twilio}'` },
      'sendgrid-api-key': { secret: sendgrid, line: `sg = SendGridAPIClient("${sendgrid}")` },
      'mailgun-api-key': { secret: mailgun, line: `auth=("api", "${mailgun}")` },
      'telegram-bot-token': { secret: telegram, line: `bot = Bot(token="${telegram}")` },
      'openai-api-key': { secret: openai, line: `client = OpenAI(api_key="${openai}")` },
      'anthropic-api-key': { secret: anthropic, line: `ANTHROPIC_API_KEY=${anthropic}` },
      'huggingface-token': { secret: hf, line: `login("${hf}")` },
      'github-token': { secret: gh, line: `GH_TOKEN=${gh}` },
      'gitlab-token': { secret: gitlab, line: `private_token: ${gitlab}` },
      'npm-token': { secret: npm, line: `//registry.npmjs.org/:_authToken=${npm}` },
      'shopify-token': { secret: shopify, line: `const shop = new Shopify({ accessToken: '${shopify}' });` },
      'fcm-server-key': { secret: fcm, line: `"Authorization": "key=${fcm}"` },
      'private-key': { secret: pem, line: pem },
      jwt: { secret: jwt, line: `curl -H "Authorization: Bearer ${jwt}" https://api.acme.io/v1/orders` },
      'database-url-password': { secret: dbPass, line: `DATABASE_URL=postgres://orders_svc:${dbPass}@db-prod-1.internal:5432/orders` },
      'generic-secret': { secret: generic, line: `client_secret = "${generic}"` },
    };
  }
}

const base = new Fakes(prng(20261202)).all();
const gcp = base['gcp-api-key']!.secret;
/** The fixed set the unit tests use. */
export const FAKE_SECRETS: Record<string, { secret: string; line: string }> = { ...base, 'gcp-api-key': { secret: gcp, line: `<string name="google_api_key">${gcp}</string>` } };
