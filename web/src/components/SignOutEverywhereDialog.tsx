import { useState } from 'react';
import { errorMessage } from '../i18n/errors';
import { useI18n } from '../i18n/i18n';
import { useSession } from '../session/session';
import { ConfirmDialog } from './ConfirmDialog';

/** "Sign out everywhere?": from the user menu and from the settings page. */
export function SignOutEverywhereDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { signOutEverywhere } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function confirm(): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await signOutEverywhere();
      // Signed out: <App> shows the sign-in page.
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <ConfirmDialog
      open={open}
      title={t('signOutEverywhere.title')}
      confirmLabel={t('signOutEverywhere.confirm')}
      busyLabel={t('signOutEverywhere.busy')}
      busy={busy}
      error={error !== null ? errorMessage(error, i18n) : null}
      confirmTestId="confirm-sign-out-everywhere"
      onConfirm={confirm}
      onClose={() => {
        setError(null);
        onClose();
      }}
    >
      <p>{t('signOutEverywhere.body')}</p>
    </ConfirmDialog>
  );
}
