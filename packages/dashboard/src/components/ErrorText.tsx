import { plainWords } from '../api.js';

/** A failed call in plain words, announced to screen readers. */
export function ErrorText({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  return (
    <p className="error" role="alert">
      {plainWords(error)}
    </p>
  );
}
