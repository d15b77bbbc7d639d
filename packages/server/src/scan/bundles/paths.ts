/**
 * An entry name as a safe label for a virtual path. Nothing is extracted to disk, so an entry
 * named `../../.ssh/authorized_keys` (zip-slip) cannot write anything; but the name still ends up
 * in reports, SARIF files and terminals, so it is normalised: backslashes become `/`, drive
 * letters, leading `/`, `.` and `..` segments and control characters are removed.
 */
export function sanitizeEntryName(name: string): { readonly path: string; readonly changed: boolean } {
  const parts: string[] = [];
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const cleaned = name.replace(/[\u0000-\u001f\u007f]/g, '').replace(/\\/g, '/');
  for (const seg of cleaned.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') continue;
    parts.push(parts.length === 0 ? seg.replace(/^[A-Za-z]:$/, '') : seg);
  }
  const path = parts.filter(Boolean).join('/') || '_';
  const trailingSlash = /[/\\]$/.test(name);
  return { path, changed: path + (trailingSlash ? '/' : '') !== name };
}

/** Directory entries carry no data. */
export function isDirectoryName(name: string): boolean {
  return name.endsWith('/') || name.endsWith('\\');
}
