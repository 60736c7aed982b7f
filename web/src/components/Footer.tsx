import { useI18n } from '../i18n/i18n';
import { useSession } from '../session/session';

/**
 * A discreet line; administrators also see which Coffer instance served them (useful behind
 * a load balancer, and nobody else's business).
 */
export function Footer() {
  const { t } = useI18n();
  const { instance: servingId, state } = useSession();
  const instance = state.status === 'signed-in' && state.user.isAdmin ? servingId : null;
  return (
    <footer className="app-footer">
      <span>Coffer</span>
      {instance && (
        <>
          <span aria-hidden="true">·</span>
          <span className="app-footer-instance">{t('footer.instance', { id: instance })}</span>
        </>
      )}
    </footer>
  );
}
