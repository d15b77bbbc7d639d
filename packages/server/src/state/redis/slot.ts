/**
 * The Redis Cluster slot of a key (the cluster specification's "keys distribution model"): CRC16
 * (the XMODEM variant: polynomial 0x1021, initial value 0, no reflection) of the key's hash tag
 * (the bytes between the first `{` and the next `}`, when that is not empty) or of the whole key,
 * modulo 16384. `keyward doctor` uses it to send a keyed EVAL straight to the master that owns
 * the key, as the Cluster client does.
 */
export const CLUSTER_SLOTS = 16384;

export function clusterKeySlot(key: string): number {
  let bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b); // {
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1); // }
    if (close > open + 1) bytes = bytes.subarray(open + 1, close);
  }
  return crc16(bytes) % CLUSTER_SLOTS;
}

/** CRC16/XMODEM, bit by bit: the doctor hashes a handful of short keys, so no table. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}
