import { useAdminStatus } from '../../api/queries';
import { Icon } from '../../components/Icon';
import { useI18n } from '../../i18n/i18n';
import { formatSize } from '../../lib/format';

/** Free space of the blob storage, with a warning when the server says it is low. */
export function StorageStatus() {
  const { t, locale } = useI18n();
  const status = useAdminStatus();
  const storage = status.data?.storage;
  if (!storage) return null;
  const { freeBytes, totalBytes, low } = storage;
  const text =
    freeBytes === null
      ? t('admin.storage.unknown')
      : totalBytes !== null
        ? t('admin.storage.free', { free: formatSize(freeBytes, locale), total: formatSize(totalBytes, locale) })
        : t('admin.storage.freeOnly', { free: formatSize(freeBytes, locale) });
  return (
    <div className={`form-alert ${low ? 'form-alert--error' : 'form-alert--info'} admin-storage`} role={low ? 'alert' : 'status'} data-testid="admin-storage" data-low={low}>
      <Icon name={low ? 'alert' : 'server'} size={16} />
      <span>
        <strong>{t('admin.storage.heading')}:</strong> {text}
        {low && <> {t('admin.storage.low')}</>}
      </span>
    </div>
  );
}
