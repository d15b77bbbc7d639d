/**
 * A small formatter that turns pino's JSON lines into lines a person reads on a terminal:
 * `12:00:01.123 INFO  keyward listening address=http://127.0.0.1:8787 requestId=…`. Used when
 * logs go to a terminal (or KEYWARD_LOG_FORMAT=pretty); collectors get the JSON lines unchanged.
 * It formats what pino already redacted, so it can never show more than the JSON would.
 */
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLOURS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

export function formatLogLine(line: string, colour = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const name = (LEVELS[level] ?? String(level)).padEnd(5);
  const label = colour ? `\u001b[${COLOURS[level] ?? '0'}m${name}\u001b[0m` : name;
  const fields = Object.entries(entry)
    .filter(([k]) => !OMIT.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  return `${[time, label, typeof entry.msg === 'string' ? entry.msg : '', ...fields].filter(Boolean).join(' ')}\n`;
}

/** A pino destination that writes formatted lines to `out`. */
export function prettyStream(out: NodeJS.WritableStream & { isTTY?: boolean }): { write(chunk: string): boolean } {
  const colour = Boolean(out.isTTY) && !process.env.NO_COLOR;
  return {
    write(chunk: string) {
      let text = '';
      for (const line of chunk.split('\n')) if (line) text += formatLogLine(line, colour);
      return out.write(text);
    },
  };
}
