/**
 * A field's own problem, shown under it and tied to it by `aria-describedby` (the input names this
 * element's id), so a screen reader reads it with the field. Renders nothing without a message.
 */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <span id={id} className="field-error">
      {message}
    </span>
  );
}

/** The props an input needs to point at its FieldError. */
export function describedBy(id: string, message: string | undefined, help?: string): { 'aria-invalid'?: true; 'aria-describedby'?: string } {
  const ids = [message ? `${id}-error` : '', help ?? ''].filter(Boolean).join(' ');
  return { ...(message ? { 'aria-invalid': true as const } : {}), ...(ids ? { 'aria-describedby': ids } : {}) };
}
