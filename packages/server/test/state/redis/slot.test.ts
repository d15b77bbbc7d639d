import { describe, expect, it } from 'vitest';
import { clusterKeySlot, crc16 } from '../../../src/state/redis/slot.js';

/** The cluster specification's examples; doctor-cluster.test.ts also compares against CLUSTER KEYSLOT. */
describe('clusterKeySlot', () => {
  it('is CRC16/XMODEM: the check value of "123456789" is 0x31C3', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3);
    expect(clusterKeySlot('123456789')).toBe(0x31c3 % 16384);
  });

  it('hashes only the hash tag: the first { up to the next }, when not empty', () => {
    expect(clusterKeySlot('{user1000}.following')).toBe(clusterKeySlot('user1000'));
    expect(clusterKeySlot('{user1000}.followers')).toBe(clusterKeySlot('{user1000}.following'));
    expect(clusterKeySlot('foo{}{bar}')).toBe(crc16(Buffer.from('foo{}{bar}')) % 16384); // empty tag: the whole key
    expect(clusterKeySlot('foo{{bar}}zap')).toBe(clusterKeySlot('{bar')); // the tag is "{bar"
    expect(clusterKeySlot('foo{bar}{zap}')).toBe(clusterKeySlot('bar'));
  });
});
