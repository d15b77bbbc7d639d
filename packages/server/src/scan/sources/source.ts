/** A file as a source hands it to expand(): its (possibly virtual) path and its bytes. */
export interface SourceFile {
  readonly path: string;
  readonly bytes: Uint8Array;
  /** `--git`: the commit that introduced this blob (the oldest, as history is walked oldest first). */
  readonly commit?: string;
  /** The prefix of `path` the user named (the scanned root), which context rules ignore. */
  readonly base?: string;
}

export interface SourceLimits {
  /** Files larger than this are skipped with a warning (bounded memory per file). */
  readonly maxFileBytes: number;
}

/** Default per-file cap: large enough for any source file, small enough to hold a few at once. */
export const DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024;
