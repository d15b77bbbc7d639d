/**
 * The scanner's vocabulary. The core (rules → findings) is a pure function of text; sources (fs,
 * git, staged) and expand.ts turn bytes into `ScanText`, reports turn findings into output.
 */

/** One text whose lines are scanned. `path` may be virtual, like `app.apk!/classes.dex`. */
export interface ScanText {
  readonly path: string;
  readonly text: string;
}

/** A skipped item or a rule that could not be loaded: reported, never fatal. */
export type Warn = (path: string, message: string) => void;

export interface Rule {
  /** Stable id, used in reports, SARIF `ruleId` and the baseline hash (`aws-access-key-id`). */
  readonly id: string;
  readonly description: string;
  /** Global regex; the secret is capture group `secretGroup` (0 = the whole match). */
  readonly regex: RegExp;
  readonly secretGroup: number;
  /** Lower-case words of which at least one must occur in the text, any case, before the regex runs (gitleaks `keywords`). */
  readonly keywords: readonly string[];
  /** Case-sensitive literals of which one must occur (cheaper than `keywords`: no lower-cased copy of the text). */
  readonly literals?: readonly string[];
  /** A character class the character before the match must not be in (a word boundary without a lookbehind, which would slow the regex's literal search). */
  readonly notAfter?: RegExp;
  /** Minimum Shannon entropy (bits per character) of the secret; 0 = none. */
  readonly entropy: number;
  /** `keyward`: confirmed by checksum; `builtin`: Keyward's third-party set; `custom`: from `--rules`. */
  readonly source: 'keyward' | 'builtin' | 'custom';
  /** Extra check on the secret and its line; false drops the candidate (checksum, context, allow-list). */
  readonly accept?: (secret: string, line: string, path: string, match: RegExpExecArray) => boolean;
  /** Only files whose path matches (gitleaks `path`). */
  readonly path?: RegExp;
  /**
   * A gitleaks path-only rule (`path`, no `regex`): the file itself is the finding (a `.p12`
   * bundle, an `id_rsa`), whatever it holds, binary included. `regex` is then never run.
   */
  readonly pathOnly?: boolean;
  /** Path-only rules: false drops the file (the allow-lists' path stage, gitleaks' checkCommitOrPathAllowed). */
  readonly acceptPath?: (path: string) => boolean;
}

export interface Finding {
  readonly ruleId: string;
  readonly description: string;
  readonly path: string;
  /** 1-based line and column of the secret. */
  readonly line: number;
  readonly column: number;
  /** The secret itself: kept in memory for --verify/--revoke and hashing, never printed. */
  readonly secret: string;
  /** The secret with all but a short head replaced, safe to print. */
  readonly redacted: string;
  /** sha256 over rule id and secret (baseline/fingerprint.ts), hex. */
  readonly fingerprint: string;
  /** `--git`: the oldest commit that added the secret. */
  readonly commit?: string;
}
