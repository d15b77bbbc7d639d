/** Anything off-spec in a structured field value (RFC 8941), or a non-canonical base64 inside one. */
export class StructuredFieldError extends Error {
  override name = 'StructuredFieldError';
}
