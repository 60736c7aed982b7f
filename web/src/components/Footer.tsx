import { useI18n } from '../i18n/i18n';
import { useSession } from '../session/session';

/** A discreet line saying which Coffer instance served us (useful behind a load balancer). */
export function Footer() {
  const { t } = useI18n();
  const { instance } = useSession();
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
