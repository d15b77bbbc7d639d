/**
 * The printable ASCII runs of a binary (what `strings -n 6` prints): for native libraries,
 * Mach-O executables, protobuf resources of an AAB, and anything else without a known format.
 * Six characters keeps the noise of machine code down while no credential format is shorter.
 */
export const MIN_PRINTABLE_RUN = 6;

export function printableStrings(b: Uint8Array, min = MIN_PRINTABLE_RUN): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= b.length; i++) {
    const c = i < b.length ? b[i]! : 0;
    const printable = (c >= 0x20 && c <= 0x7e) || c === 0x09;
    if (printable) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start >= min) out.push(Buffer.from(b.buffer, b.byteOffset + start, i - start).toString('latin1'));
      start = -1;
    }
  }
  return out;
}
