/**
 * CRC-32 (IEEE 802.3, the polynomial zlib and GitHub's token checksum use), pure JS so it runs in
 * browsers and React Native too. Used only to reject mistyped or forged-looking keys before any
 * lookup; it is not a security control.
 */
export const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of an ASCII string (key material is always ASCII; other code units are masked to 8 bits). */
export function crc32Ascii(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) {
    crc = CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
