import type { KeyKind } from './model.js';

/**
 * Scopes are `resource:action` strings (`users:read`, `tags:write`). A granted scope may use `*`
 * for a whole part: `*` grants everything, `users:*` every action on users, `*:read` reading
 * anything. Required scopes are always concrete.
 */
export const SCOPE_RE = /^(\*|[a-z0-9][a-z0-9_.-]{0,63}(:(\*|[a-z0-9][a-z0-9_.-]{0,63}))?|\*:[a-z0-9][a-z0-9_.-]{0,63})$/;

export function isValidScope(scope: string): boolean {
  return SCOPE_RE.test(scope);
}

export function scopeGrants(granted: string, required: string): boolean {
  if (granted === '*' || granted === required) return true;
  const gi = granted.indexOf(':');
  const ri = required.indexOf(':');
  if (gi < 0 || ri < 0) return false;
  const gRes = granted.slice(0, gi);
  const gAct = granted.slice(gi + 1);
  return (gRes === '*' || gRes === required.slice(0, ri)) && (gAct === '*' || gAct === required.slice(ri + 1));
}

/** The first required scope that none of the granted scopes covers, or undefined. */
export function missingScope(granted: readonly string[], required: readonly string[]): string | undefined {
  for (const r of required) {
    if (!granted.some((g) => scopeGrants(g, r))) return r;
  }
  return undefined;
}

/** Secret keys have full power over their app; every other kind has exactly its listed scopes. */
export function effectiveScopes(kind: KeyKind, scopes: readonly string[]): readonly string[] {
  return kind === 'secret' ? ['*'] : scopes;
}

/** Export keys are read-only by construction: only `…:read` scopes may be granted. */
export function isReadOnlyScope(scope: string): boolean {
  return scope.endsWith(':read');
}
