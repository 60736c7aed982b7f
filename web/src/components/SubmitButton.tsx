import type { ReactNode } from 'react';

interface SubmitButtonProps {
  label: string;
  /** Shown instead of `label` while the form is being sent. */
  busyLabel: string;
  busy: boolean;
  testId: string;
  icon?: ReactNode;
  /** Full width, as on the auth cards. */
  block?: boolean;
}

/** A form's primary submit button, disabled (and relabelled) while the form is busy. */
export function SubmitButton({ label, busyLabel, busy, testId, icon, block }: SubmitButtonProps) {
  return (
    <button type="submit" className={`btn btn--primary${block ? ' btn--block' : ''}`} data-testid={testId} disabled={busy}>
      {icon}
      {busy ? busyLabel : label}
    </button>
  );
}
