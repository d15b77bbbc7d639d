/**
 * The progress line: files, bytes and findings so far, redrawn in place on stderr. Only on a
 * terminal and never in CI (`CI` set), so piped output and CI logs stay clean.
 */
export interface Progress {
  update(files: number, bytes: number, findings: number): void;
  done(): void;
}

export function progressEnabled(isTTY: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (!isTTY) return false;
  return !(env.CI && env.CI !== 'false' && env.CI !== '0');
}

/** No progress at all (`--no-progress`). */
export const QUIET: Progress = { update() {}, done() {} };

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** The line itself (pure, for tests): a spinner-like bar that moves with bytes, and the counts. */
export function progressLine(files: number, bytes: number, findings: number, width = 20): string {
  const pos = Math.floor(bytes / (256 * 1024)) % width;
  const bar = Array.from({ length: width }, (_, i) => (i === pos ? '█' : '░')).join('');
  return `scanning ${bar} ${files} files, ${formatBytes(bytes)}, ${findings} finding${findings === 1 ? '' : 's'}`;
}

export function createProgress(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env, intervalMs = 100): Progress {
  if (!progressEnabled(stream.isTTY, env)) return QUIET;
  let last = 0;
  let drawn = false;
  return {
    update(files, bytes, findings) {
      const now = Date.now();
      if (now - last < intervalMs) return;
      last = now;
      drawn = true;
      stream.write(`\r\x1b[2K${progressLine(files, bytes, findings)}`);
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
