import { Icon } from '../../components/Icon';
import { useI18n } from '../../i18n/i18n';

export function DropOverlay() {
  const { t } = useI18n();
  return (
    <div className="drop-overlay" aria-hidden="true">
      <div className="drop-overlay-inner">
        <span className="drop-overlay-icon">
          <Icon name="upload" size={36} />
        </span>
        <strong>{t('gallery.drop.title')}</strong>
        <span>{t('gallery.drop.body')}</span>
      </div>
    </div>
  );
}
