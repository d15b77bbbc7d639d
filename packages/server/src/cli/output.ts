/**
 * CLI output: `--json` prints one JSON document on stdout for scripts; otherwise readable tables.
 * Progress and notices go to stderr so they never corrupt piped output.
 */
export interface Output {
  readonly json: boolean;
  result(value: unknown, table?: () => string): void;
  /** A list: `{ "items": [...] }` with --json (the API's list shape, every page), else a table. */
  list(items: readonly object[], columns: readonly string[], extra?: Record<string, unknown>): void;
  notice(line: string): void;
}

export function createOutput(json: boolean, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Output {
  const result = (value: unknown, table?: () => string): void => {
    out.write(json || !table ? `${JSON.stringify(value, null, 2)}\n` : `${table()}\n`);
  };
  return {
    json,
    result,
    list(items, columns, extra = {}) {
      result({ items, ...extra }, () => table(items as readonly Record<string, unknown>[], columns));
    },
    notice(line) {
      err.write(`${line}\n`);
    },
  };
}

export function table(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: readonly string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return v.join(',') || '-';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * A one-line progress indicator on stderr for long commands. On a terminal it redraws a bar in
 * place; off a terminal (piped, CI) it prints a line at each quarter, or nothing with `quiet`.
 */
export function progress(label: string, err: NodeJS.WriteStream = process.stderr, options: { readonly quiet?: boolean } = {}): (done: number, total: number) => void {
  let last = 0;
  let lastQuarter = -1;
  return (done, total) => {
    const now = Date.now();
    if (now - last < 200 && done < total) return;
    last = now;
    const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
    if (err.isTTY) {
      const filled = Math.round(pct / 5);
      err.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(20 - filled)}] ${done}/${total} (${pct}%)${done >= total ? '\n' : ''}`);
    } else if (!options.quiet && Math.floor(pct / 25) !== lastQuarter) {
      lastQuarter = Math.floor(pct / 25);
      err.write(`${label}: ${done}/${total} (${pct}%)\n`);
    }
  };
}
