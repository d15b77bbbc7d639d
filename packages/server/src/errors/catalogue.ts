/**
 * The error catalogue lives in `@keyward/protocol` (protocol/src/errors.ts), so the SDK's error
 * codes are typed from the same file the server answers with. This module re-exports it for the
 * server's own imports.
 */
export { CATALOGUE, ALL_CODES, RESERVED_CODES, isCode, docsUrl, type Code, type CodeSpec, type VerifyCode, type DenyCode } from '@keyward/protocol';
