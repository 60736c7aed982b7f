import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n';

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** The confirm button's label while busy; `confirmLabel` if not given. */
  busyLabel?: string;
  /** "Cancel" if not given. */
  cancelLabel?: string;
  busy?: boolean;
  /** Why the last attempt failed, shown under the body. */
  error?: string | null;
  errorTestId?: string;
  /** Red for what cannot be undone (the default); the accent colour otherwise. */
  tone?: 'danger' | 'primary';
  confirmTestId?: string;
  onConfirm(): void;
  onClose(): void;
}

/** A modal built on <dialog>: the browser traps focus and handles Escape for us. */
export function ConfirmDialog({ open, title, children, confirmLabel, busyLabel, cancelLabel, busy, error, errorTestId, tone = 'danger', confirmTestId, onConfirm, onClose }: ConfirmDialogProps) {
  const { t } = useI18n();
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
          <div className="confirm-dialog-body">
            {children}
            {error != null && (
              <p className="form-alert form-alert--error" role="alert" data-testid={errorTestId}>
                {error}
              </p>
            )}
          </div>
          <div className="confirm-dialog-actions">
            <button type="button" className="btn btn--secondary" onClick={onClose} disabled={busy} autoFocus>
              {cancelLabel ?? t('common.cancel')}
            </button>
            <button type="button" className={`btn btn--${tone}`} onClick={onConfirm} disabled={busy} data-testid={confirmTestId}>
              {busy && busyLabel !== undefined ? busyLabel : confirmLabel}
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
