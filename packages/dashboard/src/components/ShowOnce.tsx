import { useEffect, useRef, useState } from 'react';

/**
 * The new key, shown once. It lives only in this component's state: closing the dialog drops it,
 * and it is never written to storage, a URL or the console.
 */
export function ShowOnce({ secret, onClose }: { secret: string; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal?.();
  }, []);
  const copy = async () => {
    await navigator.clipboard?.writeText(secret).catch(() => {});
    setCopied(true);
  };
  return (
    <dialog ref={ref} className="show-once" aria-labelledby="show-once-title" onClose={onClose}>
      <h2 id="show-once-title">Copy your new key now</h2>
      <p className="warning">
        <strong>This is the only time it is shown.</strong> Keyward stores only its hash and cannot show it again. If you lose it, rotate or reissue the key.
      </p>
      <label htmlFor="new-secret">Key</label>
      <input id="new-secret" readOnly value={secret} onFocus={(e) => e.currentTarget.select()} />
      <div className="row">
        <button type="button" onClick={copy}>
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" onClick={() => ref.current?.close()}>
          I have stored it
        </button>
      </div>
    </dialog>
  );
}
