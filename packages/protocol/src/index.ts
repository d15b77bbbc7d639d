export * from './key-format.js';
export * from './base62.js';
export * from './crc32.js';
export * from './structured-fields.js';
export * from './content-digest.js';
export * from './message-signatures/index.js';
export * from './errors.js';
export * from './web.js';
