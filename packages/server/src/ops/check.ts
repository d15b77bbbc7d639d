/**
 * The doctor's result values: each check says what it looked at, what is wrong and how to fix it.
 * A failing dependency is a `fail` value, never an exception, so one broken node cannot hide the
 * checks after it.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';
export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** What to do about a warn or fail. */
  readonly fix?: string;
  /**
   * The Redis node (`host:port`) a per-node check looked at, when one check runs once per node
   * (Redis Cluster): scripts can tell the nodes apart without parsing `detail`.
   */
  readonly node?: string;
}

export const ok = (name: string, detail: string): Check => ({ name, status: 'ok', detail });
export const fail = (name: string, detail: string, fix: string): Check => ({ name, status: 'fail', detail, fix });
export const warn = (name: string, detail: string, fix: string): Check => ({ name, status: 'warn', detail, fix });
export const skip = (name: string, detail: string): Check => ({ name, status: 'skip', detail });

/** `check` as seen on one node: the node named in the field and at the start of the detail. */
export function onNode(node: string, check: Check): Check {
  return { ...check, node, detail: `${node}: ${check.detail}` };
}

/** Offset of another clock from ours, taking the midpoint of the round trip as the moment it was read. */
export function skewCheck(name: string, remoteMs: number, sentMs: number, receivedMs: number, maxSkewMs: number): Check {
  const skew = Math.round(remoteMs - (sentMs + receivedMs) / 2);
  const detail = `${skew >= 0 ? '+' : ''}${skew} ms against this machine (round trip ${receivedMs - sentMs} ms)`;
  if (Math.abs(skew) > maxSkewMs) return fail(name, `${detail}, more than ${maxSkewMs} ms`, 'run NTP (chrony, systemd-timesyncd) on every node and on the database and Redis hosts');
  return ok(name, detail);
}
