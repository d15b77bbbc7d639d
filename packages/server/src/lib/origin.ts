/** A serialised origin as browsers send it: scheme, host, optional port; no path, no trailing slash. */
const ORIGIN = /^https?:\/\/(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$|^https?:\/\/\[[0-9a-f:.]+\](?::\d{1,5})?$/;

/** True for an allow-list entry: `*` or an origin in its serialised form (lowercase, no path). */
export function isOriginEntry(entry: string): boolean {
  return entry === '*' || (entry.length <= 256 && ORIGIN.test(entry));
}
