import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A modal confirmation for an action that cannot be undone (revoke, rotate). Opened by mounting
 * it; Escape and Cancel close it without acting. The focus starts on Cancel, so Enter alone
 * never confirms. `confirmDisabled` holds the confirm button until the dialog's own fields allow it
 * (typing the name of what is about to be deleted).
 */
export function Confirm({ title, children, confirmLabel, danger, confirmDisabled, onConfirm, onClose }: { title: string; children?: ReactNode; confirmLabel: string; danger?: boolean; confirmDisabled?: boolean; onConfirm: () => void; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal?.();
    cancel.current?.focus();
  }, []);
  return (
    <dialog ref={ref} aria-label={title} onClose={onClose}>
      <h2>{title}</h2>
      {children}
      <div className="row">
        <button
          type="button"
          className={danger ? 'danger' : undefined}
          disabled={confirmDisabled}
          onClick={() => {
            ref.current?.close();
            onConfirm();
          }}
        >
          {confirmLabel}
        </button>
        <button type="button" ref={cancel} onClick={() => ref.current?.close()}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
