/**
 * A counter's samples from Prometheus text (`GET /metrics`): `name{a="x",b="y"} 3`. Only what the
 * attestation page reads; labels are unescaped per the exposition format (\\, \", \n).
 */
export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;

export function counterSamples(text: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m || m[1] !== name) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    const labels: Record<string, string> = {};
    if (m[2]) {
      LABEL.lastIndex = 0;
      let l: RegExpExecArray | null;
      while ((l = LABEL.exec(m[2])) !== null) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    out.push({ labels, value });
  }
  return out;
}

/** The server's metrics as text (a root key with metrics:read; the session cookie carries it). */
export async function fetchMetrics(): Promise<string | undefined> {
  const res = await fetch('/metrics', { credentials: 'same-origin', headers: { accept: 'text/plain' } });
  return res.ok ? res.text() : undefined;
}
