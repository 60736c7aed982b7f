import { useState } from 'react';
import { Icon, KindIcon } from '../../components/Icon';
import { uploadErrorMessage } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';
import { formatSize } from '../../lib/format';
import { Link } from '../../lib/router';
import type { UploadItem } from './useUploads';

interface UploadPanelProps {
  items: UploadItem[];
  onCancel(key: string): void;
  onRemove(key: string): void;
  onClose(): void;
}

/** The bottom-right card listing each upload with its own progress bar and outcome. */
export function UploadPanel({ items, onCancel, onRemove, onClose }: UploadPanelProps) {
  const i18n = useI18n();
  const { t, tn, locale } = i18n;
  const [collapsed, setCollapsed] = useState(false);
  if (items.length === 0) return null;

  const uploading = items.filter((item) => item.status === 'uploading').length;
  const failed = items.filter((item) => item.status === 'failed').length;
  const cancelled = items.filter((item) => item.status === 'cancelled').length;
  const done = items.length - uploading - failed - cancelled;
  const title =
    uploading > 0
      ? tn('upload.uploading', uploading)
      : failed === items.length
        ? tn('upload.failed', failed)
        : failed > 0 || cancelled > 0
          ? t('upload.partial', { done, total: items.length })
          : tn('upload.done', done);
  const overall = items.reduce((sum, item) => sum + (item.status === 'uploading' ? item.progress : 1), 0) / items.length;
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });

  function statusLine(item: UploadItem): string {
    if (item.status === 'done') return `${t('upload.done')} · ${formatSize(item.size, locale)}`;
    if (item.status === 'failed') return uploadErrorMessage(item.error, i18n);
    if (item.status === 'cancelled') return t('upload.cancelled');
    if (item.phase === 'waiting') return t('upload.waiting');
    if (item.phase === 'processing') return t('upload.processing');
    return `${percent.format(item.progress)} · ${formatSize(item.size, locale)}`;
  }

  return (
    <section className={`upload-panel${collapsed ? ' upload-panel--collapsed' : ''}`} aria-labelledby="upload-panel-title">
      <header className="upload-panel-header">
        <span className={`upload-panel-state upload-panel-state--${uploading > 0 ? 'busy' : failed > 0 ? 'failed' : 'done'}`} aria-hidden="true">
          {uploading > 0 ? <span className="spinner spinner--small" /> : <Icon name={failed > 0 ? 'alert' : 'check'} size={16} />}
        </span>
        <h2 id="upload-panel-title" aria-live="polite">
          {title}
        </h2>
        <button
          type="button"
          className="icon-btn"
          aria-label={collapsed ? t('upload.expand') : t('upload.collapse')}
          aria-expanded={!collapsed}
          onClick={() => setCollapsed((value) => !value)}
        >
          <Icon name="chevronDown" size={18} className={collapsed ? 'flip' : undefined} />
        </button>
        <button type="button" className="icon-btn" aria-label={t('upload.close')} onClick={onClose}>
          <Icon name="close" size={18} />
        </button>
      </header>
      {uploading > 0 && (
        <div className="upload-panel-overall" aria-hidden="true">
          <span style={{ width: `${overall * 100}%` }} />
        </div>
      )}
      {/* Collapsing hides the list rather than unmounting it, so statuses stay queryable. */}
      <ul className="upload-list" hidden={collapsed}>
          {items.map((item) => (
            <li key={item.key} className={`upload-item upload-item--${item.status}`} data-testid="upload-item" data-status={item.status}>
              <span className="upload-item-icon" aria-hidden="true">
                {item.kind ? <KindIcon kind={item.kind} size={18} /> : <Icon name="file" size={18} />}
              </span>
              <div className="upload-item-body">
                <span className="upload-item-name" title={item.name}>
                  {item.name}
                </span>
                <span className="upload-item-status">{statusLine(item)}</span>
                {item.duplicateOf !== undefined && (
                  <span className="upload-item-duplicate" data-testid="upload-duplicate">
                    {t('upload.duplicate')}{' '}
                    <Link to={`/files/${item.duplicateOf}`} state={{ fromGallery: true }} data-testid="upload-duplicate-link">
                      {t('upload.duplicateOpen')}
                    </Link>
                  </span>
                )}
                {item.status === 'uploading' && (
                  <span
                    className={`progress${item.phase === 'processing' ? ' progress--indeterminate' : ''}`}
                    role="progressbar"
                    aria-label={item.name}
                    aria-valuemin={0}
                    aria-valuemax={100}
                    aria-valuenow={Math.round(item.progress * 100)}
                  >
                    <span style={{ width: `${item.progress * 100}%` }} />
                  </span>
                )}
              </div>
              <span className="upload-item-end">
                {item.status === 'done' && <Icon name="check" size={18} className="upload-ok" />}
                {item.status === 'failed' && <Icon name="alert" size={18} className="upload-failed" />}
                {item.status === 'cancelled' && <Icon name="ban" size={18} className="upload-cancelled" />}
                {item.status === 'uploading' ? (
                  <button type="button" className="icon-btn icon-btn--small" aria-label={t('upload.cancel', { name: item.name })} onClick={() => onCancel(item.key)}>
                    <Icon name="close" size={16} />
                  </button>
                ) : (
                  <button type="button" className="icon-btn icon-btn--small upload-remove" aria-label={t('upload.remove', { name: item.name })} onClick={() => onRemove(item.key)}>
                    <Icon name="close" size={16} />
                  </button>
                )}
              </span>
            </li>
          ))}
      </ul>
    </section>
  );
}
