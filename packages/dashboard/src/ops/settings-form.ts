/**
 * The app settings form, validated in the browser before anything is sent. The server decides
 * (apps/service.ts, lib/origin.ts) and its problem+json errors are shown as well; these checks
 * mirror its rules so that most mistakes are named next to their field at once.
 */
export const ANOMALY_RULES = ['traffic_spike', 'many_networks', 'verification_failures', 'key_in_url', 'new_user_agent'] as const;
export const ANOMALY_ACTIONS = ['alert', 'throttle', 'suspend'] as const;
export const LEAK_ACTIONS = ['auto', 'revoke', 'flag'] as const;

export interface SettingsFields {
  readonly name: string;
  /** One origin per line. */
  readonly corsOrigins: string;
  readonly anomalyActions: Readonly<Record<string, string>>;
  readonly leakAction: string;
  readonly revokeKeysSeenInUrls: boolean;
  readonly defaultRotationGraceSeconds: string;
  readonly maxTokenTtlSeconds: string;
}

export type SettingsErrors = Partial<Record<keyof SettingsFields, string>>;

// A serialised origin: scheme, host, optional port; lowercase; no path, no trailing slash.
const ORIGIN = /^https?:\/\/(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$|^https?:\/\/\[[0-9a-f:.]+\](?::\d{1,5})?$/;

export function isOrigin(entry: string): boolean {
  return entry === '*' || (entry.length <= 256 && ORIGIN.test(entry));
}

function integer(text: string, min: number, max: number): number | string {
  if (!/^\d+$/.test(text.trim())) return `A whole number from ${min} to ${max}.`;
  const n = Number(text.trim());
  return n < min || n > max ? `A whole number from ${min} to ${max}.` : n;
}

/** The PATCH body for `PATCH /v1/apps/{appId}`, or the errors per field. */
export function settingsBody(f: SettingsFields): { ok: true; body: { name: string; settings: Record<string, unknown> } } | { ok: false; errors: SettingsErrors } {
  const errors: SettingsErrors = {};
  const name = f.name.trim();
  if (!name) errors.name = 'An app needs a name.';
  else if (name.length > 128) errors.name = 'At most 128 characters.';
  const origins = f.corsOrigins
    .split('\n')
    .map((o) => o.trim())
    .filter(Boolean);
  const bad = origins.filter((o) => !isOrigin(o));
  if (bad.length) errors.corsOrigins = `Not an origin: ${bad.join(', ')}. Write scheme and host, such as https://app.example.com (no path, no trailing slash, lowercase), or * for any origin.`;
  else if (origins.length > 32) errors.corsOrigins = 'At most 32 origins.';
  const grace = integer(f.defaultRotationGraceSeconds, 0, 7_776_000);
  if (typeof grace === 'string') errors.defaultRotationGraceSeconds = grace;
  const ttl = integer(f.maxTokenTtlSeconds, 1, 86_400);
  if (typeof ttl === 'string') errors.maxTokenTtlSeconds = ttl;
  if (!(LEAK_ACTIONS as readonly string[]).includes(f.leakAction)) errors.leakAction = 'Choose what a leak report does.';
  const actions: Record<string, string> = {};
  for (const [rule, action] of Object.entries(f.anomalyActions)) {
    if (!(ANOMALY_RULES as readonly string[]).includes(rule)) continue;
    if ((ANOMALY_ACTIONS as readonly string[]).includes(action)) actions[rule] = action;
    else errors.anomalyActions = `Choose alert, throttle or suspend for ${rule.replaceAll('_', ' ')}.`;
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    body: {
      name,
      settings: { corsOrigins: [...new Set(origins)], anomalyActions: actions, leakAction: f.leakAction, revokeKeysSeenInUrls: f.revokeKeysSeenInUrls, defaultRotationGraceSeconds: grace, maxTokenTtlSeconds: ttl },
    },
  };
}
