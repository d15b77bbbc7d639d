export * from './key-format.js';
export * from './base62.js';
export * from './crc32.js';
