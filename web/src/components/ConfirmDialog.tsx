import { useEffect, useId, useRef, type ReactNode } from 'react';

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  cancelLabel: string;
  busy?: boolean;
  /** Red for what cannot be undone (the default); the accent colour otherwise. */
  tone?: 'danger' | 'primary';
  confirmTestId?: string;
  onConfirm(): void;
  onClose(): void;
}

/** A modal built on <dialog>: the browser traps focus and handles Escape for us. */
export function ConfirmDialog({ open, title, children, confirmLabel, cancelLabel, busy, tone = 'danger', confirmTestId, onConfirm, onClose }: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onClose();
      }}
    >
      {open && (
        <>
          <h2 id={titleId}>{title}</h2>
          <div className="confirm-dialog-body">{children}</div>
          <div className="confirm-dialog-actions">
            <button type="button" className="btn btn--secondary" onClick={onClose} disabled={busy} autoFocus>
              {cancelLabel}
            </button>
            <button type="button" className={`btn btn--${tone}`} onClick={onConfirm} disabled={busy} data-testid={confirmTestId}>
              {confirmLabel}
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
